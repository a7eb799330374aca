import { describe, expect, it } from 'vitest'
import { monthRange } from '../src/api/newmedia'

describe('newmedia calendar month', () => {
  it('spans the whole month, leap February included', () => {
    expect(monthRange(new Date(2026, 9, 15))).toEqual(['2026-10-01', '2026-10-31'])
    expect(monthRange(new Date(2028, 1, 3))).toEqual(['2028-02-01', '2028-02-29'])
    expect(monthRange(new Date(2026, 11, 31))).toEqual(['2026-12-01', '2026-12-31'])
  })
})
