/**
 * The console's live events in the page: a page's live socket (openLiveSocket) hands each message
 * to `emitLive`, and components that only care about some topics listen with `onLiveEvents`
 * instead of opening a socket of their own (the workspace's 我的班次 box on the workspace socket).
 */
export type LiveListener = (type: string, data: Record<string, unknown>) => void

const listeners = new Set<LiveListener>()

/** Pass one socket message to every listener (a throwing listener does not stop the others). */
export function emitLive(type: string, data: unknown): void {
  const d = (data ?? {}) as Record<string, unknown>
  for (const listen of [...listeners]) {
    try {
      listen(type, d)
    } catch (err) {
      console.error(err)
    }
  }
}

/** Call `handler` for messages of the given topics; returns the unsubscribe function. */
export function onLiveEvents(types: ReadonlySet<string>, handler: LiveListener): () => void {
  const listen: LiveListener = (type, data) => {
    if (types.has(type)) handler(type, data)
  }
  listeners.add(listen)
  return () => listeners.delete(listen)
}
