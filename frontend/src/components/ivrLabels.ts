/**
 * Edge labels of the IVR graph placed together: each edge reports its label's box at its
 * midpoint, the registry spreads them (utils/ivrGraph.spreadLabels) and each edge draws its label
 * where it was placed. Shared by IvrEditor (provide) and IvrEdge (inject).
 */
import { computed, shallowRef, type ComputedRef, type InjectionKey } from 'vue'
import { spreadLabels, type LabelBox } from '../utils/ivrGraph'

export interface LabelRegistry {
  report: (box: LabelBox) => void
  drop: (id: string) => void
  placed: ComputedRef<Record<string, { x: number; y: number }>>
}

export const LABELS: InjectionKey<LabelRegistry> = Symbol('ivr-edge-labels')

/** `obstacles`: boxes labels must keep off (the nodes, centre and size in flow coordinates). */
export function labelRegistry(obstacles: () => LabelBox[] = () => []): LabelRegistry {
  const boxes = new Map<string, LabelBox>()
  const version = shallowRef(0)
  const same = (a: LabelBox | undefined, b: LabelBox): boolean =>
    !!a && Math.abs(a.x - b.x) < 0.5 && Math.abs(a.y - b.y) < 0.5 && a.w === b.w && a.h === b.h
  return {
    report: (box) => {
      if (same(boxes.get(box.id), box)) return
      boxes.set(box.id, box)
      version.value++
    },
    drop: (id) => {
      if (boxes.delete(id)) version.value++
    },
    placed: computed(() => (version.value, spreadLabels([...boxes.values()], obstacles()))),
  }
}
