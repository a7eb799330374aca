/** Business hours helpers (pure, unit-tested): window checks and day descriptions. */

export type Window = [string, string]

export interface Schedule {
  timezone: string
  always_open: boolean
  use_holiday_calendar: boolean
  windows: { workday: Window[]; holiday: Window[] }
  closed_dates: string[]
  open_dates: string[]
}

export interface DayPlan {
  date: string; weekday: number; kind: 'workday' | 'holiday'; reason: string
  holiday: string | null; holiday_zh: string | null; calendar_covers: boolean; windows: Window[]
}

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number)
  return h * 60 + m
}

/** The first problem of a day's windows as an i18n key, or null: each must start before it ends
 * and none may overlap another. */
export function windowsProblem(windows: Window[]): string | null {
  if (windows.some(([a, b]) => !a || !b)) return 'hours.incomplete'
  if (windows.some(([a, b]) => minutes(a) >= minutes(b))) return 'hours.startAfterEnd'
  const sorted = [...windows].sort((x, y) => minutes(x[0]) - minutes(y[0]))
  for (let i = 1; i < sorted.length; i++) if (minutes(sorted[i][0]) < minutes(sorted[i - 1][1])) return 'hours.overlap'
  return null
}

/** "08:00–12:00、13:30–20:00", or the given text for a closed day. */
export function windowsText(windows: Window[], closed: string): string {
  return windows.length ? windows.map(([a, b]) => `${a}–${b}`).join('、') : closed
}

/** A schedule with every field present (older rows may miss some). */
export function normalizeSchedule(s: Partial<Schedule>): Schedule {
  return {
    timezone: s.timezone ?? 'Asia/Shanghai',
    always_open: Boolean(s.always_open),
    use_holiday_calendar: s.use_holiday_calendar ?? true,
    windows: {
      workday: (s.windows?.workday ?? []).map(([a, b]) => [a, b] as Window),
      holiday: (s.windows?.holiday ?? []).map(([a, b]) => [a, b] as Window),
    },
    closed_dates: [...(s.closed_dates ?? [])].sort(),
    open_dates: [...(s.open_dates ?? [])].sort(),
  }
}
