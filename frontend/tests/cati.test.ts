import { describe, expect, it } from 'vitest'
import { firstOpen, place, previous, shown } from '../src/surveys/cati'
import type { Definition } from '../src/surveys/types'

const defn: Definition = {
  title: '回访',
  pages: [
    {
      questions: [
        { code: 'Q1', type: 'single', text: '满意吗', required: true, options: [{ code: '1', label: '满意' }, { code: '3', label: '不满意' }] },
        { code: 'Q2', type: 'text', text: '为什么', visible_if: { q: 'Q1', op: 'eq', value: '3' } },
        { code: 'Q3', type: 'rating', text: '打分', min: 1, max: 5 },
      ],
    },
    { visible_if: { q: 'Q3', op: 'le', value: 2 }, questions: [{ code: 'Q4', type: 'longtext', text: '建议' }] },
  ],
}

describe('CATI walk', () => {
  it('shows the questions the answers open, in order', () => {
    expect(shown(defn, {}).map((q) => q.code)).toEqual(['Q1', 'Q3'])
    expect(shown(defn, { Q1: '3', Q3: 1 }).map((q) => q.code)).toEqual(['Q1', 'Q2', 'Q3', 'Q4'])
  })

  it('resumes at the first question shown and not answered', () => {
    expect(firstOpen(defn, {})).toBe('Q1')
    expect(firstOpen(defn, { Q1: '3' })).toBe('Q2')
    expect(firstOpen(defn, { Q1: '1', Q3: 5 })).toBeNull()
    expect(firstOpen(defn, { Q1: '1', Q2: 'hidden, dropped', Q3: 5 })).toBeNull()
  })

  it('steps back over hidden questions and counts the place', () => {
    expect(previous(defn, { Q1: '1' }, 'Q3')).toBe('Q1')
    expect(previous(defn, { Q1: '3' }, 'Q3')).toBe('Q2')
    expect(previous(defn, { Q1: '1' }, 'Q1')).toBeNull()
    expect(previous(defn, { Q1: '1', Q3: 5 }, null)).toBe('Q3')
    expect(place(defn, { Q1: '3' }, 'Q2')).toEqual({ n: 2, total: 3 })
    expect(place(defn, { Q1: '1', Q3: 5 }, null)).toEqual({ n: 2, total: 2 })
  })
})
