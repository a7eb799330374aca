/** One shared clock ref (epoch ms) updated every second while anything uses it. */
import { onBeforeUnmount, ref, type Ref } from 'vue'

const now = ref(Date.now())
let users = 0
let timer: ReturnType<typeof setInterval> | undefined

export function useNow(): Ref<number> {
  if (users++ === 0) timer = setInterval(() => (now.value = Date.now()), 1000)
  onBeforeUnmount(() => {
    if (--users === 0) clearInterval(timer)
  })
  return now
}
