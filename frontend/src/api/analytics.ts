/**
 * Reports and analytics (统计分析): the shapes of /api/analytics answers and the pure helpers the
 * report pages share: figure formatting, 环比/同比 as signed percentages, the standard reports'
 * configuration, the drill-down query behind a figure and the chart's option.
 */
import { api, type Query } from './client'

export type Figures = Record<string, number | null>
export type PeriodKind = 'day' | 'week' | 'month' | 'year'
export type Rollup = 'calls' | 'orders'

export interface PeriodOut { kind: string; first: string; last: string; days: number }
export interface ReportRow { key: string | number | null; label: string; figures: Figures; mom: Figures; yoy: Figures }
export interface Report {
  rollup: Rollup; period: PeriodOut; previous: PeriodOut; last_year: PeriodOut; filters: Record<string, unknown>; by: string | null
  empty: boolean; note: string | null; note_zh: string | null
  totals: Figures; totals_previous: Figures; totals_last_year: Figures; mom: Figures; yoy: Figures; rows: ReportRow[]
}
export interface Hotspot {
  id: number; kind: string; status: string; name: string; terms: string[]; category_id: number | null; district: string | null
  first_day: string; last_day: string; orders: number; baseline: number; p_value: number
  districts: Record<string, number>; trend: Record<string, number>; examples: number[]; merged_into_id: number | null
}
export interface Label { key: string; zh: string; en: string; kind?: string | null }
export interface Source { name: Rollup; zh: string; dimensions: Label[]; measures: Label[]; filters: string[]; max_dimensions: number }
export interface PivotRow { keys: (string | number | null)[]; labels: string[]; figures: Figures }
export interface Pivot {
  rollup: Rollup; period: Record<string, string>; period_zh: string; dimensions: Label[]; measures: Label[]; filters: Record<string, unknown>
  rows: PivotRow[]; totals: Figures; total_rows: number; truncated: boolean; empty: boolean; note: string | null; note_zh: string | null
}
export interface PivotSpec {
  rollup: Rollup; dimensions: string[]; measures: string[]; filters: Record<string, string | number | null>
  period: { kind: PeriodKind; date?: string | null }
}
export interface SavedReport { id: number; name: string; spec: PivotSpec; shared: boolean; mine: boolean; owner: string; version: number; created_at: string; updated_at: string }

/** How a figure is shown: a count, a rate (0..1) or seconds. */
export const FIGURE_KIND: Record<string, 'count' | 'rate' | 'seconds'> = {
  offered: 'count', answered: 'count', abandoned: 'count', short_abandoned: 'count', lost: 'count', callbacks: 'count', completed: 'count',
  answer_rate: 'rate', abandon_rate: 'rate', service_level: 'rate', asa: 'seconds', aht: 'seconds',
  orders: 'count', closed: 'count', closed_on_time: 'count', on_time_rate: 'rate', supervised: 'count', visited: 'count', satisfied: 'count',
  satisfaction_rate: 'rate', received: 'count', received_on_time: 'count', receive_on_time_rate: 'rate', replied: 'count', replied_on_time: 'count',
  reply_on_time_rate: 'rate', extended: 'count', returned: 'count',
}
/** A rate's figure drills to the calls/orders of its numerator's counter. */
const DRILL_MEASURE: Record<string, string> = {
  answer_rate: 'answered', service_level: 'answered', abandon_rate: 'abandoned', asa: 'answered', aht: 'completed',
}

export function fmtFigure(name: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  const kind = FIGURE_KIND[name] ?? 'count'
  if (kind === 'rate') return `${(value * 100).toFixed(1)}%`
  if (kind === 'seconds') return `${value.toFixed(1)}`
  return value.toLocaleString('zh-CN')
}

/** A relative change (0.1 = +10 %) as "+10.0%", "−5.0%", or "—" when there is nothing to compare. */
export function fmtChange(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  const pct = (value * 100).toFixed(1)
  return value > 0 ? `+${pct}%` : value < 0 ? `−${pct.slice(1)}%` : '0.0%'
}

export function changeClass(value: number | null | undefined): string {
  if (value === null || value === undefined || value === 0) return 'flat'
  return value > 0 ? 'up' : 'down'
}

