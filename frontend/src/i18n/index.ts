/** vue-i18n setup: zh-CN by default, English second; the choice is remembered per browser. */
import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN'
import en from './en'

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
})

export function setLocale(l: Locale): void {
  i18n.global.locale.value = l
  try {
    localStorage.setItem('hotline.locale', l)
  } catch {
    /* ignore */
  }
}
