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
    setRoutes([['POST', '/api/workorders/{order_id}/dispatch'], ['GET', '/api/users'], ['POST', '/api/users']])
    expect(hasEndpoint('/api/workorders/12/dispatch', 'POST')).toBe(true)
    expect(hasEndpoint('/api/workorders/12/dispatch', 'GET')).toBe(false)
    expect(hasEndpoint('/api/workorders/12/close', 'POST')).toBe(false)
    expect(hasEndpoint('/api/users')).toBe(true)
    expect(hasDomain('/api/workorders')).toBe(true)
    expect(hasDomain('/api/knowledge')).toBe(false)
  })
})

import { bucketHalfHours, derivedAlerts, halfHourIndex, countByState, snapshotRunning } from '../src/utils/wallboard'

describe('wallboard', () => {
  it('buckets in Beijing time', () => {
    expect(halfHourIndex('2026-11-25T01:10:00Z')).toBe(18) // 09:10
    expect(halfHourIndex('2026-11-24T16:00:00Z')).toBe(0) // 00:00 next day
  })
  it('counts offered, answered and abandoned', () => {
    const b = bucketHalfHours([
      { started_at: '2026-11-25T01:10:00Z', answered_at: '2026-11-25T01:10:05Z', outcome: 'completed', wait_seconds: 5 },
      { started_at: '2026-11-25T01:20:00Z', answered_at: null, outcome: 'abandoned', wait_seconds: 30 },
    ])
    expect(b.labels[18]).toBe('09:00')
    expect([b.offered[18], b.answered[18], b.abandoned[18]]).toEqual([2, 1, 1])
  })
  it('raises SLA and long-call alerts', () => {
    const k = { offered: 1, answered: 0, abandoned: 0, short_abandoned: 0, waiting: 2, answer_rate: null, service_level: null, asa: null, aht: null, longest_wait: 40, agents: {} }
    const agent = { agent_id: 1, name: '李', extension: '1001', state: 'talking', reason: null, call_id: 'c', skills: {}, calls_taken: 1, talk_seconds: 0, misses: 0, since: 900 }
    const alerts = derivedAlerts({ '*': k, elderly: k }, [agent])
    expect(alerts.map((a) => a.kind)).toEqual(['sla', 'long_call'])
    // queues by name, not code
    expect(derivedAlerts({ elderly: k }, [], 15, 0, { elderly: '养老服务' })[0].text).toBe('养老服务 40 秒')
    expect(countByState([agent]).talking).toBe(1)
  })
})

describe('wallboard snapshot', () => {
  it('is not running when a node without a call center says so beside data (a standby)', () => {
    expect(snapshotRunning(undefined, { type: 'snapshot', running: false })).toBe(false)
    expect(snapshotRunning({ running: true }, { type: 'snapshot' })).toBe(true)
    expect(snapshotRunning({ running: false }, { type: 'snapshot' })).toBe(false)
  })
})
