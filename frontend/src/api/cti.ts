/**
 * Call control (CTI) for the agent workspace and the wallboard, over the call-center API.
 *
 * Every operation names its endpoint here, once; the workspace enables a button only when the
 * server has that endpoint (capabilities), so nothing pretends to work before the API exists.
 * Live state comes over the call-center WebSocket when present, else by polling.
 */
import { api, type RequestOptions } from './client'
import { hasEndpoint } from './capabilities'

export interface AgentView {
  agent_id: number
  name: string
  extension: string | null
  state: string // logged_out | ready | not_ready | ringing | talking | hold | wrap_up
  reason: string | null
  call_id: string | null
  call_number?: string | null // whom the call is with (the dialled number on an outbound call)
  call_direction?: 'inbound' | 'outbound' | null
  phone_registered?: boolean
  wrap_left?: number | null // seconds of wrap-up left (server clock) // false: no phone signed in to the extension, calls cannot ring
  skills: Record<string, number>
  calls_taken: number
  talk_seconds: number
  misses: number
  since: number | null // seconds in this state; null: unknown (no change since the server started)
}

export interface WaitingCall {
  call_id: string
  caller: string
  position: number
  priority: number
  waited: number
  callback: boolean
  estimated_wait: number | null
  queue?: string
}

export interface LiveCallSummary {
  call_id: string
  caller: string
  state: string
  queue: string | null
  priority: number
  agent_id: number | null
  callback: boolean
  waited?: number | null
}

export interface QueueKpi {
  offered: number
  answered: number
  abandoned: number
  short_abandoned: number
  waiting: number
  answer_rate: number | null
  service_level: number | null
  asa: number | null
  aht: number | null
  longest_wait: number | null
  abandon_rate?: number | null
  label?: string | null // the queue's name (viewers without acd.read cannot list queues)
  lost?: number
  in_ivr?: number
  callbacks_pending?: number
  /** Post-call survey (satisfaction domain): answers, rated ones, 满意率 = (满意 + 基本满意) / rated. */
  surveyed?: number
  rated?: number
  dissatisfied?: number
  satisfaction_rate?: number | null
  agents: Record<string, number>
}

export interface ScreenPopData {
  call_id?: string
  queue?: string | null
  priority?: number
  repeat?: boolean
  caller_number?: string
  caller?: Record<string, unknown> | null
  last_calls?: Record<string, unknown>[]
  open_work_orders?: number | Record<string, unknown>[]
  ivr_path?: (string | Record<string, unknown>)[]
  emergency?: boolean
  emergency_legs?: { number: string; status: string }[]
}

/**
 * Endpoint table: [method, path] (hotline/web/routers/calls.py). `{queue}`, `{call_id}` and
 * `{agent_id}` are filled per call. `answer` asks the ringing phone to pick up by itself (the
 * server re-sends the call with auto-answer headers); agents may equally lift the handset.
 */
export const CTI = {
  me: ['GET', '/api/calls/agent/me'],
  login: ['POST', '/api/calls/agent/login'],
  logout: ['POST', '/api/calls/agent/logout'],
  ready: ['POST', '/api/calls/agent/ready'],
  extendWrapUp: ['POST', '/api/calls/agent/wrap-up/extend'],
  disposition: ['POST', '/api/calls/agent/disposition'],
  today: ['GET', '/api/calls/agent/today'],
  notReady: ['POST', '/api/calls/agent/not-ready'],
  answer: ['POST', '/api/calls/agent/answer'],
  hangup: ['POST', '/api/calls/agent/hangup'],
  hold: ['POST', '/api/calls/agent/hold'],
  transfer: ['POST', '/api/calls/agent/transfer'],
  consult: ['POST', '/api/calls/agent/consult'],
  completeTransfer: ['POST', '/api/calls/agent/consult/complete'],
  cancelConsult: ['POST', '/api/calls/agent/consult/cancel'],
  conference: ['POST', '/api/calls/agent/conference'],
  dial: ['POST', '/api/calls/agent/dial'],
  pick: ['POST', '/api/calls/agent/pick'],
  waiting: ['GET', '/api/calls/queues/{queue}/waiting'],
  calls: ['GET', '/api/calls/live'],
  agents: ['GET', '/api/calls/agents'],
  kpis: ['GET', '/api/calls/kpis'],
  supervise: ['POST', '/api/calls/supervise'],
  forceHangup: ['POST', '/api/calls/live/{call_id}/hangup'],
  agentState: ['POST', '/api/calls/agents/{agent_id}/state'],
  mark: ['POST', '/api/calls/{call_id}/marks'],
  ws: ['GET', '/api/calls/ws'],
} as const satisfies Record<string, readonly [string, string]>

