import { describe, expect, it } from 'vitest'
import { parsePeers, promptMatches, trunkHealthLabel } from '../src/utils/telephony'

describe('telephony admin helpers', () => {
  it('parses peers separated by commas, Chinese punctuation and spaces, without duplicates', () => {
    expect(parsePeers(' 10.0.0.6, 10.0.0.7，10.0.0.8、10.0.0.6 ;10.0.0.9 ')).toEqual(['10.0.0.6', '10.0.0.7', '10.0.0.8', '10.0.0.9'])
    expect(parsePeers('')).toEqual([])
  })
  it('words a trunk check: silent on 408, else status and round trip', () => {
    const t = (key: string, args?: Record<string, unknown>) => `${key}${args ? JSON.stringify(args) : ''}`
    expect(trunkHealthLabel({ status: 408, rtt_ms: 4000, at: 0 }, t)).toBe('tel.silent')
    expect(trunkHealthLabel({ status: 200, rtt_ms: 3.6, at: 0 }, t)).toBe('tel.answered{"status":200,"ms":4}')
  })
  it('filters prompts by name or words', () => {
    const p = { name: 'position-3', text: '您前面还有3位来电人。' }
    expect(promptMatches(p, '')).toBe(true)
    expect(promptMatches(p, 'POSITION')).toBe(true)
    expect(promptMatches(p, '来电人')).toBe(true)
    expect(promptMatches({ name: 'moh', text: null }, '来电')).toBe(false)
  })
})
