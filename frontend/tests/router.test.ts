import { describe, expect, it } from 'vitest'
import { consoleRoutes, homeFor } from '../src/router'
import { ROLE_SAMPLE } from './roles'

describe('role homes', () => {
  for (const [role, perms, home] of ROLE_SAMPLE) {
    it(`${role} lands on ${home}`, () => {
      const set = new Set(perms)
      const can = (p: string | string[] | undefined) => !p || (Array.isArray(p) ? p : [p]).some((x) => set.has(x))
      expect(homeFor(role, can)).toBe(home)
    })
  }
  it('every page names a permission', () => {
    for (const r of consoleRoutes) expect(r.meta?.perm, String(r.name)).toBeTruthy()
  })
  it('a role without any page gets the forbidden page', () => {
    expect(homeFor('nobody', () => false)).toBe('/forbidden')
  })
})
