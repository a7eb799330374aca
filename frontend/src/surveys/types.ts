/** Questionnaire shapes (hotline/surveys/definition.py and schemas.py). */
export type QuestionType = 'single' | 'multiple' | 'rating' | 'nps' | 'number' | 'text' | 'longtext' | 'date' | 'matrix'
export const QUESTION_TYPES: QuestionType[] = ['single', 'multiple', 'rating', 'nps', 'number', 'text', 'longtext', 'date', 'matrix']
export type Op = 'eq' | 'ne' | 'in' | 'not_in' | 'gt' | 'ge' | 'lt' | 'le' | 'answered' | 'unanswered'
export const OPS: Op[] = ['eq', 'ne', 'in', 'not_in', 'gt', 'ge', 'lt', 'le', 'answered', 'unanswered']

export interface Option { code: string; label: string; fixed?: boolean }

export interface Condition {
  q?: string
  op?: Op
  value?: string | number | (string | number)[] | null
  all?: Condition[]
  any?: Condition[]
  not?: Condition
}

export interface Question {
  code: string
  type: QuestionType
  text: string
  phone_text?: string
  prompt?: string // a recorded prompt's name in the prompt library, played by the IVR instead of TTS
  help?: string
  required?: boolean
  options?: Option[]
  rows?: Option[]
  randomize?: boolean
  min?: number | null
  max?: number | null
  integer?: boolean
  min_label?: string
  max_label?: string
  max_length?: number
  min_choices?: number
  max_choices?: number
  visible_if?: Condition | null
}

export interface SurveyPage { title?: string; visible_if?: Condition | null; questions: Question[] }
export interface Definition { title: string; description?: string; pages: SurveyPage[] }

export type AnswerValue = string | number | string[] | Record<string, string> | null | undefined
export type Answers = Record<string, AnswerValue>

export interface SurveySummary {
  id: number
  title: string
  state: 'draft' | 'published' | 'closed'
  state_zh: string
  published_number: number | null
  draft_changed: boolean
  completed: number
  version: number
  updated_at: string
}

export interface SurveyDetail extends SurveySummary {
  draft: Definition
  versions: { number: number; author: string; created_at: string; completed: number }[]
}

export interface StartOut {
  resume_key: string
  resumed: boolean
  version: number
  page: number
  answers: Answers
  survey: Definition
}

export interface Tally {
  code: string
  type: QuestionType
  text: string
  answered: number
  options?: { code: string; label: string; count?: number }[]
  rows?: { code: string; label: string; counts: number[] }[]
  mean?: number | null
  nps?: number
  min?: number | null
  max?: number | null
}

export interface Results { completed: number; version: number; questions: Tally[] }

export interface CrossTab {
  question: string
  by: string
  by_zh: string
  columns: { code: string; label: string }[]
  rows: { group: string; label: string; counts: number[]; total: number }[]
}
