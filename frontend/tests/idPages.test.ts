import { afterEach, describe, expect, it, vi } from 'vitest'
import { useIdPages } from '../src/api/useIdPages'

// A newest-first list of ids 45..1 served like /api/channels/replies (?limit=&before=).
function serve(): ReturnType<typeof vi.fn> {
  const fetchMock = vi.fn(async (url: string) => {
    const q = new URL(url, 'http://x').searchParams
    const limit = Number(q.get('limit'))
    const before = Number(q.get('before') ?? 46)
    const ids = Array.from({ length: 45 }, (_, i) => 45 - i).filter((id) => id < before).slice(0, limit)
    return new Response(JSON.stringify(ids.map((id) => ({ id }))), { headers: { 'Content-Type': 'application/json' } })
  })
  vi.stubGlobal('fetch', fetchMock)
  return fetchMock
}

afterEach(() => vi.unstubAllGlobals())

describe('pages by id', () => {
  it('walks older and back to newer pages, knowing when no older page exists', async () => {
    serve()
    const p = useIdPages<{ id: number }>('/api/channels/replies', () => ({ status: 'dead' }), 20)
    await p.load()
    expect(p.items.value.map((r) => r.id)).toEqual(Array.from({ length: 20 }, (_, i) => 45 - i))
    expect([p.page.value, p.hasOlder.value]).toEqual([1, true])
    await p.older()
    expect(p.items.value[0].id).toBe(25)
    await p.older()
    expect(p.items.value.map((r) => r.id)).toEqual([5, 4, 3, 2, 1])
    expect([p.page.value, p.hasOlder.value]).toEqual([3, false])
    await p.older() // nothing older: stays
    expect(p.page.value).toBe(3)
    await p.newer()
    expect([p.page.value, p.items.value[0].id]).toEqual([2, 25])
    await p.load() // a new filter starts at the newest page
    expect([p.page.value, p.items.value[0].id]).toEqual([1, 45])
  })

  it('sends the filter and one row more than a page', async () => {
    const fetchMock = serve()
    await useIdPages('/api/channels/inbox', () => ({ status: 'dead' }), 20).load()
    const url = String(fetchMock.mock.calls[0][0])
    expect(url).toContain('status=dead')
    expect(url).toContain('limit=21')
    expect(url).not.toContain('before')
  })
})
