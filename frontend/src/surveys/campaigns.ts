/** IVR campaign shapes (hotline/surveys/campaign_schemas.py) and the page's small rules. */
export interface CampaignProgress {
  total: number
  attempts: number
  counts: Record<string, number>
  response_rate: number | null
  refusal_rate: number | null
  contact_rate: number | null
  completion_rate: number | null
  quotas: { stratum: string; target: number; completed: number }[]
}

export interface Campaign {
  id: number
  survey_id: number
  name: string
  state: 'paused' | 'running' | 'finished'
  state_zh: string
  max_lines: number
  max_attempts: number
  retry_minutes: number
  ring_seconds: number
  caller_number: string
  created_at: string
  version: number
  quotas: Quotas | null
  progress: CampaignProgress
}

export interface Quotas { by: 'district' | 'age_band'; targets: Record<string, number> }

export interface Added { added: number; rejected: { row: number; phone: string; reason: string; reason_zh: string }[] }
export interface DoNotCall { id: number; phone: string; reason: string; created_at: string }

/** Outcome codes in the order the page shows them (hotline/surveys/states.py InterviewState). */
export const OUTCOMES = ['pending', 'in_progress', 'completed', 'partial', 'refused', 'busy', 'no_answer', 'wrong_number', 'interrupted', 'do_not_call'] as const

/** What may be done to a campaign in `state` (the server's CAMPAIGN_STATES). */
export function actionsFor(state: Campaign['state']): ('start' | 'pause' | 'finish')[] {
  if (state === 'paused') return ['start', 'finish']
  if (state === 'running') return ['pause', 'finish']
  return []
}

/** One respondent per line: "number", optionally followed by district and age band (comma,
 * tab or spaces between them); blank lines skipped. */
export function parseNumbers(text: string): { phone: string; district: string; age_band: string }[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [phone = '', district = '', age_band = ''] = line.split(/[,，\t]+|\s{2,}/).map((x) => x.trim())
      return { phone: phone.slice(0, 32), district: district.slice(0, 64), age_band: age_band.slice(0, 16) }
    })
}

/** Quotas typed one per line as "stratum=target" (越秀区=50, or ：/ : / spaces); bad lines skipped. */
export function parseQuotas(text: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(.+?)\s*[=：:\s]\s*(\d+)\s*$/.exec(line)
    if (m && Number(m[2]) > 0) out[m[1]] = Number(m[2])
  }
  return out
}

/** Quotas as the page's "stratum=target" lines (the inverse of parseQuotas). */
export function quotasText(targets: Record<string, number> | undefined): string {
  return Object.entries(targets ?? {}).map(([k, n]) => `${k}=${n}`).join('\n')
}

/** The quotas body from the form's stratum choice and lines (null: no quotas). */
export function quotasBody(by: string, text: string): Quotas | null {
  const targets = parseQuotas(text)
  return (by === 'district' || by === 'age_band') && Object.keys(targets).length ? { by, targets } : null
}

/** Survey invitations (hotline/surveys/invite_schemas.py). */
export interface InviteReport { queued: number; refused: { row: number; to: string; reason: string; reason_zh: string }[] }
export interface Invite { id: number; channel: 'sms' | 'wechat'; to: string; status: string; status_zh: string; attempts: number; error: string; created_at: string; sent_at: string | null }

export interface InviteForm { channel: 'sms' | 'wechat'; source: 'list' | 'frame'; text: string; frame: FrameForm }

/** The invitation request from the dialog: typed recipients (one per line, as parseNumbers reads
 * them; openids for WeChat), or a sample frame - callers, or closed work orders for a return
 * visit - (SMS only); null when there is nobody. */
export function inviteBody(f: InviteForm): Record<string, unknown> | null {
  if (f.channel === 'sms' && f.source === 'frame') return { channel: 'sms', frame: frameBody(f.frame) }
  const recipients = parseNumbers(f.text).map(({ phone, district, age_band }) => ({ to: phone, district, age_band }))
  return recipients.length ? { channel: f.channel, recipients } : null
}

/** A sample frame as the dialogs edit it (hotline/surveys/schemas.py FrameIn): callers by
 * district, age and living alone, or the people whose work orders were closed in a period (a
 * return-visit survey) by closing dates, category and district. */
export interface FrameForm {
  source: 'callers' | 'closed_orders'
  district: string
  min_age?: number | null
  max_age?: number | null
  living_alone: boolean
  closed: [string, string] | null // local days YYYY-MM-DD, both included
  category_id?: number | null
  limit: number
}

export function emptyFrame(source: FrameForm['source'] = 'callers'): FrameForm {
  return { source, district: '', min_age: null, max_age: null, living_alone: false, closed: null, category_id: null, limit: 500 }
}

/** The request body for a frame: only the chosen source's filters, blanks left out (the server
 * refuses a filter of the other source). */
export function frameBody(f: FrameForm): Record<string, unknown> {
  const body: Record<string, unknown> = { source: f.source, limit: f.limit }
  if (f.district.trim()) body.district = f.district.trim()
  if (f.source === 'callers') {
    if (f.min_age !== undefined && f.min_age !== null) body.min_age = f.min_age
    if (f.max_age !== undefined && f.max_age !== null) body.max_age = f.max_age
    if (f.living_alone) body.living_alone = true
  } else {
    if (f.closed) [body.closed_from, body.closed_to] = f.closed
    if (f.category_id) body.category_id = f.category_id
  }
  return body
}

/** The agents' phone interviews (CATI) of a questionnaire: progress and quotas. */
export interface CatiProgress extends Omit<CampaignProgress, 'attempts'> { quotas: CampaignProgress['quotas'] }
export interface CatiQuotas { survey_id: number; version: number; quotas: Quotas | null }
