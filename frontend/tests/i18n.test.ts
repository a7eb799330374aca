import { describe, expect, it } from 'vitest'
import zh from '../src/i18n/zh-CN'
import en from '../src/i18n/en'

function keys(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === 'object' ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`],
  )
}

describe('locales', () => {
  it('zh-CN and en have the same keys', () => {
    expect(keys(en).sort()).toEqual(keys(zh).sort())
  })
  it('every zh-CN message is non-empty', () => {
    const flat = keys(zh)
    expect(flat.length).toBeGreaterThan(100)
  })
})
