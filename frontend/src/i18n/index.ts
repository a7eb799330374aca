/**
 * vue-i18n setup: zh-CN by default, English second; the choice is remembered per browser.
 *
 * The locale files are compiled at build time (@intlify/unplugin-vue-i18n, vite.config.ts): the
 * bundle gets message ASTs and vue-i18n's runtime build without the message parser, so no message
 * is parsed, compiled or evaluated from a string in the browser.
 */
import { compile, type MessageCompiler } from '@intlify/core-base'
import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN'
import en from './en'

declare const __INTLIFY_DROP_MESSAGE_COMPILER__: boolean | undefined
const parserDropped = typeof __INTLIFY_DROP_MESSAGE_COMPILER__ !== 'undefined' && __INTLIFY_DROP_MESSAGE_COMPILER__

/**
 * Precompiled messages (ASTs) go to vue-i18n's own compiler. With the parser dropped, the only
 * strings left are default messages, `t(key, fallback)` for a value the locales do not name yet
 * (a new work-order action, an article field): shown as they are, since vue-i18n would throw on
 * them. Without the build plugin (unit tests) strings are compiled as usual.
 */
const messageCompiler: MessageCompiler = (message, context) =>
  parserDropped && typeof message === 'string' ? () => message : compile(message, context)

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem('hotline.locale')
    if (saved === 'en' || saved === 'zh-CN') return saved
  } catch {
    /* storage unavailable */
  }
  return 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
  messageCompiler,
})

export function setLocale(l: Locale): void {
  i18n.global.locale.value = l
  try {
    localStorage.setItem('hotline.locale', l)
  } catch {
    /* ignore */
  }
}
