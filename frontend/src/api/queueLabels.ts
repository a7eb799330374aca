/**
 * Queue names for showing a queue code (elderly → 养老服务) anywhere in the console. Roles that may
 * list the queues read /api/acd/queues; the others (QA inspector, analyst) get the names the live
 * KPIs carry. Loaded once per page load.
 */
import { ref, type Ref } from 'vue'
import { api, type Page } from './client'

const labels = ref<Record<string, string>>({})
let loading: Promise<void> | null = null

async function load(): Promise<void> {
  const queues = await api<Page<{ name: string; label: string }>>('/api/acd/queues', { query: { limit: 100 }, silent: true }).catch(() => null)
  if (queues) {
    labels.value = Object.fromEntries(queues.items.map((q) => [q.name, q.label]))
    return
  }
  const kpis = await api<Record<string, { label?: string | null }>>('/api/calls/kpis', { silent: true }).catch(() => null)
  labels.value = Object.fromEntries(Object.entries(kpis ?? {}).filter(([, k]) => k.label).map(([name, k]) => [name, String(k.label)]))
}

/** `label(code)`: the queue's name, or the code while names load (or for a queue since deleted). */
export function useQueueLabels(): { labels: Ref<Record<string, string>>; label: (code: string | null | undefined) => string } {
  loading ??= load().catch(() => undefined)
  return { labels, label: (code) => (code ? labels.value[code] ?? code : '') }
}
