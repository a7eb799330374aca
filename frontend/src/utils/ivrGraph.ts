/**
 * IVR flow JSON <-> node graph for the editor. A flow is {start, nodes: {id: {type, ...}}}; edges
 * are the references hotline/ivr/flow.py follows (next, no_input, invalid, default, options.*,
 * cases.*). Positions are not part of the flow (the server schema forbids extra fields), so the
 * editor lays nodes out in layers by distance from the start.
 */
export type IvrNode = Record<string, unknown> & { type: string; label?: string | null }
export interface IvrFlowDef {
  start: string
  nodes: Record<string, IvrNode>
  variables?: Record<string, string>
  /** Node positions in the editor, saved with the flow (the IVR itself ignores them). */
  layout?: Record<string, { x: number; y: number }>
}

export interface GraphEdge {
  id: string
  source: string
  target: string
  label: string
}

export interface GraphNode {
  id: string
  position: { x: number; y: number }
  data: { node: IvrNode; start: boolean }
  label: string
}

const SINGLE_REFS = ['next', 'no_input', 'invalid', 'default'] as const
const MAP_REFS = ['options', 'cases'] as const
/** Edge labels: short, so labels of edges leaving one node do not run into each other. */
const EDGE_LABEL: Record<string, string> = { next: '', no_input: '无按键', invalid: '错键', default: '其他' }
/** A branch's case keys in words (hotline/ivr/flow.py Branch); a variable's values are the
 * administrator's own and shown as they are. */
const CASE_LABEL: Record<string, string> = {
  open: '工作时间内', closed: '非工作时间', holiday: '节假日', workday: '工作日', care: '关爱对象', none: '非关爱对象',
  yes: '有未办结工单', no: '无未办结工单', busy: '队列繁忙', normal: '队列正常',
}
export function caseLabel(node: IvrNode, key: string): string {
  if (node.on === 'variable') return key
  const level = /^level>=(\d+)$/.exec(key)
  if (level) return `关爱等级≥${level[1]}`
  return CASE_LABEL[key] ?? key
}
/** Node ids are keys in the flow JSON and appear in call records: plain ASCII, no spaces. */
export const NODE_ID = /^[a-z0-9_]+$/

export function references(node: IvrNode): { label: string; target: string }[] {
  const out: { label: string; target: string }[] = []
  for (const k of SINGLE_REFS) {
    const v = node[k]
    if (typeof v === 'string' && v) out.push({ label: EDGE_LABEL[k], target: v })
  }
  for (const k of MAP_REFS) {
    const m = node[k]
    if (m && typeof m === 'object') {
      for (const [key, v] of Object.entries(m as Record<string, unknown>)) {
        if (typeof v === 'string' && v) out.push({ label: k === 'options' ? `按 ${key}` : caseLabel(node, key), target: v })
      }
    }
  }
  return out
}

/** Layers by breadth-first distance from the start; unreachable nodes go in a last layer. */
export function layout(def: IvrFlowDef, dx = 240, dy = 110): Record<string, { x: number; y: number }> {
  const depth: Record<string, number> = {}
  const queue: string[] = []
  if (def.nodes[def.start]) {
    depth[def.start] = 0
    queue.push(def.start)
  }
  while (queue.length) {
    const id = queue.shift() as string
    for (const r of references(def.nodes[id])) {
      if (def.nodes[r.target] && depth[r.target] === undefined) {
        depth[r.target] = depth[id] + 1
        queue.push(r.target)
      }
    }
  }
  const maxDepth = Math.max(0, ...Object.values(depth))
  const rows: Record<number, number> = {}
  const out: Record<string, { x: number; y: number }> = {}
  for (const id of Object.keys(def.nodes)) {
    const d = depth[id] ?? maxDepth + 1
    const row = rows[d] ?? 0
    rows[d] = row + 1
    out[id] = { x: d * dx, y: row * dy }
  }
  return out
}

export function toGraph(def: IvrFlowDef, positions?: Record<string, { x: number; y: number }>): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const pos = { ...layout(def), ...(positions ?? {}) }
  const nodes = Object.entries(def.nodes).map(([id, node]) => ({
    id,
    position: pos[id] ?? { x: 0, y: 0 },
    data: { node, start: id === def.start },
    label: node.label || id,
  }))
  const edges: GraphEdge[] = []
  for (const [id, node] of Object.entries(def.nodes)) {
    // Parallel edges (several keys to the same node) would be drawn on one another, labels and
    // all: one edge per target carries every way there ("无按键、按 0/1").
    const byTarget = new Map<string, { index: number; labels: string[] }>()
    references(node).forEach((r, i) => {
      const hit = byTarget.get(r.target)
      if (hit) hit.labels.push(r.label)
      else byTarget.set(r.target, { index: i, labels: [r.label] })
    })
    for (const [target, { index, labels }] of byTarget) {
      edges.push({ id: `${id}-${index}-${target}`, source: id, target, label: joinLabels(labels) })
    }
  }
  return { nodes, edges }
}

