/** Unified-diff text (from the knowledge API) split into lines classed for colouring. */
export interface DiffLine {
  kind: 'add' | 'del' | 'hunk' | 'ctx' | 'file'
  text: string
}

export function diffLines(diff: string): DiffLine[] {
  return diff.split('\n').map((text) => {
    if (text.startsWith('+++') || text.startsWith('---')) return { kind: 'file', text }
    if (text.startsWith('@@')) return { kind: 'hunk', text }
    if (text.startsWith('+')) return { kind: 'add', text }
    if (text.startsWith('-')) return { kind: 'del', text }
    return { kind: 'ctx', text }
  })
}
