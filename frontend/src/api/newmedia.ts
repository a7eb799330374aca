/**
 * New media (新媒体) endpoints: posts and their review workflow, the content calendar,
 * publications, and the WeChat auto-reply log. Shapes mirror hotline/newmedia/schemas.py and turns.py.
 */
import { api } from './client'

export type Kind = 'wechat_article' | 'weibo_post' | 'web_notice'
export interface Publication {
  id: number; target: 'wechat' | 'website'; status: string; attempts: number
  next_attempt_at: string | null; error: string | null; url: string | null; published_at: string | null
}
export interface Post {
  id: number; kind: Kind; title: string; author: string | null; digest: string | null; body: string
  has_cover: boolean; knowledge_article_id: number | null; planned_at: string | null; state: string; state_zh: string
  review_note: string | null; version: number; created_at: string; updated_at: string; published_at: string | null
  allowed_actions: string[]; publications: Publication[]
}
export interface PostSummary {
  id: number; kind: Kind; title: string; state: string; planned_at: string | null; published_at: string | null; version: number
}
export interface CalendarDay { day: string; posts: PostSummary[] }
export interface Turn {
  id: number; openid: string; question: string; outcome: 'answered' | 'handed_over'; reason: string
  article_id: number | null; article_title: string | null; confidence: number; reply: string | null; created_at: string
}
export interface TurnStats { total: number; answered: number; handed_over: number }
export interface PostIn {
  kind: Kind; title: string; author?: string | null; digest?: string | null; body: string; planned_at?: string | null
}

const base = '/api/newmedia'
export const posts = (state?: string) => api<PostSummary[]>(`${base}/posts`, { query: { state } })
export const post = (id: number) => api<Post>(`${base}/posts/${id}`)
export const createPost = (body: PostIn) => api<Post>(`${base}/posts`, { method: 'POST', body })
export const actOnPost = (id: number, action: string, body: { version: number; note?: string }) =>
  api<Post>(`${base}/posts/${id}/${action}`, { method: 'POST', body })
export const calendar = (start: string, end: string) => api<CalendarDay[]>(`${base}/calendar`, { query: { start, end } })
export const retryPublication = (id: number) => api<Publication>(`${base}/publications/${id}/retry`, { method: 'POST' })
export const turns = (outcome?: string) => api<Turn[]>(`${base}/wechat/turns`, { query: { outcome } })
export const turnStats = () => api<TurnStats>(`${base}/wechat/stats`)

/** The first and last day (YYYY-MM-DD) of the month holding `d`. */
export function monthRange(d: Date): [string, string] {
  const pad = (n: number) => String(n).padStart(2, '0')
  const last = new Date(d.getFullYear(), d.getMonth() + 1, 0).getDate()
  const ym = `${d.getFullYear()}-${pad(d.getMonth() + 1)}`
  return [`${ym}-01`, `${ym}-${pad(last)}`]
}
/** The cover image as the request body (JPEG/PNG/GIF ≤ 2 MB). */
export const uploadCover = (id: number, version: number, file: Blob) =>
  api<Post>(`${base}/posts/${id}/cover`, { method: 'PUT', body: file, query: { version } })
