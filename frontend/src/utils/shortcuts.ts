/**
 * Keyboard shortcuts of the agent workspace: every call action has one, shown in the help overlay.
 * Alt+letter so they work while the agent types in a form; "?" opens the help outside inputs.
 */
export type ShortcutAction =
  | 'ready' | 'notReady' | 'answer' | 'hangup' | 'hold' | 'transfer' | 'conference' | 'dialPad' | 'mark'
  | 'pick' | 'lookup' | 'workorder' | 'knowledge' | 'resolve' | 'help'

export interface Shortcut {
  action: ShortcutAction
  key: string // KeyboardEvent.key, lower case
  alt?: boolean
  label: string // how it is shown: "Alt+R"
  i18n: string // message key of the action's name
}

export const SHORTCUTS: Shortcut[] = [
  { action: 'ready', key: 'r', alt: true, label: 'Alt+R', i18n: 'agent.ready' },
  { action: 'notReady', key: 'n', alt: true, label: 'Alt+N', i18n: 'agent.notReady' },
  { action: 'answer', key: 'a', alt: true, label: 'Alt+A', i18n: 'agent.answer' },
  { action: 'hangup', key: 'h', alt: true, label: 'Alt+H', i18n: 'agent.hangup' },
  { action: 'hold', key: 'o', alt: true, label: 'Alt+O', i18n: 'agent.holdCall' },
  { action: 'transfer', key: 't', alt: true, label: 'Alt+T', i18n: 'agent.transfer' },
  { action: 'conference', key: 'c', alt: true, label: 'Alt+C', i18n: 'agent.conference' },
  { action: 'dialPad', key: 'd', alt: true, label: 'Alt+D', i18n: 'agent.dialPad' },
  { action: 'mark', key: 'm', alt: true, label: 'Alt+M', i18n: 'agent.mark' },
  { action: 'pick', key: 'p', alt: true, label: 'Alt+P', i18n: 'agent.pick' },
  { action: 'lookup', key: 'l', alt: true, label: 'Alt+L', i18n: 'agent.lookup' },
  { action: 'workorder', key: 'w', alt: true, label: 'Alt+W', i18n: 'wo.createFromCall' },
  { action: 'knowledge', key: 'k', alt: true, label: 'Alt+K', i18n: 'kb.search' },
  { action: 'resolve', key: 'e', alt: true, label: 'Alt+E', i18n: 'agent.resolveOnCall' },
  { action: 'help', key: '?', label: '?', i18n: 'agent.shortcutHelp' },
]

export interface KeyLike {
  key: string
  code?: string
  altKey: boolean
  ctrlKey: boolean
  metaKey: boolean
  target?: EventTarget | null
}

function typing(target: EventTarget | null | undefined): boolean {
  const el = target as HTMLElement | null
  if (!el || !el.tagName) return false
  return el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable
}

/** The action a key press triggers, if any. Alt+letter uses `code` too (Alt changes `key` on macOS). */
export function matchShortcut(e: KeyLike, list: Shortcut[] = SHORTCUTS): ShortcutAction | null {
  if (e.ctrlKey || e.metaKey) return null
  for (const s of list) {
    if (s.alt) {
      if (!e.altKey) continue
      const letter = e.code?.startsWith('Key') ? e.code.slice(3).toLowerCase() : e.key.toLowerCase()
      if (letter === s.key) return s.action
    } else if (!e.altKey && e.key === s.key && !typing(e.target)) {
      return s.action
    }
  }
  return null
}

/** True while a dialog or message box is open: the workspace's shortcuts then stay quiet. */
export function dialogOpen(doc: Document = document): boolean {
  // An overlay fading out (its leave transition running) is already closed for the agent.
  return Array.from(doc.querySelectorAll<HTMLElement>('.el-overlay')).some(
    (el) => el.style.display !== 'none' && !/-leave-/.test(el.className) && getComputedStyle(el).display !== 'none',
  )
}
