/**
 * Quality inspection (质检) API shapes and the small pure helpers its pages share: the VAD strip's
 * geometry and a score's running total while an inspector fills the form.
 */
export type Segment = [number, number]

export interface AudioCheck {
  recording_id: number
  call_id: string
  agent_id: number | null
  status: 'ok' | 'corrupt' | 'missing'
  error: string | null
  metrics: Record<string, unknown> & { duration?: number; talk_ratio?: number | null; talk_over?: number; time_to_greeting?: number | null; hold_seconds?: number; silences?: Segment[] }
  segments: { caller?: Segment[]; agent?: Segment[] }
  flags: string[]
  computed_at: string
}

export interface FormItem { key: string; label: string; points: number; mode: 'weight' | 'deduction'; critical: boolean; hint?: string | null }
export interface FormSection { title: string; items: FormItem[] }
export interface QualityForm { id: number; code: string; version: number; name: string; status: string; sections: FormSection[]; max_points: number; created_at: string; published_at: string | null }

export interface Answer { awarded?: number | null; deducted?: number | null; failed?: boolean; comment?: string | null; score?: number }
export interface TimedComment { at: number; text: string; item?: string | null }

export interface Score {
  id: number; call_id: string; recording_id: number | null; task_id: number | null; agent_id: number | null; inspector_id: number
  form_id: number; state: string; state_zh: string; calibration: boolean; answers: Record<string, Answer>; comments: TimedComment[]
  total: number | null; max_points: number; percent: number | null; critical_failed: boolean; original_total: number | null
  appeal_reason: string | null; decision_note: string | null; decided_by: number | null
  created_at: string; submitted_at: string | null; acknowledged_at: string | null; appealed_at: string | null; decided_at: string | null
  version: number; allowed: string[]; audio: { available: boolean; reason: string | null; reason_zh: string | null }; work_order_id: number | null; form: QualityForm | null
  articles?: { id: number; title: string; at: string }[] | null
}

export interface Task { id: number; plan_id: number; call_id: string; recording_id: number | null; agent_id: number | null; reasons: string[]; week: string; state: string; inspector_id: number | null; call_started_at: string; created_at: string }

export interface Scorecard {
  key: number | null; name: string; count: number; average: number | null; critical_failed: number; pass_rate: number | null
  appealed: number; changed: number; trend: { month: string; average: number }[]; most_missed: { key: string; label: string; count: number }[]
}

/** Left and width in percent of each segment on a strip `duration` seconds long. */
export function stripBoxes(segments: Segment[] | undefined, duration: number): { left: number; width: number }[] {
  if (!segments || !(duration > 0)) return []
  return segments
    .map(([s, e]) => ({ left: (Math.max(0, s) / duration) * 100, width: (Math.max(0, Math.min(e, duration) - Math.max(0, s)) / duration) * 100 }))
    .filter((b) => b.width > 0)
}

/** The total the server will grade (weights, deductions, 一票否决), shown while the form is filled. */
export function runningTotal(form: QualityForm, answers: Record<string, Answer>): { total: number; failed: boolean } {
  let total = 0
  let failed = false
  for (const section of form.sections) {
    for (const item of section.items) {
      const a = answers[item.key] ?? {}
      if (item.critical) {
        if (a.failed) failed = true
        else total += item.points
      } else if (item.mode === 'deduction') {
        total += item.points - Math.min(item.points, a.deducted ?? 0)
      } else {
        total += Math.min(item.points, a.awarded ?? 0)
      }
    }
  }
  return { total: failed ? 0 : Math.round(total * 100) / 100, failed }
}

/** Answers as the API takes them: only what the item's kind uses. */
export function answersBody(form: QualityForm, answers: Record<string, Answer>): Record<string, Answer> {
  const out: Record<string, Answer> = {}
  for (const section of form.sections) {
    for (const item of section.items) {
      const a = answers[item.key]
      if (!a) continue
      const comment = a.comment?.trim() || undefined
      if (item.critical) out[item.key] = { failed: Boolean(a.failed), comment }
      else if (item.mode === 'deduction') out[item.key] = { deducted: a.deducted ?? 0, comment }
      else if (a.awarded !== undefined && a.awarded !== null) out[item.key] = { awarded: a.awarded, comment }
    }
  }
  return out
}

/** A form as the editor holds it: what `POST/PUT /api/quality/forms` take. */
export interface FormDraft { code: string; name: string; sections: FormSection[] }

/** A new form: one section with one item, for the editor to fill in. */
export function blankForm(sectionTitle: string): FormDraft {
  return { code: '', name: '', sections: [{ title: sectionTitle, items: [{ key: 'item_1', label: '', points: 10, mode: 'weight', critical: false }] }] }
}

/** The editor's form as the API takes it: trimmed text, numbers as numbers, no empty hints. */
export function formBody(d: FormDraft): FormDraft {
  return {
    code: d.code.trim(),
    name: d.name.trim(),
    sections: d.sections.map((s) => ({
      title: s.title.trim(),
      items: s.items.map((i) => ({
        key: i.key.trim(),
        label: i.label.trim(),
        points: Number(i.points) || 0,
        mode: i.critical ? 'weight' : i.mode,
        critical: Boolean(i.critical),
        ...(i.hint?.trim() ? { hint: i.hint.trim() } : {}),
      })),
    })),
  }
}

/** A sampling plan's rules (`hotline.quality.schemas.Rules`). */
export interface PlanRules {
  random_per_agent_week: number
  abandon_wait_over: number | null
  long_call_over: number | null
  emergency: boolean
  repeat_within_hours: number | null
  auto_flags: string[]
  call_flags: string[]
}
export interface SamplingPlan { id: number; name: string; form_code: string | null; rules: Partial<PlanRules>; enabled: boolean; created_at: string }
export const AUTO_FLAGS = ['long_silence', 'talk_over', 'late_greeting', 'no_agent_speech', 'loud', 'long_hold'] as const
export const CALL_FLAGS = ['unsatisfied', 'complaint'] as const

/** A plan's rules with every field present (what the editor binds to). */
export function fullRules(r: Partial<PlanRules> = {}): PlanRules {
  return {
    random_per_agent_week: r.random_per_agent_week ?? 0,
    abandon_wait_over: r.abandon_wait_over ?? null,
    long_call_over: r.long_call_over ?? null,
    emergency: r.emergency ?? false,
    repeat_within_hours: r.repeat_within_hours ?? null,
    auto_flags: [...(r.auto_flags ?? [])],
    call_flags: [...(r.call_flags ?? [])],
  }
}
