/**
 * Scheduled reports (定时报表): the shapes of /api/analytics/schedules and the pure helpers of the
 * subscriptions page: the report groupings a rollup takes, the recipients typed as free text
 * turned into a checked list, the form turned into the API's body, and when a report is next due.
 */
import { api } from './client'
import type { Rollup } from './analytics'

export type Frequency = 'daily' | 'weekly' | 'monthly'
export type Format = 'xlsx' | 'pdf'

export interface ReportRunOut {
  id: number; schedule_id: number; period_kind: string; period_first: string; period_last: string; seq: number
  status: string; attempts: number; requested_by: number | null; error: string | null; sent_at: string | null; created_at: string
}
export interface Schedule {
  id: number; name: string; rollup: Rollup; frequency: Frequency; by: string | null; filters: Record<string, unknown>
  recipients: string[]; formats: Format[]; active: boolean; version: number; created_at: string
  last_run: ReportRunOut | null; next_due_at: string | null
}
export interface ScheduleForm {
  name: string; rollup: Rollup; frequency: Frequency; by: string; recipients: string; formats: Format[]; active: boolean
  filters: Record<string, unknown>
}

export const FREQUENCIES: Frequency[] = ['daily', 'weekly', 'monthly']
export const FORMATS: Format[] = ['xlsx', 'pdf']
/** The groupings each rollup's report takes ('' = totals only). */
export const SCHEDULE_BYS: Record<Rollup, string[]> = {
  calls: ['', 'hour', 'day', 'day_type', 'queue', 'agent'],
  orders: ['', 'category', 'district', 'department', 'channel', 'state', 'day', 'day_type'],
}
const EMAIL = /^[^@\s<>,;"]+@[^@\s<>,;"]+\.[^@\s<>,;"]+$/

export function emptyForm(): ScheduleForm {
  return { name: '', rollup: 'calls', frequency: 'daily', by: 'hour', recipients: '', formats: ['xlsx', 'pdf'], active: true, filters: {} }
}

export function formOf(s: Schedule): ScheduleForm {
  return {
    name: s.name, rollup: s.rollup, frequency: s.frequency, by: s.by ?? '', recipients: s.recipients.join('\n'),
    formats: [...s.formats], active: s.active, filters: { ...s.filters },
  }
}

/** Addresses typed one a line or separated by commas, semicolons, 、 or spaces; once each. */
export function parseRecipients(text: string): { valid: string[]; invalid: string[] } {
  const valid: string[] = []
  const invalid: string[] = []
  for (const raw of text.split(/[\s,;，；、]+/)) {
    const a = raw.trim()
    if (!a) continue
    const list = EMAIL.test(a) && a.length <= 254 ? valid : invalid
    if (!list.some((x) => x.toLowerCase() === a.toLowerCase())) list.push(a)
  }
  return { valid, invalid }
}

/** Why the form cannot be saved yet (an i18n key under an.sub.err), or null. */
export function formError(f: ScheduleForm): string | null {
  if (!f.name.trim()) return 'name'
  const { valid, invalid } = parseRecipients(f.recipients)
  if (invalid.length) return 'recipient'
  if (!valid.length) return 'recipients'
  if (valid.length > 50) return 'tooMany'
  if (!f.formats.length) return 'formats'
  if (f.by && !SCHEDULE_BYS[f.rollup].includes(f.by)) return 'by'
  return null
}

/** The API's body for a create (no version) or an update (the version read). */
export function scheduleBody(f: ScheduleForm, version?: number): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: f.name.trim(), rollup: f.rollup, frequency: f.frequency, by: f.by || null, filters: f.filters,
    recipients: parseRecipients(f.recipients).valid, formats: FORMATS.filter((x) => f.formats.includes(x)), active: f.active,
  }
  if (version !== undefined) body.version = version
  return body
}

/** The same schedule paused or resumed: the whole row as an update. */
export function toggledBody(s: Schedule): Record<string, unknown> {
  return { ...scheduleBody(formOf(s), s.version), active: !s.active }
}

/** A rollup change keeps the grouping when the new rollup has it, else the first real one. */
export function byFor(rollup: Rollup, by: string): string {
  return SCHEDULE_BYS[rollup].includes(by) ? by : SCHEDULE_BYS[rollup][1]
}

/** An instant as Beijing time, "2026-12-05 08:00". */
export function beijing(iso: string | null): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return '—'
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
    .format(d)
}

/** A run's period as shown: one day, or first 至 last. */
export function runPeriod(r: ReportRunOut): string {
  return r.period_first === r.period_last ? r.period_first : `${r.period_first} 至 ${r.period_last}`
}

export const listSchedules = (): Promise<Schedule[]> => api<Schedule[]>('/api/analytics/schedules')
export const scheduleRuns = (id: number): Promise<ReportRunOut[]> => api<ReportRunOut[]>(`/api/analytics/schedules/${id}/runs`, { query: { limit: 20 } })
export function saveSchedule(f: ScheduleForm, editing: Schedule | null): Promise<Schedule> {
  return editing
    ? api<Schedule>(`/api/analytics/schedules/${editing.id}`, { method: 'PUT', body: scheduleBody(f, editing.version) })
    : api<Schedule>('/api/analytics/schedules', { body: scheduleBody(f) })
}
export const setActive = (s: Schedule): Promise<Schedule> =>
  api<Schedule>(`/api/analytics/schedules/${s.id}`, { method: 'PUT', body: toggledBody(s) })
export const deleteSchedule = (s: Schedule): Promise<void> => api<void>(`/api/analytics/schedules/${s.id}`, { method: 'DELETE' })
export const regenerate = (s: Schedule, date: string | null): Promise<ReportRunOut> =>
  api<ReportRunOut>(`/api/analytics/schedules/${s.id}/regenerate`, { body: date ? { date } : {} })