/** The labels of the ways from one node to another as one short label: keys merged ("按 0/1"). */
export function joinLabels(labels: string[]): string {
  const keys = labels.filter((l) => l.startsWith('按 ')).map((l) => l.slice(2))
  const others = labels.filter((l) => l && !l.startsWith('按 '))
  return [...others, ...(keys.length ? [`按 ${keys.join('/')}`] : [])].join('、')
}

/** A label's box (centre x, y and size) in flow coordinates. */
export interface LabelBox { id: string; x: number; y: number; w: number; h: number }

/** The drawn size of an edge label at 11 px with the background's padding (4 × 2 px), a little
 * generous so that estimated boxes that do not touch never touch once drawn. */
export function labelSize(text: string): { w: number; h: number } {
  let w = 0
  for (const ch of text) w += /[\u2e80-\uffff]/.test(ch) ? 11.5 : 7
  return { w: Math.ceil(w) + 10, h: 19 }
}

const overlaps = (a: LabelBox, b: LabelBox): boolean =>
  Math.abs(a.x - b.x) * 2 < a.w + b.w && Math.abs(a.y - b.y) * 2 < a.h + b.h

/**
 * Where to draw each label so that none covers another (nor a `fixed` box: the nodes): labels keep
 * their edge's midpoint when it is free, otherwise the nearest free place stepping along y (then
 * x) by a label's size.
 * Deterministic (top-to-bottom, left-to-right) so labels do not jump between renders.
 */
export function spreadLabels(boxes: LabelBox[], fixed: LabelBox[] = [], gap = 3): Record<string, { x: number; y: number }> {
  const out: Record<string, { x: number; y: number }> = {}
  const placed: LabelBox[] = [...fixed] // the nodes: a label under a node could not be read
  const order = [...boxes].sort((a, b) => a.y - b.y || a.x - b.x || a.id.localeCompare(b.id))
  for (const box of order) {
    const dy = box.h + gap
    const dx = box.w / 2 + gap
    let spot = box
    search: for (let ring = 0; ring <= 8; ring++) {
      for (const [mx, my] of ring === 0 ? [[0, 0]] : [[0, ring], [0, -ring], [ring, 0], [-ring, 0], [ring, ring], [-ring, ring], [ring, -ring], [-ring, -ring]]) {
        const cand = { ...box, x: box.x + mx * dx, y: box.y + my * dy }
        if (!placed.some((p) => overlaps(p, cand))) {
          spot = cand
          break search
        }
      }
    }
    placed.push(spot)
    out[box.id] = { x: spot.x, y: spot.y }
  }
  return out
}

/** Problems the editor can see before asking the server: dangling references, missing start. */
export function localCheck(def: IvrFlowDef): string[] {
  const errors: string[] = []
  if (!def.nodes[def.start]) errors.push(`起始节点“${def.start}”不存在`)
  for (const [id, node] of Object.entries(def.nodes)) {
    for (const r of references(node)) if (!def.nodes[r.target]) errors.push(`节点“${id}”指向不存在的节点“${r.target}”`)
    for (const k of SINGLE_REFS) if (node[k] === '') errors.push(`节点“${id}”的“${EDGE_LABEL[k] || '下一步'}”尚未选择目标节点`)
    for (const k of MAP_REFS) {
      for (const [key, v] of Object.entries((node[k] as Record<string, unknown>) ?? {})) {
        if (v === '') errors.push(`节点“${id}”的“${k === 'options' ? `按 ${key}` : key}”尚未选择目标节点`)
      }
    }
    if (!NODE_ID.test(id)) errors.push(`节点编号“${id}”只能包含小写字母、数字和下划线`)
  }
  return errors
}

/** Default fields for a new node of each type (the server validates the rest). */
export function newNode(type: string, fallback: string): IvrNode {
  switch (type) {
    case 'play': return { type, prompt: 'prompt', text: '', next: fallback }
    // No default key: pointing "0" at the start node would quietly loop the caller.
    case 'menu': return { type, prompt: 'menu', text: '', options: {}, no_input: '' }
    case 'collect': return { type, prompt: 'collect', text: '', variable: 'digits', next: fallback, no_input: fallback }
    case 'branch': return { type, on: 'business_hours', cases: {}, default: fallback }
    case 'set': return { type, variable: 'var', value: '', next: fallback }
    case 'enqueue': return { type, queue: 'general' }
    case 'transfer': return { type, target_kind: 'queue', target: 'general' }
    case 'voicemail': return { type, prompt: 'voicemail', text: '' }
    case 'survey': return { type, survey: 'default' }
    case 'emergency': return { type, numbers: ['120'], contacts: true }
    default: return { type: 'hangup', text: '' }
  }
}
