import { describe, expect, it } from 'vitest'
import { matchShortcut, SHORTCUTS } from '../src/utils/shortcuts'
import { safeHighlight } from '../src/api/knowledge'
import { categoryLabel } from '../src/api/workorders'

const key = (k: string, extra: Partial<{ altKey: boolean; code: string; ctrlKey: boolean; target: EventTarget | null }> = {}) => ({
  key: k, altKey: false, ctrlKey: false, metaKey: false, ...extra,
})

describe('shortcuts', () => {
  it('every call action has a distinct shortcut', () => {
    const labels = SHORTCUTS.map((s) => s.label)
    expect(new Set(labels).size).toBe(labels.length)
    for (const a of ['ready', 'notReady', 'answer', 'hangup', 'hold', 'transfer', 'conference', 'dialPad', 'mark', 'pick']) {
      expect(SHORTCUTS.some((s) => s.action === a)).toBe(true)
    }
  })
  it('matches Alt+letter by code (macOS Alt changes key)', () => {
    expect(matchShortcut(key('˙', { altKey: true, code: 'KeyH' }))).toBe('hangup')
    expect(matchShortcut(key('r', { altKey: true }))).toBe('ready')
  })
  it('ignores Ctrl combinations and plain letters', () => {
    expect(matchShortcut(key('h', { altKey: true, ctrlKey: true, code: 'KeyH' }))).toBeNull()
    expect(matchShortcut(key('h'))).toBeNull()
  })
  it('opens help with ? except while typing', () => {
    expect(matchShortcut(key('?'))).toBe('help')
    const input = document.createElement('input')
    expect(matchShortcut(key('?', { target: input }))).toBeNull()
  })
})

describe('highlights', () => {
  it('keeps em as mark and escapes everything else', () => {
    expect(safeHighlight('<em>低保</em>申请')).toBe('<mark>低保</mark>申请')
    expect(safeHighlight('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;')
    expect(safeHighlight('<em onclick="x">a</em>')).toBe('&lt;em onclick="x"&gt;a</mark>')
  })
})

describe('categories', () => {
  it('labels a category with its parents', () => {
    const list = [
      { id: 1, code: '01', name: '养老服务', parent_id: null, default_department_id: 2 },
      { id: 2, code: '0101', name: '居家养老', parent_id: 1, default_department_id: 2 },
    ]
    expect(categoryLabel(2, list)).toBe('养老服务 / 居家养老')
    expect(categoryLabel(null, list)).toBe('—')
  })
})
