import { describe, expect, it } from 'vitest'
import { normalizeSchedule, windowsProblem, windowsText } from '../src/utils/hours'

describe('business hours helpers', () => {
  it('accepts ordered, separate windows', () => {
    expect(windowsProblem([['08:00', '12:00'], ['13:30', '20:00']])).toBeNull()
    expect(windowsProblem([])).toBeNull()
  })
  it('names the first problem', () => {
    expect(windowsProblem([['09:00', '08:00']])).toBe('hours.startAfterEnd')
    expect(windowsProblem([['13:00', '18:00'], ['08:00', '13:30']])).toBe('hours.overlap')
    expect(windowsProblem([['08:00', '']])).toBe('hours.incomplete')
  })
  it('describes windows or a closed day', () => {
    expect(windowsText([['08:00', '12:00'], ['13:30', '20:00']], '休息')).toBe('08:00–12:00、13:30–20:00')
    expect(windowsText([], '休息')).toBe('休息')
  })
  it('fills missing schedule fields and sorts dates', () => {
    const s = normalizeSchedule({ closed_dates: ['2026-12-31', '2026-10-02'] })
    expect(s.use_holiday_calendar).toBe(true)
    expect(s.windows).toEqual({ workday: [], holiday: [] })
    expect(s.closed_dates).toEqual(['2026-10-02', '2026-12-31'])
  })
})
