import { describe, expect, it } from 'vitest'
import { caseLabel, joinLabels, labelSize, layout, localCheck, newNode, references, spreadLabels, toGraph, type IvrFlowDef, type LabelBox } from '../src/utils/ivrGraph'

const flow: IvrFlowDef = {
  start: 'welcome',
  nodes: {
    welcome: { type: 'play', prompt: 'w', next: 'menu' },
    menu: { type: 'menu', prompt: 'm', options: { '1': 'q', '0': 'q' }, no_input: 'q' },
    q: { type: 'enqueue', queue: 'general' },
    orphan: { type: 'hangup' },
  },
}

describe('ivr graph', () => {
  it('follows every reference kind', () => {
    expect(references(flow.nodes.menu).map((r) => r.label)).toEqual(['无按键', '按 0', '按 1'])
  })
  it('lays out by distance from the start, unreachable last', () => {
    const pos = layout(flow)
    expect(pos.welcome.x).toBe(0)
    expect(pos.menu.x).toBe(240)
    expect(pos.q.x).toBe(480)
    expect(pos.orphan.x).toBe(720)
  })
  it('builds nodes and edges', () => {
    const g = toGraph(flow)
    expect(g.nodes).toHaveLength(4)
    // the three keys from menu to q are one edge with one label, not three drawn on one another
    expect(g.edges.map((e) => [e.source, e.target, e.label])).toEqual([['welcome', 'menu', ''], ['menu', 'q', '无按键、按 0/1']])
    expect(g.nodes.find((n) => n.id === 'welcome')?.data.start).toBe(true)
  })
  it('finds dangling references', () => {
    const bad: IvrFlowDef = { start: 'x', nodes: { a: { type: 'play', prompt: 'p', next: 'nope' } } }
    expect(localCheck(bad)).toEqual(['起始节点“x”不存在', '节点“a”指向不存在的节点“nope”'])
    expect(localCheck(flow)).toEqual([])
  })
  it('flags targets not chosen yet and ids outside a-z0-9_', () => {
    const menu = newNode('menu', 'welcome')
    expect(menu.options).toEqual({})
    const bad: IvrFlowDef = { start: 'a', nodes: { a: { type: 'play', prompt: 'p', next: 'bad id!' }, 'bad id!': menu } }
    expect(localCheck(bad)).toEqual(['节点“bad id!”的“无按键”尚未选择目标节点', '节点编号“bad id!”只能包含小写字母、数字和下划线'])
  })
  it('creates nodes of every type', () => {
    for (const t of ['play', 'menu', 'collect', 'branch', 'set', 'enqueue', 'transfer', 'voicemail', 'survey', 'emergency', 'hangup']) {
      expect(newNode(t, 'q').type).toBe(t)
    }
  })
})

import { peaks } from '../src/utils/waveform'

describe('waveform', () => {
  it('takes the peak of each bucket', () => {
    expect(peaks([0, 0.5, -0.9, 0.1, 0.2, -0.3], 3)).toEqual([0.5, 0.9, 0.3])
    expect(peaks([], 10)).toEqual([])
  })

  it('joins the labels of parallel edges', () => {
    expect(joinLabels(['按 1'])).toBe('按 1')
    expect(joinLabels(['', '错键'])).toBe('错键')
    expect(joinLabels(['无按键', '错键', '按 9'])).toBe('无按键、错键、按 9')
  })
  it('spreads labels so that none covers another', () => {
    const size = labelSize('按 1')
    expect(labelSize('无按键').w).toBeGreaterThan(size.w)
    // five labels on one spot, and one far away that keeps its place
    const boxes: LabelBox[] = [...Array.from({ length: 5 }, (_, i) => ({ id: `e${i}`, x: 100, y: 100, ...size })), { id: 'far', x: 900, y: 900, ...size }]
    const at = spreadLabels(boxes)
    expect(at.far).toEqual({ x: 900, y: 900 })
    expect(at.e0).toEqual({ x: 100, y: 100 })
    const placed = boxes.map((b) => ({ ...b, ...at[b.id] }))
    for (const a of placed) {
      for (const b of placed) {
        if (a.id < b.id) expect(Math.abs(a.x - b.x) * 2 >= a.w + b.w || Math.abs(a.y - b.y) * 2 >= a.h + b.h).toBe(true)
      }
    }
    expect(spreadLabels(boxes)).toEqual(at) // the same every render
  })

  it('names branch cases in words, a variable\'s values as they are', () => {
    expect(caseLabel({ type: 'branch', on: 'business_hours' }, 'open')).toBe('工作时间内')
    expect(caseLabel({ type: 'branch', on: 'care_profile' }, 'care')).toBe('关爱对象')
    expect(caseLabel({ type: 'branch', on: 'care_profile' }, 'level>=2')).toBe('关爱等级≥2')
    expect(caseLabel({ type: 'branch', on: 'variable' }, 'open')).toBe('open')
  })
  it('keeps labels off the nodes', () => {
    const size = labelSize('按 1')
    const node = { id: 'node:a', x: 100, y: 100, w: 174, h: 44 }
    const at = spreadLabels([{ id: 'e', x: 100, y: 100, ...size }], [node])
    expect(Math.abs(at.e.x - 100) * 2 >= size.w + node.w || Math.abs(at.e.y - 100) * 2 >= size.h + node.h).toBe(true)
  })
})
