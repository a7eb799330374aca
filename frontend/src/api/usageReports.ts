/**
 * Reports counted from raw rows (重复来电, 知识库使用): their configuration (groupings, figures,
 * which figures drill) and the queries of the report and of the drill-down behind one figure.
 */
import type { Query } from './client'
import type { PeriodState } from './analytics'

export type UsageKind = 'repeats' | 'knowledge'
export interface UsageConfig { key: UsageKind; title: string; bys: string[]; measures: string[]; chart: string[]; drills: string[] }

export const USAGE_REPORTS: Record<UsageKind, UsageConfig> = {
  repeats: {
    key: 'repeats', title: 'an.reports.repeats', bys: ['queue', 'agent'],
    measures: ['calls', 'repeat_calls', 'repeat_rate', 'same_matter_repeats', 'same_matter_rate', 'callers', 'repeat_callers'],
    chart: ['calls', 'repeat_calls', 'same_matter_repeats'], drills: ['repeat_calls', 'repeat_rate', 'same_matter_repeats', 'same_matter_rate'],
  },
  knowledge: {
    key: 'knowledge', title: 'an.reports.knowledge', bys: ['article', 'category', 'agent'],
    measures: ['uses', 'calls', 'order_links', 'articles', 'searches', 'no_answer_searches', 'no_answer_rate'],
    chart: ['uses', 'order_links'], drills: ['uses', 'calls', 'order_links', 'articles'],
  },
}
/** How each figure is shown. */
export const USAGE_KIND: Record<string, 'count' | 'rate'> = {
  calls: 'count', repeat_calls: 'count', repeat_rate: 'rate', same_matter_repeats: 'count', same_matter_rate: 'rate', callers: 'count', repeat_callers: 'count',
  uses: 'count', order_links: 'count', articles: 'count', searches: 'count', no_answer_searches: 'count', no_answer_rate: 'rate',
}

export function fmtUsage(name: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return USAGE_KIND[name] === 'rate' ? `${(value * 100).toFixed(1)}%` : value.toLocaleString('zh-CN')
}

export interface UsageState { period: PeriodState; by: string; within: number; queue: string | null }

export function usageQuery(kind: UsageKind, s: UsageState): Query {
  const q: Query = { period: s.period.kind, date: s.period.date || undefined, by: s.by || undefined }
  if (kind === 'repeats') {
    q.within = s.within
    if (s.queue && s.by !== 'queue') q.queue = s.queue
  }
  return q
}

/** The drill-down's query behind one figure: the report's period and filters, narrowed to the row. */
export function usageDrillQuery(kind: UsageKind, s: UsageState, key: string | number | null | undefined, measure: string): Query | null {
  if (!USAGE_REPORTS[kind].drills.includes(measure)) return null
  const q: Query = { period: s.period.kind, date: s.period.date || undefined }
  if (kind === 'repeats') {
    q.within = s.within
    if (s.queue) q.queue = s.queue
    if (key !== undefined && s.by === 'queue') q.queue = String(key ?? '')
    if (key !== undefined && s.by === 'agent') q.agent_id = Number(key ?? 0)
    if (measure.startsWith('same_matter')) q.same_matter = 'true'
  } else if (key !== undefined) {
    if (s.by === 'article') q.article_id = Number(key)
    else if (s.by === 'category') q.category = String(key ?? '')
    else if (s.by === 'agent') q.agent_id = Number(key ?? 0)
  }
  return q
}
