/**
 * Skip logic in the browser: the same rules as hotline/surveys/logic.py, used only to show and
 * hide questions as the respondent answers (the server checks every page and has the last word).
 */
import type { Answers, AnswerValue, Condition, Definition, Question, SurveyPage } from './types'

export function isEmpty(v: AnswerValue): boolean {
  if (v === null || v === undefined || v === '') return true
  if (Array.isArray(v)) return v.length === 0
  if (typeof v === 'object') return Object.keys(v).length === 0
  return false
}

function lookup(answers: Answers, ref: string): AnswerValue {
  const [code, row] = ref.split('.', 2)
  const v = answers[code]
  if (row) return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>)[row] : undefined
  return v
}

function num(v: unknown): number | null {
  if (typeof v === 'number') return v
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v)
  return null
}

function same(given: string, wanted: unknown): boolean {
  if (given === String(wanted)) return true
  const a = num(given)
  const b = num(wanted)
  return a !== null && b !== null && a === b
}

export function evaluate(cond: Condition, answers: Answers): boolean {
  if (cond.all) return cond.all.every((c) => evaluate(c, answers))
  if (cond.any) return cond.any.some((c) => evaluate(c, answers))
  if (cond.not) return !evaluate(cond.not, answers)
  const value = lookup(answers, cond.q ?? '')
  if (cond.op === 'answered') return !isEmpty(value)
  if (cond.op === 'unanswered') return isEmpty(value)
  const wanted = Array.isArray(cond.value) ? cond.value : [cond.value]
  const given = Array.isArray(value) ? value.map(String) : isEmpty(value) ? [] : [String(value)]
  const hit = given.some((g) => wanted.some((w) => same(g, w)))
  if (cond.op === 'eq' || cond.op === 'in') return hit
  if (cond.op === 'ne' || cond.op === 'not_in') return !hit
  const left = given.length ? num(given[0]) : null
  const right = num(wanted[0])
  if (left === null || right === null) return false
  return { gt: left > right, ge: left >= right, lt: left < right, le: left <= right }[cond.op as 'gt'] ?? false
}

/** Visible page indexes and the answers kept (answers to hidden questions dropped). */
export function visible(defn: Definition, answers: Answers): { pages: number[]; kept: Answers } {
  const kept: Answers = {}
  const pages: number[] = []
  defn.pages.forEach((page, pi) => {
    if (page.visible_if && !evaluate(page.visible_if, kept)) return
    pages.push(pi)
    for (const q of page.questions) {
      if (q.visible_if && !evaluate(q.visible_if, kept)) continue
      if (q.code in answers) kept[q.code] = answers[q.code]
    }
  })
  return { pages, kept }
}

export function visibleQuestions(page: SurveyPage, answers: Answers): Question[] {
  return page.questions.filter((q) => !q.visible_if || evaluate(q.visible_if, answers))
}

export function scale(q: Question): [number, number] {
  if (q.type === 'nps') return [0, 10]
  return [q.min ?? 1, q.max ?? 5]
}

/** The first visible required question left empty on this page, as the server would name it. */
export function missingRequired(page: SurveyPage, answers: Answers): string | null {
  for (const q of visibleQuestions(page, answers)) {
    if (!q.required) continue
    const v = answers[q.code]
    if (isEmpty(v)) return q.code
    if (q.type === 'matrix' && (q.rows ?? []).some((r) => !(v as Record<string, string>)[r.code])) return q.code
  }
  return null
}
