/** Workforce (排班/值班) API shapes and helpers: staffing plan, rosters, swaps, leave, duty roster, handovers. */
import { api } from './client'

export interface StaffingPlan {
  first_day: string
  days: number
  aht: number
  forecast: number[]
  actual: (number | null)[]
  required: number[]
  scheduled: number[]
}

export interface Roster {
  id: number
  name: string
  first_day: string
  days: number
  skill: string | null
  state: 'draft' | 'published'
  met_share: number
  shortfall: [number, number][]
  created_at: string
  published_at: string | null
  version: number
}

export interface Shift {
  id: number
  roster_id: number
  user_id: number
  day: string
  template: string
  skill?: string | null // per-skill rosters: the requirement the shift covers
  starts_at: string
  ends_at: string
  version: number
}

export interface Gap { start: string; skill?: string | null; required: number; scheduled: number; missing: number }

export interface RosterDetail {
  roster: Roster; required: number[]; covered: number[]; shifts: Shift[]; gaps: Gap[]; leaves: Leave[]
  by_skill?: Record<string, { required: number[]; covered: number[] }>
}

export interface ShiftTemplate { id: number; code: string; name: string; start_minute: number; minutes: number; active: boolean; version: number }

export interface PlannedAgent { user_id: number; name: string; skills: string[]; templates: string[] | null; days_off: string[] }

/** How one agent may be planned (`GET /api/workforce/profiles`); `templates` null: any. */
export interface AgentProfile { user_id: number; name: string; role: string; skills: string[]; templates: string[] | null; weekdays_off: number[]; planned: boolean }

/** Minutes after midnight as "HH:MM", and back. */
export function toClock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
}
export function fromClock(clock: string): number {
  const [h, m] = clock.split(':').map(Number)
  return (h || 0) * 60 + (m || 0)
}

export interface Swap {
  id: number; shift_id: number; from_user_id: number; to_user_id: number; reason: string
  state: 'pending' | 'approved' | 'refused'; decided_by: number | null; decided_at: string | null; created_at: string; version: number
}

export interface Duty {
  id: number; day: string; kind: 'day' | 'night' | 'weekend' | 'holiday'; leader_user_id: number | null
  leader_name: string; phone: string; members: string[]; note: string; version: number
}

export interface HandoverSnapshot {
  at: string
  open_emergencies: { call_id: string; caller: string | null; connected: string | null; ended: boolean; age: number | null }[]
  pending_callbacks: number
  overdue_orders: number
  system_alerts: string[]
}

export interface Handover {
  id: number; shift_label: string; state: 'open' | 'acknowledged' | 'handed_over'; outgoing_user_id: number | null
  snapshot: HandoverSnapshot; notes: string; acknowledged_by: number | null; acknowledged_at: string | null
  ack_note: string; handed_over_at: string | null; created_at: string; version: number
}

export interface OnShift { user_id: number; name: string; template: string; starts_at: string; ends_at: string; state: string; adheres: boolean }

export interface Adherence {
  user_id: number; name: string; scheduled_minutes: number; working_minutes: number
  not_ready_minutes: number; away_minutes: number; adherence: number | null
}

/** Leave (请假): whole days, or `start_minute`-`end_minute` (local) of one day; `clashes`: planned shifts inside it. */
export interface Leave {
  id: number; user_id: number; first_day: string; last_day: string; start_minute: number | null; end_minute: number | null
  kind: string; note: string; state: 'pending' | 'approved' | 'rejected' | 'cancelled'; requested_by: number | null
  decided_by: number | null; decided_at: string | null; decision_note: string; created_at: string; version: number; clashes: number[]
}

export type LeaveBody = Pick<Leave, 'first_day' | 'last_day' | 'start_minute' | 'end_minute' | 'kind' | 'note'>

export const LEAVE_KINDS = ['annual', 'sick', 'personal', 'training', 'other'] as const

/** "12-05" or "12-05 至 12-07", plus " 08:00–12:00" for leave by the hour. */
export function leaveWhen(l: Pick<Leave, 'first_day' | 'last_day' | 'start_minute' | 'end_minute'>, until = '至'): string {
  const days = l.first_day === l.last_day ? l.first_day : `${l.first_day} ${until} ${l.last_day}`
  return l.start_minute === null || l.end_minute === null ? days : `${days} ${toClock(l.start_minute)}–${toClock(l.end_minute)}`
}

export interface WorkforceWallboard { duty: Duty[]; on_shift: OnShift[]; open_handover: Handover | null }

export interface TargetForm { service_level: number; answer_seconds: number; answered: number; shrinkage: number; patience: number; model: 'erlang_a' | 'erlang_c' }

export const DEFAULT_TARGET: TargetForm = { service_level: 0.8, answer_seconds: 15, answered: 0.95, shrinkage: 0.3, patience: 120, model: 'erlang_a' }

export const SLOTS = 48

/** Live events that change the signed-in agent's own schedule (the server sends each agent only
 * theirs): a roster published with a shift of theirs, a shift moved, a swap decided, their leave.
 * A `snapshot` comes at each (re)connect, when events may have been missed. */
export const SCHEDULE_TOPICS: ReadonlySet<string> = new Set([
  'workforce.roster_published', 'workforce.shift_changed', 'workforce.swap_decided', 'workforce.leave_changed', 'snapshot',
])

/** "09:30" for half hour `i` of a day (i may run past 48 into the next days). */
export function slotLabel(i: number): string {
  const m = (i % SLOTS) * 30
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
}

