import { describe, expect, it } from 'vitest'
import { answersBody, formBody, fullRules, runningTotal, stripBoxes, type QualityForm } from '../src/api/quality'

const form: QualityForm = {
  id: 1, code: 'f', version: 1, name: 'f', status: 'published', max_points: 100, created_at: '', published_at: null,
  sections: [
    { title: 's', items: [
      { key: 'greeting', label: '开场白', points: 10, mode: 'weight', critical: false },
      { key: 'attitude', label: '态度', points: 30, mode: 'deduction', critical: false },
      { key: 'answer', label: '答复', points: 60, mode: 'weight', critical: false },
      { key: 'privacy', label: '泄露', points: 0, mode: 'weight', critical: true },
    ] },
  ],
}

describe('quality helpers', () => {
  it('places VAD segments on the strip in percent, clipped to the recording', () => {
    expect(stripBoxes([[0, 5], [15, 25]], 20)).toEqual([{ left: 0, width: 25 }, { left: 75, width: 25 }])
    expect(stripBoxes([[1, 2]], 0)).toEqual([])
    expect(stripBoxes(undefined, 10)).toEqual([])
  })
  it('totals like the server: weights, deductions, 一票否决', () => {
    expect(runningTotal(form, {})).toEqual({ total: 30, failed: false })
    expect(runningTotal(form, { greeting: { awarded: 10 }, attitude: { deducted: 5 }, answer: { awarded: 60 } })).toEqual({ total: 95, failed: false })
    expect(runningTotal(form, { greeting: { awarded: 10 }, privacy: { failed: true } })).toEqual({ total: 0, failed: true })
  })
  it('sends only what each item uses', () => {
    const body = answersBody(form, { greeting: { awarded: 8, deducted: 3, comment: ' ok ' }, attitude: { awarded: 2 }, privacy: { failed: true }, answer: {} })
    expect(body).toEqual({ greeting: { awarded: 8, comment: 'ok' }, attitude: { deducted: 0, comment: undefined }, privacy: { failed: true, comment: undefined } })
  })
})

describe('form and plan editors', () => {
  it('sends a form trimmed, with numbers, critical items scored as weights and no empty hints', () => {
    const body = formBody({ code: ' f1 ', name: ' 表 ', sections: [{ title: ' 规范 ', items: [
      { key: 'a', label: ' 开场 ', points: '10' as unknown as number, mode: 'deduction', critical: true, hint: ' ' },
      { key: 'b', label: '答复', points: 5, mode: 'deduction', critical: false, hint: ' 准确 ' },
    ] }] })
    expect(body).toEqual({ code: 'f1', name: '表', sections: [{ title: '规范', items: [
      { key: 'a', label: '开场', points: 10, mode: 'weight', critical: true },
      { key: 'b', label: '答复', points: 5, mode: 'deduction', critical: false, hint: '准确' },
    ] }] })
  })
  it('fills every rule of a stored plan for the editor', () => {
    expect(fullRules({ long_call_over: 600, call_flags: ['complaint'] })).toEqual({
      random_per_agent_week: 0, abandon_wait_over: null, long_call_over: 600, emergency: false,
      repeat_within_hours: null, auto_flags: [], call_flags: ['complaint'],
    })
  })
})
