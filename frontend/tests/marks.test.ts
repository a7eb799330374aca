import { describe, expect, it } from 'vitest'
import zh from '../src/i18n/zh-CN'
import en from '../src/i18n/en'
import { currentMark, markLeft, markText, markTone, toPlayerMarks } from '../src/utils/marks'

function lookup(messages: Record<string, unknown>): { t: (k: string) => string; te: (k: string) => boolean } {
  const get = (key: string): unknown => key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), messages)
  return { t: (k) => String(get(k)), te: (k) => typeof get(k) === 'string' }
}

const KINDS = ['hold', 'unhold', 'transfer', 'conference', 'supervisor_listen', 'supervisor_whisper', 'supervisor_barge', 'work_order', 'agent_mark']

describe('recording marks', () => {
  it('names every kind the server makes, in both languages', () => {
    for (const messages of [zh, en]) {
      const { te } = lookup(messages)
      for (const kind of KINDS) expect(te(`rec.mark.${kind}`)).toBe(true)
    }
  })
  it('reads kind then detail, parties in words only for holds', () => {
    const { t, te } = lookup(zh)
    expect(markText('hold', 'caller', t, te)).toBe('保持 · 来电方')
    expect(markText('agent_mark', 'caller', t, te)).toBe('座席标记 · caller')
    expect(markText('supervisor_whisper', null, t, te)).toBe('班长耳语')
    expect(markText('work_order', 'GD20261125-0001', t, te)).toBe('创建工单 · GD20261125-0001')
    expect(markText('something_new', null, t, te)).toBe('something_new')
    const english = lookup(en)
    expect(markText('hold', 'caller', english.t, english.te)).toBe('Hold · Caller')
  })
  it('orders marks by time and keeps ties in order', () => {
    const { t, te } = lookup(en)
    const marks = toPlayerMarks(
      [
        { id: 3, offset_seconds: 20.5, kind: 'agent_mark', label: 'address' },
        { id: 1, offset_seconds: 3.25, kind: 'hold', label: 'caller' },
        { id: 2, offset_seconds: 3.25, kind: 'supervisor_listen', label: null },
        { id: 4, offset_seconds: Number.NaN, kind: 'hold', label: null },
      ],
      t,
      te,
    )
    expect(marks.map((m) => m.id)).toEqual([1, 2, 3])
    expect(marks[0]).toEqual({ id: 1, at: 3.25, kind: 'hold', label: 'Hold · Caller' })
  })
  it('places marks on the waveform', () => {
    expect(markLeft(15, 60)).toBe(25)
    expect(markLeft(61, 60)).toBe(100)
    expect(markLeft(-1, 60)).toBe(0)
    expect(markLeft(5, 0)).toBe(0)
    expect(markLeft(5, Number.NaN)).toBe(0)
  })
  it('knows which mark playback is in', () => {
    const marks = [{ at: 3 }, { at: 10 }, { at: 10 }, { at: 30 }]
    expect(currentMark(marks, 0)).toBe(-1)
    expect(currentMark(marks, 2.9)).toBe(0) // a jump may land a hair early
    expect(currentMark(marks, 12)).toBe(2)
    expect(currentMark(marks, 99)).toBe(3)
    expect(currentMark([], 5)).toBe(-1)
  })
  it('groups kinds by colour', () => {
    expect(['hold', 'unhold', 'supervisor_barge', 'transfer', 'conference', 'work_order', 'agent_mark'].map(markTone)).toEqual(['hold', 'hold', 'supervisor', 'transfer', 'transfer', 'order', 'agent'])
  })
})
