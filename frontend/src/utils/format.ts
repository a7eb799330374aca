/** Small display helpers: dates in the center's time zone, durations, percentages. */
const TZ = 'Asia/Shanghai'

export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return String(iso)
  const parts = new Intl.DateTimeFormat('zh-CN', {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
  }).formatToParts(d)
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`
}

export function fmtDate(iso: string | null | undefined): string {
  return iso ? fmtDateTime(iso).slice(0, 10) : '—'
}

/** Seconds as m:ss or h:mm:ss. */
export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—'
  const s = Math.max(0, Math.round(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/** A ratio 0..1 as a percentage with one decimal. */
export function fmtPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—'
  return `${(ratio * 100).toFixed(1)}%`
}

/** Is a deadline past at `now` (and the order not finished)? */
export function isOverdue(deadline: string | null | undefined, now: Date = new Date()): boolean {
  if (!deadline) return false
  const d = new Date(deadline)
  return !Number.isNaN(d.getTime()) && d.getTime() < now.getTime()
}
