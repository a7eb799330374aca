/**
 * A cursor-paged list bound to an API path: first page on load(), more on more(), with the
 * "endpoint not deployed" state kept apart from real errors.
 */
import { ref, type Ref } from 'vue'
import { api, ApiError, type Page, type Query } from './client'

export interface Paged<T> {
  items: Ref<T[]>
  next: Ref<string | null>
  loading: Ref<boolean>
  missing: Ref<boolean>
  error: Ref<string>
  load: () => Promise<void>
  more: () => Promise<void>
}

export function usePaged<T>(path: string | (() => string), query: () => Query = () => ({}), limit = 50): Paged<T> {
  const items = ref<T[]>([]) as Ref<T[]>
  const next = ref<string | null>(null)
  const loading = ref(false)
  const missing = ref(false)
  const error = ref('')
  const url = (): string => (typeof path === 'function' ? path() : path)

  async function fetchPage(cursor: string | null): Promise<void> {
    loading.value = true
    error.value = ''
    try {
      const page = await api<Page<T>>(url(), { query: { ...query(), limit, cursor: cursor ?? undefined } })
      items.value = cursor ? [...items.value, ...page.items] : page.items
      next.value = page.next_cursor
      missing.value = false
    } catch (e) {
      if (e instanceof ApiError && e.missingEndpoint) missing.value = true
      else error.value = e instanceof Error ? e.message : String(e)
      if (!cursor) items.value = []
    } finally {
      loading.value = false
    }
  }

  return {
    items,
    next,
    loading,
    missing,
    error,
    load: () => fetchPage(null),
    more: () => (next.value ? fetchPage(next.value) : Promise.resolve()),
  }
}
