/**
 * The caller create/edit form: an editable shape of a caller with its care profile and emergency
 * contacts, the checks the server makes (so the agent sees a Chinese message beside the field
 * before sending), and the request body the API takes.
 */
import type { Caller } from '../api/types'

export interface ContactForm { name: string; relation: string; phone: string }

export interface CallerForm {
  name: string
  gender: string
  id_number: string
  district: string
  address: string
  notes: string
  phones: { number: string; label: string }[]
  care: boolean
  living_alone: boolean
  age: number | null
  disability_level: string
  assistance_status: string
  health_notes: string
  priority_level: number
  contacts: ContactForm[]
}

/** The server's phone rule: optional +, then 3 to 32 digits, dashes or spaces, at least 3 digits. */
export function validPhone(raw: string): boolean {
  const v = raw.trim()
  return /^\+?[\d\- ]{3,32}$/.test(v) && v.replace(/\D/g, '').length >= 3
}

export function emptyCallerForm(phone = ''): CallerForm {
  return {
    name: '', gender: '', id_number: '', district: '', address: '', notes: '',
    phones: [{ number: phone, label: '' }],
    care: false, living_alone: false, age: null, disability_level: '', assistance_status: '',
    health_notes: '', priority_level: 1, contacts: [],
  }
}

export function callerToForm(c: Caller): CallerForm {
  const p = c.care_profile
  return {
    name: c.name, gender: c.gender ?? '', id_number: c.id_number ?? '', district: c.district ?? '',
    address: c.address ?? '', notes: c.notes ?? '',
    phones: c.phones.length ? c.phones.map((x) => ({ number: x.number, label: x.label ?? '' })) : [{ number: '', label: '' }],
    care: !!p, living_alone: p?.living_alone ?? false, age: p?.age ?? null,
    disability_level: p?.disability_level ?? '', assistance_status: p?.assistance_status ?? '',
    health_notes: p?.health_notes ?? '', priority_level: p?.priority_level ?? 1,
    contacts: c.emergency_contacts.map((x) => ({ name: x.name, relation: x.relation ?? '', phone: x.phone })),
  }
}

/** Field path → i18n key of the message (empty when the form may be sent). */
export function callerFormErrors(f: CallerForm): Record<string, string> {
  const e: Record<string, string> = {}
  if (!f.name.trim()) e.name = 'c360.err.name'
  if (f.id_number.trim() && !/^\d{17}[\dXx]$/.test(f.id_number.trim())) e.id_number = 'c360.err.idNumber'
  f.phones.forEach((p, i) => {
    if (p.number.trim() && !validPhone(p.number)) e[`phones.${i}`] = 'c360.err.phone'
  })
  if (!f.phones.some((p) => p.number.trim())) e['phones.0'] = 'c360.err.phoneRequired'
  if (f.care && f.age !== null && (f.age < 0 || f.age > 130 || !Number.isInteger(f.age))) e.age = 'c360.err.age'
  f.contacts.forEach((c, i) => {
    if (!c.name.trim()) e[`contacts.${i}.name`] = 'c360.err.contactName'
    if (!validPhone(c.phone)) e[`contacts.${i}.phone`] = 'c360.err.phone'
  })
  return e
}

const opt = (s: string): string | null => (s.trim() ? s.trim() : null)

/** The body of POST /api/callers (and, with `version`, PUT /api/callers/{id}). */
export function formToBody(f: CallerForm): Record<string, unknown> {
  return {
    name: f.name.trim(), gender: opt(f.gender), id_number: opt(f.id_number), district: opt(f.district),
    address: opt(f.address), notes: opt(f.notes),
    phones: f.phones.filter((p) => p.number.trim()).map((p) => ({ number: p.number.trim(), label: opt(p.label) })),
    care_profile: f.care
      ? {
          living_alone: f.living_alone, age: f.age, disability_level: opt(f.disability_level),
          assistance_status: opt(f.assistance_status), health_notes: opt(f.health_notes),
          priority_level: f.priority_level,
        }
      : null,
    emergency_contacts: f.contacts.map((c) => ({ name: c.name.trim(), relation: opt(c.relation), phone: c.phone.trim() })),
  }
}