/** One standard report page: its rollup, the dimensions it groups by and the figures it shows. */
export interface ReportConfig {
  key: string; rollup: Rollup; title: string; bys: string[]; measures: string[]; chart: string[]; periodKinds: boolean
}
export const REPORTS: Record<string, ReportConfig> = {
  calls: {
    key: 'calls', rollup: 'calls', title: 'an.reports.calls', bys: ['hour', 'day', 'day_type', 'queue'], periodKinds: true,
    measures: ['offered', 'answered', 'abandoned', 'short_abandoned', 'answer_rate', 'service_level', 'asa', 'aht'], chart: ['offered', 'answered'],
  },
  agents: {
    key: 'agents', rollup: 'calls', title: 'an.reports.agents', bys: ['agent'], periodKinds: true,
    measures: ['answered', 'completed', 'asa', 'aht', 'callbacks'], chart: ['answered', 'completed'],
  },
  orders: {
    key: 'orders', rollup: 'orders', title: 'an.reports.orders', bys: ['category', 'district', 'department', 'channel', 'state', 'day', 'day_type'], periodKinds: true,
    measures: ['orders', 'closed', 'on_time_rate', 'supervised', 'visited', 'satisfaction_rate'], chart: ['orders', 'closed'],
  },
  ontime: {
    key: 'ontime', rollup: 'orders', title: 'an.reports.ontime', bys: ['department', 'category'], periodKinds: true,
    measures: ['orders', 'receive_on_time_rate', 'reply_on_time_rate', 'closed', 'on_time_rate', 'extended', 'supervised', 'returned'],
    chart: ['closed', 'closed_on_time', 'on_time_rate'],
  },
  satisfaction: {
    key: 'satisfaction', rollup: 'orders', title: 'an.reports.satisfaction', bys: ['department', 'category', 'district'], periodKinds: true,
    measures: ['orders', 'visited', 'satisfied', 'satisfaction_rate'], chart: ['visited', 'satisfied'],
  },
}

/** Report filters a rollup takes (the rest are dropped from the query). */
export const FILTERS: Record<Rollup, string[]> = {
  calls: ['queue', 'agent_id'],
  orders: ['category_id', 'district', 'department_id', 'channel', 'state'],
}
const BY_FILTER: Record<string, string> = {
  queue: 'queue', agent: 'agent_id', category: 'category_id', district: 'district', department: 'department_id', channel: 'channel', state: 'state',
}

export interface PeriodState { kind: PeriodKind; date: string }

export function periodQuery(p: PeriodState): Query {
  return { period: p.kind, date: p.date || undefined }
}

export function cleanFilters(rollup: Rollup, filters: Record<string, unknown>): Query {
  const out: Query = {}
  for (const name of FILTERS[rollup]) {
    const v = filters[name]
    if (v !== undefined && v !== null && v !== '') out[name] = v as string | number
  }
  return out
}

/**
 * The drill-down route's query behind one figure: the report's period and filters, narrowed to
 * the row (its dimension value as a filter, or its day / day type / hour) and, for calls, to the
 * figure's counter.
 */
export function drillQuery(
  rollup: Rollup, period: PeriodState, filters: Record<string, unknown>, by: string | null, key: string | number | null | undefined, measure: string,
): Query {
  const q: Query = { rollup, ...periodQuery(period), ...cleanFilters(rollup, filters) }
  if (by && key !== undefined) {
    if (by === 'day') q.day = String(key)
    else if (by === 'day_type') q.day_type = String(key)
    else if (by === 'hour') q.hour = Number(key)
    else if (BY_FILTER[by]) q[BY_FILTER[by]] = key ?? ''
  }
  if (rollup === 'calls' && FIGURE_KIND[measure] !== undefined) {
    const counter = DRILL_MEASURE[measure] ?? measure
    if (counter !== 'offered') q.measure = counter
  }
  return q
}

/** The work-order list's own filters for a drill (what it can express; district and period it cannot). */
export function orderListQuery(q: Record<string, unknown>): Query {
  const out: Query = {}
  for (const k of ['category_id', 'department_id', 'channel', 'state']) {
    const v = q[k]
    if (v !== undefined && v !== null && v !== '' && v !== '0') out[k] = v as string
  }
  return out
}

/** ECharts option: bars per figure (counts) across the rows, rates on a second axis as lines. */
export function chartOption(labels: string[], series: { name: string; key: string; data: (number | null)[] }[]): Record<string, unknown> {
  const rate = (k: string): boolean => FIGURE_KIND[k] === 'rate'
  const hasRate = series.some((s) => rate(s.key))
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { data: series.map((s) => s.name) },
    grid: { left: 48, right: hasRate ? 48 : 16, top: 32, bottom: labels.length > 8 ? 64 : 28 },
    xAxis: { type: 'category', data: labels, axisLabel: { rotate: labels.length > 8 ? 30 : 0, interval: 0 } },
    yAxis: [{ type: 'value', minInterval: 1 }, ...(hasRate ? [{ type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } }] : [])],
    series: series.map((s) => (rate(s.key)
      ? { name: s.name, type: 'line', yAxisIndex: 1, data: s.data }
      : { name: s.name, type: 'bar', data: s.data.map((v) => v ?? 0) })),
  }
}

export function report(rollup: Rollup, q: Query): Promise<Report> {
  return api<Report>(`/api/analytics/${rollup}`, { query: q })
}

/** The pivot's query string (also the Excel download's). */
export function pivotQuery(spec: PivotSpec): Query {
  return {
    rollup: spec.rollup, dimensions: spec.dimensions.join(','), measures: spec.measures.join(','),
    period: spec.period.kind, date: spec.period.date || undefined, ...cleanFilters(spec.rollup, spec.filters),
  }
}
