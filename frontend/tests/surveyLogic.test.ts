import { describe, expect, it } from 'vitest'
import { evaluate, missingRequired, visible } from '../src/surveys/logic'
import type { Definition } from '../src/surveys/types'

const defn: Definition = {
  title: 't',
  pages: [
    { questions: [
      { code: 'Q1', type: 'single', text: 'a', required: true, options: [{ code: '1', label: 'y' }, { code: '3', label: 'n' }] },
      { code: 'Q2', type: 'multiple', text: 'b', options: [{ code: 'meal', label: 'm' }, { code: 'other', label: 'o' }] },
      { code: 'Q2o', type: 'text', text: 'c', required: true, visible_if: { q: 'Q2', op: 'in', value: ['other'] } },
    ] },
    { visible_if: { q: 'Q1', op: 'eq', value: '3' }, questions: [{ code: 'Q7', type: 'longtext', text: 'd' }] },
    { questions: [{ code: 'Q8', type: 'rating', text: 'e', min: 1, max: 5 }] },
  ],
}

describe('survey skip logic (same rules as the server)', () => {
  it('evaluates leaves and groups', () => {
    const a = { Q1: '3', Q2: ['other'], Q3: 4 }
    expect(evaluate({ q: 'Q1', op: 'eq', value: 3 }, a)).toBe(true)
    expect(evaluate({ q: 'Q3', op: 'ge', value: 4 }, a)).toBe(true)
    expect(evaluate({ q: 'Q5', op: 'gt', value: 1 }, a)).toBe(false)
    expect(evaluate({ all: [{ q: 'Q1', op: 'eq', value: '3' }, { not: { q: 'Q2', op: 'in', value: ['other'] } }] }, a)).toBe(false)
    expect(evaluate({ any: [{ q: 'Q1', op: 'eq', value: '1' }, { q: 'Q5', op: 'unanswered' }] }, a)).toBe(true)
  })
  it('hides pages and drops hidden answers', () => {
    expect(visible(defn, { Q1: '1', Q2: ['meal'], Q2o: 'x' })).toEqual({ pages: [0, 2], kept: { Q1: '1', Q2: ['meal'] } })
    expect(visible(defn, { Q1: '3' }).pages).toEqual([0, 1, 2])
  })
  it('names the first required question left empty', () => {
    expect(missingRequired(defn.pages[0], { Q1: '1' })).toBe(null)
    expect(missingRequired(defn.pages[0], { Q1: '1', Q2: ['other'] })).toBe('Q2o')
    expect(missingRequired(defn.pages[0], {})).toBe('Q1')
  })
})