export type CtiOp = keyof typeof CTI

function fill(path: string, params: Record<string, string | number>): string {
  return path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(String(params[k] ?? '')))
}

export function ctiAvailable(op: CtiOp, params: Record<string, string | number> = {}): boolean {
  const [method, path] = CTI[op]
  if (op === 'ws') return hasEndpoint('/api/calls/agent/me', 'GET') // WebSockets are not in OpenAPI
  return hasEndpoint(fill(path, { call_id: 'x', agent_id: 1, queue: 'q', ...params }), method)
}

export function cti<T>(op: CtiOp, body?: unknown, params: Record<string, string | number> = {}, opts: RequestOptions = {}): Promise<T> {
  const [method, path] = CTI[op]
  return api<T>(fill(path, params), { ...opts, method, body: method === 'GET' ? undefined : body ?? {} })
}

/** A time mark on a call's recording; `offset_seconds` from the recording's start. */
export interface RecordingMark {
  id: number
  call_uuid: string
  offset_seconds: number
  kind: string // hold | unhold | transfer | conference | supervisor_listen | supervisor_whisper | supervisor_barge | work_order | agent_mark
  label: string | null
  agent_id: number | null
  created_at: string
}

/** Mark this moment of a live call (the agent's own, or any for supervisors). */
export function markCall(callId: string, label: string): Promise<RecordingMark> {
  return cti<RecordingMark>('mark', { label }, { call_id: callId })
}

/** A recording's time marks, in time order. */
export function recordingMarks(recordingId: number, opts: RequestOptions = {}): Promise<RecordingMark[]> {
  return api<RecordingMark[]>(`/api/calls/recordings/${recordingId}/marks`, opts)
}

/** The call-center WebSocket URL for this page (ws:// or wss:// like the page); `kpis: false`
 * asks for events only (no KPIs every second). */
export function ctiSocketUrl(opts: { kpis?: boolean } = {}): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${proto}//${location.host}${CTI.ws[1]}${opts.kpis === false ? '?kpis=0' : ''}`
}

/** A live WebSocket to the call center with reconnect; messages are {type, data}. */
export interface LiveSocket {
  send: (msg: Record<string, unknown>) => boolean
  close: () => void
  connected: () => boolean
}

export function openLiveSocket(
  onMessage: (type: string, data: unknown, raw: Record<string, unknown>) => void,
  onStatus?: (up: boolean) => void,
  opts: { kpis?: boolean } = {},
): LiveSocket {
  let ws: WebSocket | null = null
  let closed = false
  let delay = 500
  let timer: ReturnType<typeof setTimeout> | undefined
  const connect = (): void => {
    ws = new WebSocket(ctiSocketUrl(opts))
    ws.onopen = () => {
      delay = 500
      onStatus?.(true)
    }
    ws.onmessage = (ev) => {
      try {
        const msg = JSON.parse(String(ev.data)) as Record<string, unknown>
        onMessage(String(msg.type), msg.data, msg)
      } catch {
        /* ignore malformed frames */
      }
    }
    ws.onclose = () => {
      onStatus?.(false)
      if (closed) return
      timer = setTimeout(connect, delay)
      delay = Math.min(delay * 2, 10_000)
    }
  }
  connect()
  return {
    send: (msg) => {
      if (ws?.readyState !== WebSocket.OPEN) return false
      ws.send(JSON.stringify(msg))
      return true
    },
    close: () => {
      closed = true
      clearTimeout(timer)
      ws?.close()
    },
    connected: () => ws?.readyState === WebSocket.OPEN,
  }
}
