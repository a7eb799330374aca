/**
 * The console's browser phone: JsSIP over the engine's SIP WebSocket (RFC 7118), media WebRTC to the
 * engine's rtpengine bridge. One registration per agent however many tabs are open: the tab that
 * holds the Web Lock `hotline-phone-<ext>` runs the phone (the leader); the others follow its state
 * over a BroadcastChannel and send it their clicks. When the leader tab closes, its lock passes to
 * another tab, which registers in its place.
 */
import { C, UA, WebSocketInterface } from 'jssip'
import type { RTCSession } from 'jssip/lib/RTCSession'

export interface PhoneAccount {
  mode: 'desk' | 'browser'
  available: boolean
  extension: string | null
  realm: string
  ws_url: string | null
  ha1: string | null
  ice_servers: RTCIceServer[]
  ice_transport_policy?: RTCIceTransportPolicy // 'relay': TURN only (agents behind strict NAT)
}

/** What the console shows: the registration and the call, the same in every tab. */
export type PhoneStatus = 'off' | 'starting' | 'registered' | 'reconnecting' | 'failed' | 'no-mic' | 'follower'
export type CallStatus = 'idle' | 'ringing' | 'connecting' | 'talking'

export interface PhoneState {
  status: PhoneStatus
  call: CallStatus
  muted: boolean
  caller: string
  reconnected: number // times the connection came back (the console says so)
}

export type PhoneCommand = 'answer' | 'hangup' | 'mute' | 'unmute' | `dtmf:${string}`

export const idleState = (): PhoneState => ({ status: 'off', call: 'idle', muted: false, caller: '', reconnected: 0 })

/** Which microphone and speaker the agent chose (kept in this browser). */
export const devicePrefs = {
  get mic(): string { return localStorage.getItem('hotline.phone.mic') ?? '' },
  set mic(v: string) { localStorage.setItem('hotline.phone.mic', v) },
  get speaker(): string { return localStorage.getItem('hotline.phone.speaker') ?? '' },
  set speaker(v: string) { localStorage.setItem('hotline.phone.speaker', v) },
}

export function audioConstraints(): MediaStreamConstraints {
  const mic = devicePrefs.mic
  return { audio: mic ? { deviceId: { exact: mic } } : true, video: false }
}

/** Can this browser hear the agent? A refused permission and a missing device both say no. */
export async function microphoneProblem(): Promise<string | null> {
  if (!navigator.mediaDevices?.getUserMedia) return 'unsupported'
  try {
    const stream = await navigator.mediaDevices.getUserMedia(audioConstraints())
    stream.getTracks().forEach((t) => t.stop())
    return null
  } catch (e) {
    const name = (e as DOMException).name
    return name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'missing'
  }
}

/** The ring: two short bursts every 3 s, until stopped. */
export function startRingtone(): () => void {
  let ctx: AudioContext | null = null
  let timer: ReturnType<typeof setInterval> | undefined
  try {
    ctx = new AudioContext()
    const burst = (): void => {
      if (!ctx) return
      for (const at of [0, 0.5]) {
        const osc = ctx.createOscillator()
        const gain = ctx.createGain()
        osc.frequency.value = 440
        gain.gain.value = 0.15
        osc.connect(gain).connect(ctx.destination)
        osc.start(ctx.currentTime + at)
        osc.stop(ctx.currentTime + at + 0.4)
      }
    }
    burst()
    timer = setInterval(burst, 3000)
  } catch {
    ctx = null // no audio output: the screen still shows the ringing
  }
  return () => {
    clearInterval(timer)
    void ctx?.close()
    ctx = null
  }
}

export class Softphone {
  state: PhoneState = idleState()
  private ua: UA | null = null
  private session: RTCSession | null = null
  private stopRing: (() => void) | null = null
  private everConnected = false
  private audio: HTMLAudioElement

  constructor(private account: PhoneAccount, private onChange: (s: PhoneState) => void, audio?: HTMLAudioElement) {
    this.audio = audio ?? new Audio()
    this.audio.autoplay = true
  }

  private set(patch: Partial<PhoneState>): void {
    this.state = { ...this.state, ...patch }
    this.onChange(this.state)
  }

  async start(): Promise<void> {
    const a = this.account
    if (!a.ws_url || !a.extension || !a.ha1) {
      this.set({ status: 'failed' })
      return
    }
    const problem = await microphoneProblem()
    if (problem) {
      this.set({ status: 'no-mic' })
      return
    }
    this.set({ status: 'starting' })
    const host = new URL(a.ws_url).hostname
    const ua = new UA({
      sockets: [new WebSocketInterface(a.ws_url)],
      uri: `sip:${a.extension}@${host}`,
      authorization_user: a.extension,
      realm: a.realm,
      ha1: a.ha1,
      register: true,
      register_expires: 120,
      session_timers: false,
      connection_recovery_min_interval: 1,
      connection_recovery_max_interval: 10,
      user_agent: 'hotline-console',
    })
    ua.on('connected', () => {
      if (this.everConnected) this.set({ reconnected: this.state.reconnected + 1 })
      this.everConnected = true
    })
    ua.on('disconnected', () => this.set({ status: 'reconnecting' }))
    ua.on('registered', () => this.set({ status: 'registered' }))
    ua.on('registrationFailed', () => this.set({ status: 'failed' }))
    ua.on('newRTCSession', (e: { session: RTCSession; originator: string }) => this.incoming(e.session, e.originator))
    this.ua = ua
    ua.start()
  }

