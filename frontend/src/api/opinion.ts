/**
 * Opinion monitoring (舆情监测) endpoints: sources, items and groups, rules and the tester,
 * alerts (the bell) and incidents. Shapes mirror hotline/opinion/*.py views.
 */
import { api, type Query } from './client'

export interface Source {
  id: number; name: string; kind: 'feed' | 'page' | 'weibo' | 'toutiao' | 'wechat'; url: string; enabled: boolean; every_seconds: number
  status: string; reason: string | null; failures: number; items_total: number
  last_fetch_at: string | null; last_ok_at: string | null; next_fetch_at: string | null; version: number
}
export interface Item {
  id: number; source_id: number; source: string | null; url: string; title: string; excerpt: string
  published_at: string | null; fetched_at: string | null; encoding: string | null; encoding_flag: string | null
  group_id: number | null; duplicate: boolean; negative: number; risk: number; risk_terms: string[]; rule_ids: number[]
  state: string; text?: string; group?: Group | null
}
export interface GroupMember { id: number; title: string; url: string; source: string | null; fetched_at: string | null }
export interface Group {
  id: number; title: string; size: number; first_item_id: number | null; first_seen: string | null; last_seen: string | null
  members?: GroupMember[]; risk?: number
}
export interface Related {
  keywords: string[]
  work_orders: { id: number; number: string; title: string; state: string; created_at: string }[]
  articles: { id: number; title: string; score: number }[]
}
export interface Rule { id: number; name: string; expression: string; enabled: boolean; terms: string[]; version: number }
export interface RuleTestResult {
  valid: boolean; error?: string; error_zh?: string; position?: number; terms?: string[]
  text?: { matched: boolean; found: string[] }
  sample?: { checked: number; matched: number; items: { id: number; title: string; found: string[] }[] }
}
export interface Alert {
  id: number; group_id: number; item_id: number; risk: number; title: string; raised_at: string
  acknowledged_by: number | null; acknowledged_at: string | null; incident_id: number | null
}
export interface Incident {
  id: number; title: string; summary: string; level: 'normal' | 'major'; state: string; state_zh: string
  allowed: string[]; due_at: string | null; overdue: boolean; response: string | null; responded_by: string | null
  created_at: string | null; closed_at: string | null; version: number
  links?: { kind: 'item' | 'workorder' | 'article'; ref_id: number }[]
  timeline?: { action: string; from: string | null; to: string; note: string | null; actor: string; at: string }[]
}

const base = '/api/opinion'
export const sources = () => api<Source[]>(`${base}/sources`)
export const createSource = (body: Pick<Source, 'name' | 'kind' | 'url' | 'every_seconds'>) =>
  api<Source>(`${base}/sources`, { method: 'POST', body })
export const patchSource = (id: number, body: Partial<Source> & { version: number }) =>
  api<Source>(`${base}/sources/${id}`, { method: 'PATCH', body })
export const fetchNow = (id: number) => api<Source>(`${base}/sources/${id}/fetch`, { method: 'POST' })
export const items = (query: Query) => api<Item[]>(`${base}/items`, { query })
export const item = (id: number) => api<Item>(`${base}/items/${id}`)
export const related = (id: number) => api<Related>(`${base}/items/${id}/related`)
export const rules = () => api<Rule[]>(`${base}/rules`)
export const createRule = (body: { name: string; expression: string; enabled?: boolean }) =>
  api<Rule>(`${base}/rules`, { method: 'POST', body })
export const patchRule = (id: number, body: Partial<Rule> & { version: number }) =>
  api<Rule>(`${base}/rules/${id}`, { method: 'PATCH', body })
export const testRule = (expression: string, text?: string) =>
  api<RuleTestResult>(`${base}/rules/test`, { method: 'POST', body: { expression, text: text || undefined } })
export const alerts = (openOnly = false) =>
  api<{ open: number; alerts: Alert[] }>(`${base}/alerts`, { query: { open_only: openOnly || undefined } })
export const ackAlert = (id: number) => api<Alert>(`${base}/alerts/${id}/ack`, { method: 'POST' })
export const incidents = (state?: string) => api<Incident[]>(`${base}/incidents`, { query: { state } })
export const incident = (id: number) => api<Incident>(`${base}/incidents/${id}`)
export const openIncident = (body: { title?: string; summary?: string; level?: string; alert_id?: number; item_ids?: number[] }) =>
  api<Incident>(`${base}/incidents`, { method: 'POST', body })
export const actOnIncident = (id: number, action: string, body: { version: number; note?: string; response?: string; responded_by?: string }) =>
  api<Incident>(`${base}/incidents/${id}/${action}`, { method: 'POST', body })
export const linkIncident = (id: number, kind: string, refId: number) =>
  api<Incident>(`${base}/incidents/${id}/links`, { method: 'POST', body: { kind, ref_id: refId } })

/** Risk band for colour: ≥ 60 high (an alert), ≥ 30 watch, below that low. */
export function riskBand(risk: number): 'danger' | 'warning' | 'info' {
  return risk >= 60 ? 'danger' : risk >= 30 ? 'warning' : 'info'
}

/** A brief subscription: who gets the daily and/or weekly brief by mail. */
export interface BriefSubscription { id: number; email: string; daily: boolean; weekly: boolean }
export type BriefKind = 'daily' | 'weekly'
export const briefSubscriptions = () => api<BriefSubscription[]>(`${base}/brief-subscriptions`)
export const subscribeBrief = (body: Omit<BriefSubscription, 'id'>) =>
  api<BriefSubscription>(`${base}/brief-subscriptions`, { method: 'POST', body })
export const unsubscribeBrief = (id: number) => api<void>(`${base}/brief-subscriptions/${id}`, { method: 'DELETE' })

/** The first day of the brief holding `day` (yyyy-mm-dd): the day itself, or its week's Monday. */
export function briefFirst(kind: BriefKind, day: string): string {
  if (kind === 'daily') return day
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7))
  return d.toISOString().slice(0, 10)
}

/** Where the brief of `kind` starting `first` downloads as Excel or PDF. */
export const briefUrl = (kind: BriefKind, first: string, format: 'xlsx' | 'pdf'): string =>
  `${base}/briefs/${kind}.${format}?first=${encodeURIComponent(first)}`
