/** Knowledge-base API shapes (hotline/knowledge/schemas.py). */
export interface SearchHit {
  id: number
  title: string
  title_hl: string
  snippet: string
  category: string
  region: string
  state: string
  served: boolean
  expired: boolean
  score: number
}

export interface SearchOut {
  query: string
  total: number
  hits: SearchHit[]
  took_ms: number
}

export interface SuggestItem {
  id: number
  title: string
  title_hl: string
  category: string
}

export interface InCallItem {
  id: number
  title: string
  answer_short: string
  category: string
  score: number
  reasons: string[]
}

export interface Article {
  id: number
  title: string
  questions: string[]
  answer_short: string
  answer_full: string
  policy_basis: string
  eligibility: string
  materials: string
  procedure: string
  office: string
  contact: string
  fees: string
  region: string
  category: string
  tags: string[]
  attachments: { name: string; url: string }[]
  related_ids: number[]
  related: { id: number; title: string; state: string; served: boolean; expired: boolean }[]
  valid_from: string | null
  valid_until: string | null
  remind_days: number
  state: string
  state_zh: string
  content_version: number
  live_version: number | null
  served: boolean
  expired: boolean
  publish_at: string | null
  retired_reason: string | null
  owner_id: number | null
  created_at: string
  updated_at: string
  version: number
}

export interface ArticleSummary {
  id: number
  title: string
  category: string
  region: string
  state: string
  served: boolean
  expired: boolean
  valid_until: string | null
  updated_at: string
}

export const ARTICLE_FIELDS = ['policy_basis', 'eligibility', 'materials', 'procedure', 'office', 'contact', 'fees'] as const

/**
 * Search highlights come from the server HTML-escaped with <em> around matches. Keep only
 * em/b/mark tags (shown as <mark>), escape any other angle bracket, so a highlight can never
 * inject markup even if the server changed.
 */
export function safeHighlight(html: string): string {
  const escaped = html.replace(/</g, '&lt;').replace(/>/g, '&gt;')
  return escaped.replace(/&lt;(\/?)(em|b|mark|strong)&gt;/g, '<$1mark>')
}
