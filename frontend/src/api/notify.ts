/**
 * 通知设置: which work-order notifications a user also gets by mail or SMS (the console bell
 * always shows them), where to, and quiet hours. The own settings, or (with users.write) a user's.
 */
import { api } from './client'

export interface NotifyEvent {
  key: string
  label: string
}

export interface NotifySettings {
  user_id: number
  username: string
  display_name: string
  has_feed: boolean
  events: NotifyEvent[]
  email: string | null
  mobile: string | null
  quiet_start: string | null
  quiet_end: string | null
  mail: string[]
  sms: string[]
}

export type NotifySettingsIn = Pick<NotifySettings, 'email' | 'mobile' | 'quiet_start' | 'quiet_end' | 'mail' | 'sms'>

function path(userId?: number): string {
  return userId ? `/api/workorders/notify/settings/${userId}` : '/api/workorders/notify/settings'
}

export function getNotifySettings(userId?: number): Promise<NotifySettings> {
  return api<NotifySettings>(path(userId))
}

export function saveNotifySettings(body: NotifySettingsIn, userId?: number): Promise<NotifySettings> {
  return api<NotifySettings>(path(userId), { method: 'PUT', body, silent: true })
}
