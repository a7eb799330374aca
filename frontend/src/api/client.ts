/**
 * The API client: fetch with the session cookie, JSON in and out, RFC 9457 problem+json errors
 * turned into an ApiError carrying the server's Chinese and English messages.
 *
 * Errors are toasted once, in the console language, unless the caller passes `silent`. A 401
 * calls the registered handler (the auth store sends the user back to the login page).
 * Unsafe requests echo the `hotline_csrf` cookie in `X-CSRF-Token` (the server's CSRF check).
 */
export interface Problem {
  type?: string
  title: string
  status: number
  detail?: string
  code?: string
  title_zh?: string
  detail_zh?: string
  errors?: { loc: string[]; msg: string; type: string }[]
  [key: string]: unknown
}

export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem

  constructor(problem: Problem) {
    super(problem.detail || problem.title)
    this.status = problem.status
    this.problem = problem
  }

  /** True when the server has no such endpoint (the feature is not deployed yet). */
  get missingEndpoint(): boolean {
    return this.status === 404 && (this.problem.code === 'http_404' || this.problem.code === undefined)
  }

  localized(locale: string): string {
    return problemMessage(this.problem, locale)
  }
}

/** The message to show for a problem: Chinese fields for zh locales, English otherwise. */
export function problemMessage(p: Problem, locale: string): string {
  const zh = locale.toLowerCase().startsWith('zh')
  const title = zh ? p.title_zh || p.title : p.title
  const detail = zh ? p.detail_zh || p.detail : p.detail
  if (detail && detail !== title) return `${title}：${detail}`
  return title
}

/** Turn any non-2xx response into a Problem, also when the body is not problem+json. */
export async function toProblem(res: Response): Promise<Problem> {
  const text = await res.text()
  try {
    const body = JSON.parse(text) as Partial<Problem>
    if (body && typeof body === 'object' && ('title' in body || 'detail' in body)) {
      return { status: res.status, title: String(body.title ?? res.statusText), ...body } as Problem
    }
  } catch {
    /* not JSON: fall through */
  }
  return {
    status: res.status,
    title: res.statusText || `HTTP ${res.status}`,
    detail: text.slice(0, 200) || undefined,
    title_zh: res.status >= 500 ? '服务器错误' : '请求失败',
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  method?: string
  body?: unknown
  query?: Query
  /** Do not toast errors (the caller shows them inline). */
  silent?: boolean
  signal?: AbortSignal
}

type Notifier = (message: string) => void
let notify: Notifier = () => {}
let onUnauthorized: () => void = () => {}
let currentLocale: () => string = () => 'zh-CN'

export function configureClient(opts: {
  notify?: Notifier
  onUnauthorized?: () => void
  locale?: () => string
}): void {
  if (opts.notify) notify = opts.notify
  if (opts.onUnauthorized) onUnauthorized = opts.onUnauthorized
  if (opts.locale) currentLocale = opts.locale
}

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    qs.append(k, String(v))
  }
  const s = qs.toString()
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path
}

/** The CSRF token the server set at sign-in (a cookie the page may read, unlike the session's). */
export function csrfToken(cookies: string = typeof document === 'undefined' ? '' : document.cookie): string {
  for (const part of cookies.split(';')) {
    const [name, ...rest] = part.trim().split('=')
    if (name === 'hotline_csrf') return decodeURIComponent(rest.join('='))
  }
  return ''
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' }
  let body: BodyInit | undefined
  if (opts.body instanceof FormData || opts.body instanceof Blob) {
    body = opts.body // a Blob (an uploaded file) goes as itself, with its own type
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  const method = (opts.method ?? (body ? 'POST' : 'GET')).toUpperCase()
  if (!SAFE_METHODS.has(method)) {
    const token = csrfToken()
    if (token) headers['X-CSRF-Token'] = token
  }
  let res: Response
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    })
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e
    const problem: Problem = {
      status: 0,
      title: 'Network error',
      title_zh: '网络错误',
      detail: 'The server cannot be reached.',
      detail_zh: '无法连接服务器，请检查网络。',
    }
    if (!opts.silent) notify(problemMessage(problem, currentLocale()))
    throw new ApiError(problem)
  }
  if (res.ok) {
    if (res.status === 204) return undefined as T
    const type = res.headers.get('Content-Type') ?? ''
    return (type.includes('json') ? await res.json() : await res.text()) as T
  }
  const err = new ApiError(await toProblem(res))
  if (res.status === 401 && !path.startsWith('/api/auth/')) onUnauthorized()
  else if (!opts.silent && !err.missingEndpoint) notify(err.localized(currentLocale()))
  throw err
}

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}
