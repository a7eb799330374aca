import { describe, expect, it } from 'vitest'
import {
  beijing, byFor, emptyForm, formError, formOf, parseRecipients, runPeriod, scheduleBody, SCHEDULE_BYS, toggledBody, type Schedule,
} from '../src/api/subscriptions'
import zh from '../src/i18n/zh-CN'

const schedule: Schedule = {
  id: 7, name: '话务日报', rollup: 'calls', frequency: 'daily', by: 'hour', filters: { queue: 'elderly' }, recipients: ['a@x.gov.cn', 'b@x.gov.cn'],
  formats: ['pdf'], active: true, version: 3, created_at: '2026-12-01T00:00:00+00:00', last_run: null, next_due_at: '2026-12-05T00:00:00+00:00',
}

describe('recipients', () => {
  it('takes addresses one a line or separated by commas, semicolons or 、, once each', () => {
    expect(parseRecipients('a@x.gov.cn\nb@x.gov.cn, A@x.gov.cn；c@y.cn、 d@z.cn')).toEqual({
      valid: ['a@x.gov.cn', 'b@x.gov.cn', 'c@y.cn', 'd@z.cn'], invalid: [],
    })
  })
  it('names what is not a mail address', () => {
    expect(parseRecipients('a@x.gov.cn bad@host <x@y.cn>').invalid).toEqual(['bad@host', '<x@y.cn>'])
  })
})

describe('the subscription form', () => {
  it('says why it cannot be saved', () => {
    const f = emptyForm()
    expect(formError(f)).toBe('name')
    f.name = '日报'
    expect(formError(f)).toBe('recipients')
    f.recipients = 'a@x.gov.cn, nope'
    expect(formError(f)).toBe('recipient')
    f.recipients = 'a@x.gov.cn'
    f.formats = []
    expect(formError(f)).toBe('formats')
    f.formats = ['pdf']
    f.by = 'district'
    expect(formError(f)).toBe('by')
    f.by = ''
    expect(formError(f)).toBeNull()
    f.recipients = Array.from({ length: 51 }, (_, i) => `u${i}@x.cn`).join('\n')
    expect(formError(f)).toBe('tooMany')
  })
  it('makes the API body: totals only as null, formats Excel first, the version on update', () => {
    const f = { ...emptyForm(), name: ' 月报 ', rollup: 'orders' as const, frequency: 'monthly' as const, by: '', recipients: 'a@x.cn\na@x.cn', formats: ['pdf', 'xlsx'] as ('pdf' | 'xlsx')[] }
    expect(scheduleBody(f)).toEqual({
      name: '月报', rollup: 'orders', frequency: 'monthly', by: null, filters: {}, recipients: ['a@x.cn'], formats: ['xlsx', 'pdf'], active: true,
    })
    expect(scheduleBody(f, 4).version).toBe(4)
  })
  it('edits a schedule as it is, keeping its filters', () => {
    expect(scheduleBody(formOf(schedule), schedule.version)).toEqual({
      name: '话务日报', rollup: 'calls', frequency: 'daily', by: 'hour', filters: { queue: 'elderly' },
      recipients: ['a@x.gov.cn', 'b@x.gov.cn'], formats: ['pdf'], active: true, version: 3,
    })
  })
  it('pauses and resumes with the whole row', () => {
    expect(toggledBody(schedule)).toMatchObject({ active: false, version: 3, formats: ['pdf'], by: 'hour' })
    expect(toggledBody({ ...schedule, active: false }).active).toBe(true)
  })
  it('keeps the grouping across data sets when both have it', () => {
    expect(byFor('orders', 'day')).toBe('day')
    expect(byFor('orders', 'hour')).toBe('category')
    expect(byFor('calls', 'district')).toBe('hour')
    expect(byFor('calls', '')).toBe('')
  })
  it('labels every grouping and status in Chinese', () => {
    for (const by of [...SCHEDULE_BYS.calls, ...SCHEDULE_BYS.orders].filter(Boolean)) expect(zh.an.by[by as keyof typeof zh.an.by], by).toBeTruthy()
    for (const s of ['sending', 'sent', 'failed', 'unknown']) expect(zh.an.sub.status[s as keyof typeof zh.an.sub.status]).toBeTruthy()
  })
})

describe('times and periods', () => {
  it('shows instants in Beijing time', () => {
    expect(beijing('2026-12-05T00:00:00+00:00')).toBe('2026-12-05 08:00')
    expect(beijing(null)).toBe('—')
  })
  it('shows a day or a range', () => {
    const run = { id: 1, schedule_id: 7, period_kind: 'week', period_first: '2026-11-23', period_last: '2026-11-29', seq: 0, status: 'sent', attempts: 1, requested_by: null, error: null, sent_at: null, created_at: '' }
    expect(runPeriod(run)).toBe('2026-11-23 至 2026-11-29')
    expect(runPeriod({ ...run, period_last: '2026-11-23' })).toBe('2026-11-23')
  })
})
