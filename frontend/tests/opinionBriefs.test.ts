import { describe, expect, it } from 'vitest'
import { briefFirst, briefUrl } from '../src/api/opinion'

describe('opinion briefs', () => {
  it('a daily brief starts on its day, a weekly one on the Monday of its week', () => {
    expect(briefFirst('daily', '2026-12-03')).toBe('2026-12-03')
    expect(briefFirst('weekly', '2026-12-03')).toBe('2026-11-30') // a Thursday
    expect(briefFirst('weekly', '2026-11-30')).toBe('2026-11-30') // the Monday itself
    expect(briefFirst('weekly', '2026-12-06')).toBe('2026-11-30') // Sunday ends the week
    expect(briefFirst('weekly', '2027-01-01')).toBe('2026-12-28') // across the year
  })
  it('downloads from the brief API', () => {
    expect(briefUrl('weekly', '2026-11-30', 'pdf')).toBe('/api/opinion/briefs/weekly.pdf?first=2026-11-30')
    expect(briefUrl('daily', '2026-12-03', 'xlsx')).toBe('/api/opinion/briefs/daily.xlsx?first=2026-12-03')
  })
})
