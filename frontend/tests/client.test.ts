import { afterEach, describe, expect, it, vi } from 'vitest'
import { api, ApiError, buildUrl, configureClient, csrfToken, problemMessage, toProblem } from '../src/api/client'

afterEach(() => vi.unstubAllGlobals())

describe('problem messages', () => {
  const p = { status: 409, title: 'Conflict', detail: 'stale', title_zh: '操作冲突', detail_zh: '记录已被他人修改' }
  it('uses the Chinese fields in zh locales', () => {
    expect(problemMessage(p, 'zh-CN')).toBe('操作冲突：记录已被他人修改')
  })
  it('uses the English fields in en', () => {
    expect(problemMessage(p, 'en')).toBe('Conflict：stale')
  })
  it('falls back to the English title without Chinese fields', () => {
    expect(problemMessage({ status: 500, title: 'Boom' }, 'zh-CN')).toBe('Boom')
  })
})

describe('toProblem', () => {
  it('reads problem+json', async () => {
    const res = new Response(JSON.stringify({ title: 'Not found', status: 404, code: 'not_found', title_zh: '未找到' }), { status: 404 })
    const p = await toProblem(res)
    expect(p.code).toBe('not_found')
    expect(p.title_zh).toBe('未找到')
  })
  it('wraps a non-JSON body', async () => {
    const p = await toProblem(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }))
    expect(p.status).toBe(502)
    expect(p.title_zh).toBe('服务器错误')
  })
})

describe('buildUrl', () => {
  it('drops empty values', () => {
    expect(buildUrl('/api/x', { a: 1, b: '', c: undefined, d: null, e: 'z y' })).toBe('/api/x?a=1&e=z+y')
  })
  it('keeps a path without query', () => {
    expect(buildUrl('/api/x')).toBe('/api/x')
  })
})

describe('api()', () => {
  it('toasts the Chinese message of a problem and throws ApiError', async () => {
    const notify = vi.fn()
    configureClient({ notify, locale: () => 'zh-CN' })
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ title: 'Conflict', status: 409, code: 'conflict', title_zh: '操作冲突', detail_zh: '非法状态转换' }), { status: 409, headers: { 'Content-Type': 'application/problem+json' } })))
    await expect(api('/api/workorders/1/close', { body: {} })).rejects.toBeInstanceOf(ApiError)
    expect(notify).toHaveBeenCalledWith('操作冲突：非法状态转换')
  })
  it('does not toast a missing endpoint and flags it', async () => {
    const notify = vi.fn()
    configureClient({ notify })
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ title: 'Not found', status: 404, code: 'http_404' }), { status: 404 })))
    const err = await api('/api/nothing').catch((e: unknown) => e)
    expect((err as ApiError).missingEndpoint).toBe(true)
    expect(notify).not.toHaveBeenCalled()
  })
  it('calls the 401 handler outside auth endpoints', async () => {
    const onUnauthorized = vi.fn()
    configureClient({ onUnauthorized, notify: vi.fn() })
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ title: 'Unauthorized', status: 401 }), { status: 401 })))
    await api('/api/users').catch(() => undefined)
    expect(onUnauthorized).toHaveBeenCalledOnce()
  })
  it('sends JSON with the session cookie', async () => {
    const fetchMock = vi.fn(async (_url: string, _init: RequestInit) => new Response(JSON.stringify({ ok: 1 }), { headers: { 'Content-Type': 'application/json' } }))
    vi.stubGlobal('fetch', fetchMock)
    expect(await api('/api/x', { body: { a: 1 } })).toEqual({ ok: 1 })
    const init = fetchMock.mock.calls[0][1]
    expect(init.method).toBe('POST')
    expect(init.credentials).toBe('same-origin')
    expect(init.body).toBe('{"a":1}')
  })
  it('echoes the CSRF cookie on unsafe methods only', async () => {
    document.cookie = 'hotline_csrf=tok-123'
    const fetchMock = vi.fn(async (_url: string, _init: RequestInit) => new Response(null, { status: 204 }))
    vi.stubGlobal('fetch', fetchMock)
    await api('/api/x', { method: 'DELETE' })
    await api('/api/x')
    expect((fetchMock.mock.calls[0][1].headers as Record<string, string>)['X-CSRF-Token']).toBe('tok-123')
    expect((fetchMock.mock.calls[1][1].headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined()
  })
})

describe('csrfToken', () => {
  it('reads the hotline_csrf cookie among others', () => {
    expect(csrfToken('a=1; hotline_csrf=abc-_x; b=2')).toBe('abc-_x')
    expect(csrfToken('a=1')).toBe('')
  })
})
