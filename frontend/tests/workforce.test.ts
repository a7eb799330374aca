import { describe, expect, it } from 'vitest'
import { addDays, fromClock, gapRanges, leaveWhen, metShare, slotLabel, toClock, todayLocal } from '../src/api/workforce'

describe('workforce helpers', () => {
  it('labels half hours and adds days', () => {
    expect(slotLabel(0)).toBe('00:00')
    expect(slotLabel(19)).toBe('09:30')
    expect(slotLabel(48 + 47)).toBe('23:30')
    expect(addDays('2026-02-27', 2)).toBe('2026-03-01')
  })
  it('today is the Beijing date', () => {
    expect(todayLocal(new Date('2026-12-04T17:00:00Z'))).toBe('2026-12-05')
  })
  it('merges short half hours into ranges and counts met half hours', () => {
    const gaps = [
      { start: '2026-03-04T01:00:00Z', required: 7, scheduled: 5, missing: 2 },
      { start: '2026-03-04T01:30:00Z', required: 8, scheduled: 5, missing: 3 },
      { start: '2026-03-04T05:00:00Z', required: 3, scheduled: 2, missing: 1 },
    ]
    expect(gapRanges(gaps)).toEqual([
      { from: '2026-03-04T01:00:00Z', to: '2026-03-04T02:00:00.000Z', missing: 3 },
      { from: '2026-03-04T05:00:00Z', to: '2026-03-04T05:30:00.000Z', missing: 1 },
    ])
    expect(metShare([1, 2, 0, 3], [1, 1, 0, 5])).toBe(0.75)
  })
})

describe('shift template clock', () => {
  it('turns minutes after midnight into HH:MM and back', () => {
    expect(toClock(0)).toBe('00:00')
    expect(toClock(570)).toBe('09:30')
    expect(fromClock('23:30')).toBe(1410)
    expect(fromClock(toClock(480))).toBe(480)
  })
})

describe('leave', () => {
  it('says whole days as a range and leave by the hour with its hours', () => {
    expect(leaveWhen({ first_day: '2026-12-05', last_day: '2026-12-05', start_minute: null, end_minute: null })).toBe('2026-12-05')
    expect(leaveWhen({ first_day: '2026-12-05', last_day: '2026-12-07', start_minute: null, end_minute: null }, 'to')).toBe('2026-12-05 to 2026-12-07')
    expect(leaveWhen({ first_day: '2026-12-05', last_day: '2026-12-05', start_minute: 480, end_minute: 720 })).toBe('2026-12-05 08:00–12:00')
  })
})
