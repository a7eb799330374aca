import { afterEach, describe, expect, it, vi } from 'vitest'
import { sharePhone, type PhoneAccount, type PhoneState } from '../src/utils/softphone'

const ACCOUNT: PhoneAccount = {
  mode: 'browser', available: true, extension: '1001', realm: 'hotline', ws_url: 'ws://127.0.0.1:5066', ha1: 'x', ice_servers: [],
}

/** Web Locks as the browser has them: one holder per name, the next request granted on release. */
function fakeLocks(): LockManager {
  const queues = new Map<string, Array<() => void>>()
  return {
    request: (name: string, cb: () => Promise<void>) => {
      const q = queues.get(name) ?? []
      queues.set(name, q)
      return new Promise<void>((done) => {
        const run = (): void => void cb().then(() => {
          q.shift()
          q[0]?.()
          done()
        })
        q.push(run)
        if (q.length === 1) run()
      })
    },
  } as unknown as LockManager
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20))

describe('browser phone across tabs', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('registers in one tab only, and in the next when that one closes', async () => {
    // No microphone here: each tab that runs the phone asks for it once, and says so.
    const getUserMedia = vi.fn().mockRejectedValue(Object.assign(new Error('denied'), { name: 'NotAllowedError' }))
    vi.stubGlobal('navigator', { locks: fakeLocks(), mediaDevices: { getUserMedia } })
    const first: PhoneState[] = []
    const second: PhoneState[] = []
    const a = sharePhone(ACCOUNT, (s) => first.push(s))
    await tick()
    const b = sharePhone(ACCOUNT, (s) => second.push(s))
    await tick()
    expect(getUserMedia).toHaveBeenCalledTimes(1)
    expect(first.at(-1)?.status).toBe('no-mic')
    expect(second[0]?.status).toBe('follower')
    a.leave()
    await tick()
    expect(getUserMedia).toHaveBeenCalledTimes(2) // the second tab took over
    expect(second.at(-1)?.status).toBe('no-mic')
    b.leave()
  })
})
