/**
 * Page-by-page browsing of a newest-first list that pages by id (`?limit=&before=`): the next
 * page holds the ids below the last one shown; going back pops the cursor stack. One extra row is
 * fetched to know whether an older page exists, so no total count is needed.
 */
import { computed, ref, type ComputedRef, type Ref } from 'vue'
import { api, type Query } from './client'

export interface IdPages<T> {
  items: Ref<T[]>
  page: ComputedRef<number>
  hasOlder: Ref<boolean>
  loading: Ref<boolean>
  load: () => Promise<void>
  older: () => Promise<void>
  newer: () => Promise<void>
  reload: () => Promise<void>
}

export function useIdPages<T extends { id: number }>(path: string, query: () => Query = () => ({}), size = 20): IdPages<T> {
  const items = ref<T[]>([]) as Ref<T[]>
  const cursors = ref<(number | undefined)[]>([undefined])
  const hasOlder = ref(false)
  const loading = ref(false)

  async function fetchAt(before: number | undefined): Promise<void> {
    loading.value = true
    try {
      const rows = await api<T[]>(path, { query: { ...query(), limit: size + 1, before } })
      hasOlder.value = rows.length > size
      items.value = rows.slice(0, size)
    } finally {
      loading.value = false
    }
  }

  return {
    items,
    page: computed(() => cursors.value.length),
    hasOlder,
    loading,
    /** The first (newest) page, e.g. after the filter changed. */
    load: async () => {
      cursors.value = [undefined]
      await fetchAt(undefined)
    },
    older: async () => {
      const last = items.value[items.value.length - 1]
      if (!hasOlder.value || !last) return
      cursors.value = [...cursors.value, last.id]
      await fetchAt(last.id)
    },
    newer: async () => {
      if (cursors.value.length < 2) return
      cursors.value = cursors.value.slice(0, -1)
      await fetchAt(cursors.value[cursors.value.length - 1])
    },
    /** The page being looked at again (after a retry changed a row). */
    reload: () => fetchAt(cursors.value[cursors.value.length - 1]),
  }
}
