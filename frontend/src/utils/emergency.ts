/**
 * Emergency calls in the console: the state of each leg of the fan-out (120, family contacts) as
 * the server reports it, kept in one list per alert, and the alarm sound (WebAudio, no file).
 */
export interface EmergencyLeg {
  number: string
  status: string // ringing | answered | failed | no_answer | answered_elsewhere
}

export interface EmergencyAlert {
  call_id: string
  caller: string | null
  caller_name: string | null
  legs: EmergencyLeg[]
  connected: string | null
  ended: boolean
  age?: number
}

export const LEG_TAG: Record<string, 'danger' | 'success' | 'warning' | 'info'> = {
  ringing: 'warning', answered: 'success', failed: 'danger', no_answer: 'danger', answered_elsewhere: 'info',
}

/** Apply one "emergency.leg_changed" event to a leg list (a new number is appended). */
export function applyLeg(legs: EmergencyLeg[], number: string, status: string): EmergencyLeg[] {
  const out = legs.map((l) => (l.number === number ? { ...l, status } : l))
  return out.some((l) => l.number === number) ? out : [...out, { number, status }]
}

/** Three short high beeps: loud enough for a busy room, short enough not to mask a call. */
export function alarm(): void {
  const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext
  if (!Ctx) return
  try {
    const ctx = new Ctx()
    for (let i = 0; i < 3; i++) {
      const osc = ctx.createOscillator()
      const gain = ctx.createGain()
      osc.frequency.value = 880
      gain.gain.value = 0.2
      osc.connect(gain).connect(ctx.destination)
      osc.start(ctx.currentTime + i * 0.35)
      osc.stop(ctx.currentTime + i * 0.35 + 0.2)
    }
    setTimeout(() => void ctx.close(), 1500)
  } catch {
    /* no audio device: the banner still shows */
  }
}