  private incoming(session: RTCSession, originator: string): void {
    if (originator !== 'remote') return
    if (this.session) {
      session.terminate({ status_code: 486, reason_phrase: 'Busy Here' })
      return
    }
    this.session = session
    const caller = session.remote_identity?.display_name || session.remote_identity?.uri?.user || ''
    this.set({ call: 'ringing', caller, muted: false })
    this.stopRing = startRingtone()
    notify(caller)
    session.on('peerconnection', (e: { peerconnection: RTCPeerConnection }) => this.attach(e.peerconnection))
    session.on('confirmed', () => this.set({ call: 'talking' }))
    const done = (): void => {
      this.stopRing?.()
      this.stopRing = null
      this.session = null
      this.audio.srcObject = null
      this.set({ call: 'idle', caller: '', muted: false })
    }
    session.on('ended', done)
    session.on('failed', done)
  }

  private attach(pc: RTCPeerConnection): void {
    pc.addEventListener('track', (ev: RTCTrackEvent) => {
      this.audio.srcObject = ev.streams[0] ?? new MediaStream([ev.track])
      const sink = devicePrefs.speaker
      const el = this.audio as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }
      if (sink && el.setSinkId) void el.setSinkId(sink).catch(() => undefined)
      void this.audio.play().catch(() => undefined)
    })
  }

  command(cmd: PhoneCommand): void {
    const s = this.session
    if (!s) return
    if (cmd === 'answer' && this.state.call === 'ringing') {
      this.stopRing?.()
      this.stopRing = null
      this.set({ call: 'connecting' })
      const pcConfig: RTCConfiguration = {
        iceServers: this.account.ice_servers,
        iceTransportPolicy: this.account.ice_transport_policy ?? 'all',
      }
      s.answer({ mediaConstraints: audioConstraints(), pcConfig })
      if (s.connection) this.attach(s.connection)
    } else if (cmd === 'hangup') {
      s.terminate()
    } else if (cmd === 'mute') {
      s.mute({ audio: true })
      this.set({ muted: true })
    } else if (cmd === 'unmute') {
      s.unmute({ audio: true })
      this.set({ muted: false })
    } else if (cmd.startsWith('dtmf:') && this.state.call === 'talking') {
      s.sendDTMF(cmd.slice(5), { transportType: C.DTMF_TRANSPORT.RFC2833, duration: 120, interToneGap: 70 })
    }
  }

  stop(): void {
    this.stopRing?.()
    this.session?.terminate()
    this.ua?.stop()
    this.ua = null
    this.set({ status: 'off', call: 'idle' })
  }
}

function notify(caller: string): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted' || !document.hidden) return
  try {
    new Notification('来电', { body: caller, tag: 'hotline-ring' })
  } catch {
    // a browser that refuses page notifications: the ring and the screen are enough
  }
}

/**
 * Runs the phone in one tab only. `onState` gets the phone's state in every tab; `send` carries a
 * click to whichever tab runs it. Returns a function that leaves (stops the phone if it ran here).
 */
export function sharePhone(account: PhoneAccount, onState: (s: PhoneState) => void, audio?: HTMLAudioElement): { send: (c: PhoneCommand) => void; leave: () => void } {
  const name = `hotline-phone-${account.extension}`
  const channel = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(name) : null
  let phone: Softphone | null = null
  let release: (() => void) | null = null
  let left = false
  const publish = (s: PhoneState): void => {
    onState(s)
    channel?.postMessage({ state: s })
  }
  if (channel) {
    channel.onmessage = (ev: MessageEvent<{ state?: PhoneState; command?: PhoneCommand; hello?: boolean }>) => {
      if (ev.data.state && !phone) onState({ ...ev.data.state, status: ev.data.state.status === 'registered' ? 'follower' : ev.data.state.status })
      if (ev.data.command && phone) phone.command(ev.data.command)
      if (ev.data.hello && phone) channel.postMessage({ state: phone.state })
    }
  }
  const lead = async (): Promise<void> => {
    if (left) return
    phone = new Softphone(account, publish, audio)
    await phone.start()
  }
  const locks = (navigator as Navigator & { locks?: LockManager }).locks
  if (locks && channel) {
    onState({ ...idleState(), status: 'follower' })
    channel.postMessage({ hello: true })
    void locks.request(name, () => new Promise<void>((resolve) => {
      release = resolve
      void lead()
    }))
  } else {
    void lead() // no Web Locks: this tab registers on its own
  }
  return {
    send: (c) => (phone ? phone.command(c) : channel?.postMessage({ command: c })),
    leave: () => {
      left = true
      phone?.stop()
      phone = null
      release?.()
      channel?.close()
    },
  }
}