/** ISO day `n` days after `day` (yyyy-mm-dd, calendar arithmetic without time zones). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + n)
  return d.toISOString().slice(0, 10)
}

/** Today in Asia/Shanghai as yyyy-mm-dd. */
export function todayLocal(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
}

/** Share of half hours whose requirement is met by what is scheduled/covered. */
export function metShare(required: number[], covered: number[]): number {
  if (!required.length) return 1
  let met = 0
  required.forEach((r, i) => { if ((covered[i] ?? 0) >= r) met += 1 })
  return met / required.length
}

/** Consecutive short half hours merged into ranges: [{from, to, missing (max)}]. */
export function gapRanges(gaps: Gap[]): { from: string; to: string; missing: number }[] {
  const out: { from: string; to: string; missing: number }[] = []
  for (const g of gaps) {
    const start = new Date(g.start).getTime()
    const last = out[out.length - 1]
    if (last && new Date(last.to).getTime() === start) {
      last.to = new Date(start + 1800_000).toISOString()
      last.missing = Math.max(last.missing, g.missing)
    } else {
      out.push({ from: g.start, to: new Date(start + 1800_000).toISOString(), missing: g.missing })
    }
  }
  return out
}

export const workforce = {
  plan: (firstDay: string, days: number, t: TargetForm) => api<StaffingPlan>('/api/workforce/plan', { query: { first_day: firstDay, days, ...t } }),
  rosters: () => api<Roster[]>('/api/workforce/rosters'),
  roster: (id: number) => api<RosterDetail>(`/api/workforce/rosters/${id}`),
  createRoster: (body: { name: string; first_day: string; days: number; target: TargetForm }) => api<RosterDetail>('/api/workforce/rosters', { body }),
  publish: (r: Roster) => api<Roster>(`/api/workforce/rosters/${r.id}/publish`, { body: { version: r.version } }),
  templates: () => api<ShiftTemplate[]>('/api/workforce/templates'),
  saveTemplate: (id: number | null, body: Omit<ShiftTemplate, 'id' | 'version'> & { version?: number }) =>
    id === null ? api<ShiftTemplate>('/api/workforce/templates', { body }) : api<ShiftTemplate>(`/api/workforce/templates/${id}`, { method: 'PUT', body }),
  profiles: () => api<AgentProfile[]>('/api/workforce/profiles'),
  saveProfile: (userId: number, body: Pick<AgentProfile, 'skills' | 'templates' | 'weekdays_off' | 'planned'>) => api<unknown>(`/api/workforce/agents/${userId}/profile`, { method: 'PUT', body }),
  agents: (firstDay: string, days: number) => api<PlannedAgent[]>('/api/workforce/agents', { query: { first_day: firstDay, days } }),
  editShift: (s: Shift, userId: number, template: string) => api<Shift>(`/api/workforce/shifts/${s.id}`, { method: 'PUT', body: { user_id: userId, template, version: s.version } }),
  swaps: (pending = false) => api<Swap[]>('/api/workforce/swaps', { query: { pending } }),
  requestSwap: (shiftId: number, toUserId: number, reason: string) => api<Swap>('/api/workforce/swaps', { body: { shift_id: shiftId, to_user_id: toUserId, reason } }),
  decideSwap: (s: Swap, approve: boolean) => api<Swap>(`/api/workforce/swaps/${s.id}/decision`, { body: { approve, version: s.version } }),
  mySchedule: (firstDay: string, days: number) => api<Shift[]>('/api/workforce/me/schedule', { query: { first_day: firstDay, days } }),
  duty: (firstDay: string, days: number) => api<Duty[]>('/api/workforce/duty', { query: { first_day: firstDay, days } }),
  saveDuty: (body: Omit<Duty, 'id' | 'version'>) => api<Duty>('/api/workforce/duty', { method: 'PUT', body }),
  deleteDuty: (id: number) => api<void>(`/api/workforce/duty/${id}`, { method: 'DELETE' }),
  handovers: () => api<Handover[]>('/api/workforce/handovers'),
  createHandover: (body: { shift_label: string; notes: string; system_alerts: string[] }) => api<Handover>('/api/workforce/handovers', { body }),
  acknowledge: (h: Handover, note: string) => api<Handover>(`/api/workforce/handovers/${h.id}/acknowledge`, { body: { note, version: h.version } }),
  complete: (h: Handover) => api<Handover>(`/api/workforce/handovers/${h.id}/complete`, { body: { version: h.version } }),
  adherence: (firstDay: string, days: number) => api<Adherence[]>('/api/workforce/adherence', { query: { first_day: firstDay, days } }),
  leaves: (firstDay: string, days: number) => api<Leave[]>('/api/workforce/leaves', { query: { first_day: firstDay, days } }),
  pendingLeaves: () => api<Leave[]>('/api/workforce/leaves/pending'),
  enterLeave: (body: LeaveBody & { user_id: number }) => api<Leave>('/api/workforce/leaves', { body }),
  decideLeave: (l: Leave, approve: boolean, note: string) => api<Leave>(`/api/workforce/leaves/${l.id}/decision`, { body: { approve, note, version: l.version } }),
  cancelLeave: (l: Leave) => api<Leave>(`/api/workforce/leaves/${l.id}/cancel`, { body: { version: l.version } }),
  myLeaves: () => api<Leave[]>('/api/workforce/me/leaves'),
  requestLeave: (body: LeaveBody) => api<Leave>('/api/workforce/me/leaves', { body }),
  wallboard: () => api<WorkforceWallboard>('/api/workforce/wallboard', { silent: true }),
}
