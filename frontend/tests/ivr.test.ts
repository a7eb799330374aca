import { describe, expect, it } from 'vitest'
import { layout, localCheck, newNode, references, toGraph, type IvrFlowDef } from '../src/utils/ivrGraph'

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
    expect(g.edges).toHaveLength(4)
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
})
