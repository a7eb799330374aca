import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createI18n } from 'vue-i18n'
import zh from '../src/i18n/zh-CN'
import { emitLive } from '../src/api/liveEvents'
import type { Shift } from '../src/api/workforce'

const mySchedule = vi.fn<(firstDay: string, days: number) => Promise<Shift[]>>()
vi.mock('../src/api/workforce', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/api/workforce')>()
  return { ...real, workforce: { ...real.workforce, mySchedule: (d: string, n: number) => mySchedule(d, n) } }
})
const { default: MyShiftsBox } = await import('../src/components/MyShiftsBox.vue')

const shift = (id: number, startsAt: string): Shift => ({
  id, roster_id: 1, user_id: 3, day: startsAt.slice(0, 10), template: 'C',
  starts_at: startsAt, ends_at: new Date(Date.parse(startsAt) + 8 * 3600_000).toISOString(), version: 1,
})

function mountBox() {
  const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zh } })
  return mount(MyShiftsBox, { global: { plugins: [i18n], stubs: { 'router-link': { template: '<a><slot /></a>' }, 'el-tag': { template: '<span><slot /></span>' } } } })
}

describe('我的班次 in the workspace', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    mySchedule.mockReset()
  })
  afterEach(() => vi.useRealTimers())

  it('reloads at once when the live socket says the schedule changed, once per burst', async () => {
    mySchedule.mockResolvedValueOnce([])
    const box = mountBox()
    await flushPromises()
    expect(mySchedule).toHaveBeenCalledTimes(1)
    expect(box.text()).toContain('暂无已发布的班次')

    mySchedule.mockResolvedValue([shift(7, '2099-03-02T01:00:00Z')])
    emitLive('snapshot', {}) // the socket's first snapshot: nothing was missed
    emitLive('workforce.shift_changed', { shift_id: 7, user_id: 3, previous_user_id: 4 })
    emitLive('workforce.swap_decided', { swap_id: 2, state: 'approved', from_user_id: 4, to_user_id: 3 })
    emitLive('agent.state_changed', { agent_id: 3, state: 'ready' }) // not about the schedule
    await vi.advanceTimersByTimeAsync(250)
    await flushPromises()
    expect(mySchedule).toHaveBeenCalledTimes(2) // one reload for the burst, long before ten minutes
    expect(box.text()).toContain('2099-03-02 09:00–17:00')

    emitLive('snapshot', {}) // a reconnect: events may have been lost meanwhile
    await vi.advanceTimersByTimeAsync(250)
    expect(mySchedule).toHaveBeenCalledTimes(3)

    box.unmount()
    emitLive('workforce.roster_published', { roster_id: 1, first_day: '2099-03-02', days: 7, user_ids: [3] })
    await vi.advanceTimersByTimeAsync(250)
    expect(mySchedule).toHaveBeenCalledTimes(3) // unmounted: no longer listening
  })
})
