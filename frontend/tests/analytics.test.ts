import { describe, expect, it } from 'vitest'
import { chartOption, cleanFilters, drillQuery, fmtChange, fmtFigure, orderListQuery, pivotQuery, REPORTS } from '../src/api/analytics'
import zh from '../src/i18n/zh-CN'

const month = { kind: 'month' as const, date: '2026-12-04' }

describe('analytics figures', () => {
  it('formats counts, rates and seconds; nothing to show is a dash', () => {
    expect(fmtFigure('orders', 1234)).toBe('1,234')
    expect(fmtFigure('answer_rate', 0.8766)).toBe('87.7%')
    expect(fmtFigure('asa', 12.34)).toBe('12.3')
    expect(fmtFigure('on_time_rate', null)).toBe('—')
  })
  it('shows 环比/同比 as signed percentages', () => {
    expect(fmtChange(0.1)).toBe('+10.0%')
    expect(fmtChange(-0.25)).toBe('−25.0%')
    expect(fmtChange(0)).toBe('0.0%')
    expect(fmtChange(null)).toBe('—')
  })
})

describe('drill-down', () => {
  it("narrows a district's figure to that district's orders of the period", () => {
    const q = drillQuery('orders', month, { district: null, channel: 'phone', queue: 'general' }, 'district', '东城区', 'orders')
    expect(q).toEqual({ rollup: 'orders', period: 'month', date: '2026-12-04', channel: 'phone', district: '东城区' })
  })
  it('turns a day, hour or day type into its own parameter, and a rate into its counter', () => {
    expect(drillQuery('orders', month, {}, 'day', '2026-12-02', 'orders').day).toBe('2026-12-02')
    expect(drillQuery('orders', month, {}, 'day_type', 'holiday', 'orders').day_type).toBe('holiday')
    const calls = drillQuery('calls', month, { queue: 'elderly' }, 'hour', 9, 'answer_rate')
    expect(calls).toMatchObject({ rollup: 'calls', queue: 'elderly', hour: 9, measure: 'answered' })
    expect(drillQuery('calls', month, {}, null, undefined, 'offered').measure).toBeUndefined()
    expect(drillQuery('orders', month, {}, 'category', 0, 'orders').category_id).toBe(0)
  })
  it('opens the work-order list with only the filters it knows', () => {
    expect(orderListQuery({ district: '东城区', state: 'closed', category_id: '0', department_id: '3' })).toEqual({ state: 'closed', department_id: '3' })
  })
  it('drops filters the rollup does not have', () => {
    expect(cleanFilters('calls', { queue: 'q', district: 'x', agent_id: null })).toEqual({ queue: 'q' })
  })
})

describe('reports and builder', () => {
  it('every standard report names figures and dimensions the locale has', () => {
    const an = (zh as unknown as { an: { fig: Record<string, string>; by: Record<string, string> } }).an
    for (const r of Object.values(REPORTS)) {
      for (const m of [...r.measures, ...r.chart]) expect(an.fig[m], m).toBeTruthy()
      for (const b of r.bys) expect(an.by[b], b).toBeTruthy()
    }
  })
  it('shows departments their on-time receive, reply and close rates, extensions, supervisions and returns', () => {
    expect(REPORTS.ontime.measures).toEqual(expect.arrayContaining(['receive_on_time_rate', 'reply_on_time_rate', 'on_time_rate', 'extended', 'supervised', 'returned']))
    expect(fmtFigure('reply_on_time_rate', 0.5)).toBe('50.0%')
    expect(fmtFigure('returned', 3)).toBe('3')
  })
  it('puts a pivot spec in the query string', () => {
    const q = pivotQuery({ rollup: 'orders', dimensions: ['district', 'month'], measures: ['orders'], filters: { state: 'closed', queue: 'x' }, period: { kind: 'year', date: '2026-01-01' } })
    expect(q).toEqual({ rollup: 'orders', dimensions: 'district,month', measures: 'orders', period: 'year', date: '2026-01-01', state: 'closed' })
  })
  it('charts counts as bars and rates as lines on a percent axis', () => {
    const o = chartOption(['a', 'b'], [{ name: '工单数', key: 'orders', data: [1, null] }, { name: '按时办结率', key: 'on_time_rate', data: [0.5, null] }]) as {
      series: { type: string; data: unknown[]; yAxisIndex?: number }[]; yAxis: unknown[]
    }
    expect(o.series[0]).toMatchObject({ type: 'bar', data: [1, 0] })
    expect(o.series[1]).toMatchObject({ type: 'line', yAxisIndex: 1, data: [0.5, null] })
    expect(o.yAxis).toHaveLength(2)
  })
})
