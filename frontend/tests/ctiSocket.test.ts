import { describe, expect, it } from 'vitest'
import { ctiSocketUrl } from '../src/api/cti'

describe('live socket URL', () => {
  it('is ws:// on the page host and asks for KPIs by default', () => {
    const url = new URL(ctiSocketUrl())
    expect(url.protocol).toBe('ws:')
    expect(url.host).toBe(location.host)
    expect(url.searchParams.has('kpis')).toBe(false)
  })
  it('asks for events only with kpis: false (the pop-up beside a page socket)', () => {
    expect(new URL(ctiSocketUrl({ kpis: false })).searchParams.get('kpis')).toBe('0')
    expect(new URL(ctiSocketUrl({ kpis: true })).searchParams.has('kpis')).toBe(false)
  })
})
