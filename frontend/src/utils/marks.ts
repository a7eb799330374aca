/**
 * Time marks on a recording (hold, transfer, supervisor listen/whisper/barge, work order, an
 * agent's own mark): their names, their place on the waveform, and which one playback is in.
 */

/** A mark as the API gives it (GET /api/calls/recordings/{id}/marks). */
export interface MarkIn {
  id: number
  offset_seconds: number
  kind: string
  label: string | null
}

/** A mark as the player shows it: seconds from the start, and the text to read. */
export interface PlayerMark {
  id: number | string
  at: number
  kind: string
  label: string
}

type Translate = (key: string) => string
type Exists = (key: string) => boolean

const PARTY_KINDS = new Set(['hold', 'unhold'])

/** "保持 · 来电方", "座席标记 · 来电人情绪激动": the kind in words, then its detail. */
export function markText(kind: string, label: string | null, t: Translate, te: Exists): string {
  const kindKey = `rec.mark.${kind}`
  const name = te(kindKey) ? t(kindKey) : kind
  if (!label) return name
  const partyKey = `rec.party.${label}`
  const detail = PARTY_KINDS.has(kind) && te(partyKey) ? t(partyKey) : label
  return `${name} · ${detail}`
}

/** API marks in time order (ties keep their order), named for the player. */
export function toPlayerMarks(marks: MarkIn[], t: Translate, te: Exists): PlayerMark[] {
  return marks
    .filter((m) => Number.isFinite(m.offset_seconds))
    .map((m, i) => ({ m, i }))
    .sort((a, b) => a.m.offset_seconds - b.m.offset_seconds || a.i - b.i)
    .map(({ m }) => ({ id: m.id, at: Math.max(0, m.offset_seconds), kind: m.kind, label: markText(m.kind, m.label, t, te) }))
}

/** Where a mark sits on the waveform, in percent of its width (0 when the length is unknown). */
export function markLeft(at: number, duration: number): number {
  if (!Number.isFinite(duration) || duration <= 0 || !Number.isFinite(at)) return 0
  return Math.min(100, Math.max(0, (at / duration) * 100))
}

/** The index of the mark playback has reached last (a jump lands a little before its mark, so
 * `slack` seconds early still count), or -1 before the first. */
export function currentMark(marks: { at: number }[], position: number, slack = 0.25): number {
  let found = -1
  marks.forEach((m, i) => {
    if (m.at <= position + slack) found = i
  })
  return found
}

/** The colour family of a kind, for the pins on the waveform. */
export function markTone(kind: string): 'hold' | 'supervisor' | 'transfer' | 'order' | 'agent' {
  if (kind === 'hold' || kind === 'unhold') return 'hold'
  if (kind.startsWith('supervisor_')) return 'supervisor'
  if (kind === 'transfer' || kind === 'conference') return 'transfer'
  if (kind === 'work_order') return 'order'
  return 'agent'
}
