/**
 * Wallboard computations kept out of the view so they are unit-tested: today's calls bucketed by
 * half-hour from CDRs, and the alerts a supervisor must see (emergency, SLA breach, long calls).
 */
import type { AgentView, QueueKpi } from '../api/cti'

export interface CdrLite {
  started_at: string
  answered_at: string | null
  outcome: string | null
  wait_seconds: number | null
}

export interface HalfHourBuckets {
  labels: string[]
  offered: number[]
  answered: number[]
  abandoned: number[]
}

const TZ_OFFSET_MIN = 8 * 60 // the center's clock (Asia/Shanghai, no DST)

/** Index 0..47 of the half-hour a moment falls in, in the center's time zone. */
export function halfHourIndex(iso: string): number {
  const d = new Date(iso)
  const minutes = Math.floor(d.getTime() / 60000) + TZ_OFFSET_MIN
  const ofDay = ((minutes % 1440) + 1440) % 1440
  return Math.floor(ofDay / 30)
}

export function bucketHalfHours(cdrs: CdrLite[]): HalfHourBuckets {
  const labels = Array.from({ length: 48 }, (_, i) => `${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`)
  const offered = new Array<number>(48).fill(0)
  const answered = new Array<number>(48).fill(0)
  const abandoned = new Array<number>(48).fill(0)
  for (const c of cdrs) {
    const i = halfHourIndex(c.started_at)
    offered[i]++
    if (c.answered_at) answered[i]++
    else if (c.outcome && /abandon/.test(c.outcome)) abandoned[i]++
  }
  return { labels, offered, answered, abandoned }
}

export interface Alert {
  kind: 'emergency' | 'sla' | 'long_call' | 'sip_lockout'
  key: string
  text: string
  at: number
}

export const LONG_CALL_SECONDS = 600

/** SLA and long-call alerts derived from the live KPIs and agents (emergencies come as events). */
export function derivedAlerts(kpis: Record<string, QueueKpi>, agents: AgentView[], slSeconds = 15, now = Date.now(), labels: Record<string, string> = {}): Alert[] {
  const out: Alert[] = []
  for (const [queue, k] of Object.entries(kpis)) {
    if (queue === '*') continue
    if ((k.longest_wait ?? 0) > slSeconds && k.waiting > 0) {
      out.push({ kind: 'sla', key: `sla:${queue}`, text: `${labels[queue] ?? queue} ${Math.round(k.longest_wait ?? 0)} 秒`, at: now })
    }
  }
  for (const a of agents) {
    if ((a.state === 'talking' || a.state === 'hold') && (a.since ?? 0) > LONG_CALL_SECONDS) {
      out.push({ kind: 'long_call', key: `long:${a.agent_id}`, text: `${a.name} ${Math.round((a.since ?? 0) / 60)} min`, at: now })
    }
  }
  return out
}

/** Agents counted by state, in a fixed order for the board. */
export const AGENT_STATES = ['ready', 'ringing', 'talking', 'hold', 'wrap_up', 'not_ready', 'logged_out']
/** Element Plus tag colour of each agent state (wallboard counts and rows). */
export const STATE_TAG: Record<string, 'success' | 'warning' | 'danger' | 'info' | 'primary'> = {
  ready: 'success', ringing: 'danger', talking: 'primary', hold: 'warning', wrap_up: 'info', not_ready: 'warning', logged_out: 'info',
}

export function countByState(agents: AgentView[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(AGENT_STATES.map((s) => [s, 0]))
  for (const a of agents) out[a.state] = (out[a.state] ?? 0) + 1
  return out
}

/** Whether a live snapshot comes from a running call center: a node without one (a standby, or the
 * engine off) says `running: false` beside `data`, not in it. */
export function snapshotRunning(data: Record<string, unknown> | undefined, raw: Record<string, unknown>): boolean {
  return (data?.running ?? raw.running) !== false
}
