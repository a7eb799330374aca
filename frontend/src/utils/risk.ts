/**
 * Risk flags for a caller's care profile, shown first in the screen pop so the agent sees at a
 * glance that an elderly caller lives alone, is very old, disabled or under assistance.
 */
import type { Caller } from '../api/types'

export type RiskFlag = 'living_alone' | 'very_old' | 'disability' | 'assistance' | 'health' | 'high_priority'

export const RISK_LABELS: Record<RiskFlag, string> = {
  living_alone: '独居',
  very_old: '高龄',
  disability: '残疾',
  assistance: '救助对象',
  health: '健康风险',
  high_priority: '重点关爱',
}

export const RISK_LABELS_EN: Record<RiskFlag, string> = {
  living_alone: 'Lives alone',
  very_old: 'Very old',
  disability: 'Disability',
  assistance: 'Under assistance',
  health: 'Health risk',
  high_priority: 'Priority care',
}

export function riskFlags(caller: Pick<Caller, 'care_profile'> | null | undefined): RiskFlag[] {
  const p = caller?.care_profile
  if (!p) return []
  const out: RiskFlag[] = []
  if (p.priority_level >= 2) out.push('high_priority')
  if (p.living_alone) out.push('living_alone')
  if (p.age !== null && p.age >= 80) out.push('very_old')
  if (p.disability_level) out.push('disability')
  if (p.assistance_status) out.push('assistance')
  if (p.health_notes) out.push('health')
  return out
}
