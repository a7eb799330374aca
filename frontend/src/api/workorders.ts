/** Work-order API helpers and reference data shared by the workspace and the work-order pages. */
import { ref } from 'vue'
import { api, type Page } from './client'
import type { Department } from './types'

export interface WorkOrder {
  id: number
  number: string
  type: string
  state: string
  urgency: string
  channel: string
  category_id: number | null
  caller_id: number | null
  contact_name: string | null
  contact_phone: string | null
  contact_address?: string | null
  title: string
  content: string
  district: string | null
  location: string | null
  confidential: boolean
  department_id: number | null
  resolution: string | null
  reply: string | null
  return_reason: string | null
  satisfaction: string | null
  receive_due_at: string | null
  reply_due_at: string | null
  close_due_at: string | null
  due_at: string | null
  alert_level: number
  supervised: boolean
  extension_pending: boolean
  created_at: string
  updated_at: string
  closed_at: string | null
  version: number
}

export interface WorkOrderEvent {
  id: number
  at: string
  actor: string
  action: string
  from_state: string | null
  to_state: string | null
  department_id: number | null
  note: string | null
}

export interface WorkOrderDetail extends WorkOrder {
  timeline: WorkOrderEvent[]
  links: { id: number; kind: string; ref: string; label: string | null }[]
  allowed_actions: string[]
}

export interface Category {
  id: number
  code: string
  name: string
  parent_id: number | null
  default_department_id: number | null
}

export const TYPES = ['inquiry', 'help_request', 'complaint', 'suggestion', 'praise', 'report', 'emergency']
export const URGENCIES = ['normal', 'urgent', 'emergency']
export const STATES = ['draft', 'accepted', 'dispatched', 'received', 'replied', 'return_visit', 'returned', 'closed', 'cancelled', 'merged']
export const OPEN_STATES = STATES.filter((s) => !['closed', 'cancelled', 'merged'].includes(s))

const categories = ref<Category[]>([])
const departments = ref<Department[]>([])
let loaded: Promise<void> | null = null

/** Categories and departments, loaded once per page load (both change rarely). */
export function useReference(): { categories: typeof categories; departments: typeof departments; ready: Promise<void> } {
  if (!loaded) {
    loaded = Promise.all([
      api<Category[]>('/api/workorders/categories', { silent: true }).catch(() => []),
      api<Page<Department>>('/api/departments', { query: { limit: 500 }, silent: true }).then((p) => p.items).catch(() => []),
    ]).then(([c, d]) => {
      categories.value = c
      departments.value = d
    })
  }
  return { categories, departments, ready: loaded }
}

/** "养老服务 / 居家养老" for a category id. */
export function categoryLabel(id: number | null | undefined, list: Category[]): string {
  if (!id) return '—'
  const byId = new Map(list.map((c) => [c.id, c]))
  const parts: string[] = []
  let c = byId.get(id)
  for (let guard = 0; c && guard < 6; guard++) {
    parts.unshift(c.name)
    c = c.parent_id ? byId.get(c.parent_id) : undefined
  }
  return parts.join(' / ') || String(id)
}

export function actionPath(id: number, action: string): string {
  return `/api/workorders/${id}/${action.replace(/_/g, '-')}`
}

export function act(o: { id: number; version: number }, action: string, extra: Record<string, unknown> = {}): Promise<WorkOrder> {
  return api<WorkOrder>(actionPath(o.id, action), { body: { version: o.version, ...extra } })
}

/** Overview buckets (GET /api/workorders/overview): each a list filter `bucket=` with its count. */
export const HANDLER_BUCKETS = ['at_department', 'to_receive', 'to_reply', 'due_soon', 'done']
export const CENTER_BUCKETS = ['to_dispatch', 'returned', 'due_soon', 'overdue', 'extension', 'redo']

export function overviewCounts(): Promise<Record<string, number>> {
  return api<Record<string, number>>('/api/workorders/overview', { silent: true })
}

export interface InboxItem {
  id: number
  workorder_id: number
  number: string
  title: string
  kind: string
  due_at: string | null
  created_at: string
  read: boolean
}

export interface Inbox {
  unread: number
  latest_id: number | null
  items: InboxItem[]
}

export function inbox(): Promise<Inbox> {
  return api<Inbox>('/api/workorders/inbox', { silent: true })
}

export function markRead(ids?: number[]): Promise<{ marked: number }> {
  return api<{ marked: number }>('/api/workorders/inbox/read', { body: ids ? { ids } : {}, silent: true })
}

/** The citizen's numbers in full for a department handler (audited on the server). */
export function revealContact(id: number): Promise<{ workorder_id: number; phones: string[] }> {
  return api(`/api/workorders/portal/${id}/contact`, { method: 'POST' })
}

/** Time left on (or past) a deadline, in whole days and hours. */
export function timeLeft(due: string | null | undefined, now: number = Date.now()): { overdue: boolean; days: number; hours: number } | null {
  if (!due) return null
  const ms = new Date(due).getTime() - now
  if (Number.isNaN(ms)) return null
  const hoursTotal = Math.floor(Math.abs(ms) / 3_600_000)
  return { overdue: ms < 0, days: Math.floor(hoursTotal / 24), hours: hoursTotal % 24 }
}
