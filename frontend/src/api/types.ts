/** Shapes of the foundation API (hotline/people/schemas.py, routers/auth.py, routers/audit.py). */
export interface User {
  id: number
  username: string
  display_name: string
  role: string
  department_id: number | null
  extension: string | null
  /** 工号: the number callers hear when this agent connects (per-queue announcement). */
  agent_number?: string | null
  active: boolean
  /** The password was set by an admin: the user must choose their own before anything else. */
  must_change_password?: boolean
  created_at: string
  version: number
}

export interface Me extends User {
  permissions: string[]
}

export interface Department {
  id: number
  code: string
  name: string
  parent_id: number | null
  contact_phone: string | null
  active: boolean
  version: number
}

export interface CareProfile {
  living_alone: boolean
  age: number | null
  disability_level: string | null
  assistance_status: string | null
  health_notes: string | null
  priority_level: number
}

export interface Caller {
  id: number
  name: string
  id_number: string | null
  gender: string | null
  address: string | null
  district: string | null
  notes: string | null
  phones: { number: string; label: string | null }[]
  care_profile: CareProfile | null
  emergency_contacts: { name: string; relation: string | null; phone: string }[]
  created_at: string
  updated_at: string
  version: number
  masked: boolean
}

export interface AuditEntry {
  id: number
  at: string
  actor_id: number | null
  actor: string
  action: string
  entity: string
  entity_id: string | null
  before: Record<string, unknown> | null
  after: Record<string, unknown> | null
  ip: string | null
  /** Chinese names of the action and the object (the server's audit labels). */
  action_zh?: string
  entity_zh?: string
}

/** Rows of APIs still being built elsewhere are read loosely and shown field by field. */
export type Row = Record<string, unknown>
