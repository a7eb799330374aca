import { describe, expect, it } from 'vitest'
import { fmtUsage, USAGE_KIND, USAGE_REPORTS, usageDrillQuery, usageQuery, type UsageState } from '../src/api/usageReports'
import zh from '../src/i18n/zh-CN'

const state = (over: Partial<UsageState> = {}): UsageState => ({ period: { kind: 'month', date: '2026-12-04' }, by: 'queue', within: 7, queue: null, ...over })

describe('repeat callers and knowledge usage', () => {
  it('asks the report with its period, grouping and window', () => {
    expect(usageQuery('repeats', state({ queue: 'elderly', by: 'agent' }))).toEqual({ period: 'month', date: '2026-12-04', by: 'agent', within: 7, queue: 'elderly' })
    expect(usageQuery('repeats', state({ queue: 'elderly' })).queue).toBeUndefined() // grouped by queue: no queue filter
    expect(usageQuery('knowledge', state({ by: 'category' }))).toEqual({ period: 'month', date: '2026-12-04', by: 'category' })
  })
  it("drills a row's repeat calls, the same-matter ones apart", () => {
    expect(usageDrillQuery('repeats', state(), 'q1', 'repeat_rate')).toEqual({ period: 'month', date: '2026-12-04', within: 7, queue: 'q1' })
    expect(usageDrillQuery('repeats', state({ by: 'agent' }), 0, 'same_matter_repeats')).toMatchObject({ agent_id: 0, same_matter: 'true' })
    expect(usageDrillQuery('repeats', state(), undefined, 'calls')).toBeNull() // every call: not a drill
  })
  it("drills an article's, a category's or an agent's uses", () => {
    expect(usageDrillQuery('knowledge', state({ by: 'article' }), 12, 'uses')).toMatchObject({ article_id: 12 })
    expect(usageDrillQuery('knowledge', state({ by: 'category' }), '救助/低保', 'order_links')).toMatchObject({ category: '救助/低保' })
    expect(usageDrillQuery('knowledge', state({ by: 'agent' }), 3, 'calls')).toMatchObject({ agent_id: 3 })
    expect(usageDrillQuery('knowledge', state({ by: 'agent' }), 3, 'searches')).toBeNull()
  })
  it('formats counts and rates, and names every figure and grouping in Chinese', () => {
    expect(fmtUsage('repeat_rate', 0.125)).toBe('12.5%')
    expect(fmtUsage('uses', 1200)).toBe('1,200')
    expect(fmtUsage('no_answer_rate', null)).toBe('—')
    const an = zh.an as unknown as { fig: Record<string, string>; by: Record<string, string>; reports: Record<string, string> }
    for (const r of Object.values(USAGE_REPORTS)) {
      expect(an.reports[r.key]).toBeTruthy()
      for (const m of r.measures) expect(an.fig[m], m).toBeTruthy()
      for (const m of r.measures) expect(USAGE_KIND[m], m).toBeTruthy()
      for (const b of r.bys) expect(an.by[b], b).toBeTruthy()
    }
  })
})
