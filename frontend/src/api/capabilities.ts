/**
 * Which API endpoints this server has, read once from /api/capabilities (method and path template
 * of each route: a few kilobytes, where the OpenAPI document is a megabyte the server must build).
 *
 * The console is built alongside the backend domains; a page whose API is not deployed shows a
 * clear "not available" state instead of failing or inventing data.
 */
import { ref } from 'vue'

const routes = ref<Set<string> | null>(null)
let loading: Promise<void> | null = null

/** Turn an OpenAPI path template into a matcher: /api/x/{id} matches /api/x/12. */
function templateToRegex(path: string): RegExp {
  const parts = path.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${parts.join('[^/]+')}$`)
}

let matchers: { method: string; re: RegExp }[] = []

/** The server's routes as [METHOD, path template] pairs. */
export function setRoutes(list: [string, string][]): void {
  const set = new Set<string>()
  matchers = []
  for (const [method, path] of list) {
    set.add(`${method.toUpperCase()} ${path}`)
    matchers.push({ method: method.toUpperCase(), re: templateToRegex(path) })
  }
  routes.value = set
}

export function loadCapabilities(force = false): Promise<void> {
  if (loading && !force) return loading
  loading = fetch('/api/capabilities', { credentials: 'same-origin' })
    .then((r) => (r.ok ? r.json() : { routes: [] }))
    .then((doc: { routes?: [string, string][] }) => setRoutes(doc.routes ?? []))
    .catch(() => setRoutes([]))
  return loading
}

/** Does the server have `METHOD path` (a concrete path such as /api/workorders/5)? */
export function hasEndpoint(path: string, method = 'GET'): boolean {
  if (!routes.value) return false
  const m = method.toUpperCase()
  if (routes.value.has(`${m} ${path}`)) return true
  return matchers.some((x) => x.method === m && x.re.test(path))
}

/** Does any endpoint start with this prefix (a whole domain such as /api/knowledge)? */
export function hasDomain(prefix: string): boolean {
  if (!routes.value) return false
  for (const key of routes.value) if (key.split(' ')[1].startsWith(prefix)) return true
  return false
}

export const capabilitiesLoaded = (): boolean => routes.value !== null
