import { describe, expect, it } from 'vitest'
import { riskFlags } from '../src/utils/risk'
import { fmtDuration, fmtPercent, isOverdue, fmtDateTime } from '../src/utils/format'
import { hasEndpoint, hasDomain, setRoutes } from '../src/api/capabilities'

describe('risk flags', () => {
  it('lists every flag of a vulnerable caller, priority first', () => {
    const caller = { care_profile: { living_alone: true, age: 86, disability_level: '二级', assistance_status: '低保', health_notes: '高血压', priority_level: 3 } }
    expect(riskFlags(caller)).toEqual(['high_priority', 'living_alone', 'very_old', 'disability', 'assistance', 'health'])
  })
  it('has none without a care profile', () => {
    expect(riskFlags({ care_profile: null })).toEqual([])
  })
})

describe('format', () => {
  it('formats durations', () => {
    expect(fmtDuration(5)).toBe('0:05')
    expect(fmtDuration(3725)).toBe('1:02:05')
    expect(fmtDuration(null)).toBe('—')
  })
  it('formats ratios', () => expect(fmtPercent(0.9567)).toBe('95.7%'))
  it('shows times in Beijing time', () => expect(fmtDateTime('2026-11-24T16:30:00Z')).toBe('2026-11-25 00:30'))
  it('knows overdue', () => {
    const now = new Date('2026-11-25T00:00:00Z')
    expect(isOverdue('2026-11-24T00:00:00Z', now)).toBe(true)
    expect(isOverdue('2026-11-26T00:00:00Z', now)).toBe(false)
    expect(isOverdue(null, now)).toBe(false)
  })
})

describe('capabilities', () => {
  it('matches templated paths by method', () => {
    setRoutes({ '/api/workorders/{order_id}/dispatch': { post: {} }, '/api/users': { get: {}, post: {} } })
    expect(hasEndpoint('/api/workorders/12/dispatch', 'POST')).toBe(true)
    expect(hasEndpoint('/api/workorders/12/dispatch', 'GET')).toBe(false)
    expect(hasEndpoint('/api/workorders/12/close', 'POST')).toBe(false)
    expect(hasEndpoint('/api/users')).toBe(true)
    expect(hasDomain('/api/workorders')).toBe(true)
    expect(hasDomain('/api/knowledge')).toBe(false)
  })
})
