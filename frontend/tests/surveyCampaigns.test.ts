import { describe, expect, it } from 'vitest'
import { actionsFor, emptyFrame, frameBody, inviteBody, parseNumbers, parseQuotas, quotasBody, quotasText } from '../src/surveys/campaigns'

describe('survey campaigns page rules', () => {
  it('reads one respondent per line, with district and age band after a comma', () => {
    expect(parseNumbers('13900001111\n\n 139 0000 2222 ，越秀区，70-79\n13900003333\t海珠区')).toEqual([
      { phone: '13900001111', district: '', age_band: '' },
      { phone: '139 0000 2222', district: '越秀区', age_band: '70-79' },
      { phone: '13900003333', district: '海珠区', age_band: '' },
    ])
  })

  it('offers the actions the server allows', () => {
    expect(actionsFor('paused')).toEqual(['start', 'finish'])
    expect(actionsFor('running')).toEqual(['pause', 'finish'])
    expect(actionsFor('finished')).toEqual([])
  })

  it('reads quotas as stratum=target lines', () => {
    expect(parseQuotas('越秀区=50\n海珠区：30\n70-79 20\n坏行\n天河区=0')).toEqual({ 越秀区: 50, 海珠区: 30, '70-79': 20 })
  })

  it('writes quotas back as lines and builds the edit body', () => {
    const targets = { 越秀区: 50, '70-79': 20 }
    expect(quotasText(targets)).toBe('越秀区=50\n70-79=20')
    expect(parseQuotas(quotasText(targets))).toEqual(targets)
    expect(quotasText(undefined)).toBe('')
    expect(quotasBody('district', '越秀区=5')).toEqual({ by: 'district', targets: { 越秀区: 5 } })
    expect(quotasBody('', '越秀区=5')).toBeNull()
    expect(quotasBody('age_band', '坏行')).toBeNull()
  })

  it('builds the invitation request from typed recipients or a sample', () => {
    const base = { channel: 'sms' as const, source: 'list' as const, text: '', frame: emptyFrame() }
    expect(inviteBody(base)).toBeNull()
    expect(inviteBody({ ...base, text: '13900001111，越秀区，70-79\n\n13900002222' })).toEqual({
      channel: 'sms',
      recipients: [{ to: '13900001111', district: '越秀区', age_band: '70-79' }, { to: '13900002222', district: '', age_band: '' }],
    })
    expect(inviteBody({ ...base, channel: 'wechat', text: 'oAbc123456' })).toEqual({ channel: 'wechat', recipients: [{ to: 'oAbc123456', district: '', age_band: '' }] })
    expect(inviteBody({ ...base, source: 'frame', frame: { ...emptyFrame(), district: ' 越秀区 ', min_age: 70 } })).toEqual({ channel: 'sms', frame: { source: 'callers', limit: 500, district: '越秀区', min_age: 70 } })
    expect(inviteBody({ ...base, source: 'frame', frame: emptyFrame('closed_orders') })).toEqual({ channel: 'sms', frame: { source: 'closed_orders', limit: 500 } })
  })

  it('sends only the chosen source\'s frame filters, blanks left out', () => {
    const callers = { ...emptyFrame(), district: ' 越秀区 ', min_age: 65, living_alone: true, closed: ['2026-12-01', '2026-12-31'] as [string, string], category_id: 3 }
    expect(frameBody(callers)).toEqual({ source: 'callers', limit: 500, district: '越秀区', min_age: 65, living_alone: true })
    const orders = { ...callers, source: 'closed_orders' as const, limit: 200 }
    expect(frameBody(orders)).toEqual({ source: 'closed_orders', limit: 200, district: '越秀区', closed_from: '2026-12-01', closed_to: '2026-12-31', category_id: 3 })
    expect(frameBody(emptyFrame('closed_orders'))).toEqual({ source: 'closed_orders', limit: 500 })
  })
})
