/** Pure helpers of the telephony administration page (unit-tested). */

export interface TrunkHealth { status: number; rtt_ms: number; at: number }

/** "10.0.0.6, 10.0.0.7；10.0.0.8" -> unique addresses in order (commas, Chinese commas, spaces). */
export function parsePeers(text: string): string[] {
  const out: string[] = []
  for (const part of text.split(/[\s,，、;；]+/)) {
    const p = part.trim()
    if (p && !out.includes(p)) out.push(p)
  }
  return out
}

/** The status of a trunk's last OPTIONS check in words: answered (with round trip) or silent. */
export function trunkHealthLabel(h: TrunkHealth, t: (key: string, args?: Record<string, unknown>) => string): string {
  if (h.status === 408) return t('tel.silent')
  return t('tel.answered', { status: h.status, ms: Math.round(h.rtt_ms) })
}

/** A prompt matches a filter by name or by its words (case-insensitive). */
export function promptMatches(p: { name: string; text: string | null }, filter: string): boolean {
  const f = filter.trim().toLowerCase()
  if (!f) return true
  return p.name.toLowerCase().includes(f) || (p.text ?? '').toLowerCase().includes(f)
}
