/**
 * The CATI screen's walk through a questionnaire, question by question, with the same skip logic
 * as the web page and the server (`logic.ts`); the server checks each answer and names the next
 * question, these only place the agent when an interview is resumed and let them step back.
 */
import { isEmpty, visible, visibleQuestions } from './logic'
import type { Answers, Definition, Question } from './types'

/** An interview as the API returns it (hotline/surveys/schemas.py InterviewOut). */
export interface Interview {
  id: number
  survey_id: number
  caller_id: number | null
  phone: string
  district: string
  age_band: string
  state: string
  state_zh: string
  attempts: number
  callback_at: string | null
  call_id: string | null
}

export interface Desk { surveys: { survey_id: number; title: string; pending: number }[]; held: Interview[] }

/** Outcome codes an agent may close an attempt with (the server's INTERVIEW_STATES). */
export const CATI_OUTCOMES = ['no_answer', 'busy', 'refuse', 'wrong_number', 'callback', 'release'] as const

/** The questions this respondent sees, in order, given the answers so far. */
export function shown(defn: Definition, answers: Answers): Question[] {
  const { pages, kept } = visible(defn, answers)
  return pages.flatMap((p) => visibleQuestions(defn.pages[p], kept))
}

/** Where a resumed interview goes on: the first question shown and not answered (null: all done). */
export function firstOpen(defn: Definition, answers: Answers): string | null {
  return shown(defn, answers).find((q) => isEmpty(answers[q.code]))?.code ?? null
}

/** The question shown before `code` (null: it is the first). */
export function previous(defn: Definition, answers: Answers, code: string | null): string | null {
  const list = shown(defn, answers)
  if (code === null) return list.at(-1)?.code ?? null
  const i = list.findIndex((q) => q.code === code)
  return i > 0 ? list[i - 1].code : null
}

/** "n / total" for the question shown (total as far as the answers so far tell). */
export function place(defn: Definition, answers: Answers, code: string | null): { n: number; total: number } {
  const list = shown(defn, answers)
  const i = code === null ? list.length : list.findIndex((q) => q.code === code)
  return { n: Math.max(i, 0) + (code === null ? 0 : 1), total: list.length }
}
