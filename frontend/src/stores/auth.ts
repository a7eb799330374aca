/** The signed-in user, their permissions, and sign-in/sign-out. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api } from '../api/client'
import type { Me } from '../api/types'

export const useAuth = defineStore('auth', () => {
  const me = ref<Me | null>(null)
  const checked = ref(false)
  const permissions = computed(() => new Set(me.value?.permissions ?? []))

  function can(perm: string | string[] | undefined): boolean {
    if (!perm) return true
    const list = Array.isArray(perm) ? perm : [perm]
    return list.some((p) => permissions.value.has(p))
  }

  async function fetchMe(): Promise<Me | null> {
    try {
      me.value = await api<Me>('/api/auth/me', { silent: true })
    } catch {
      me.value = null
    }
    checked.value = true
    return me.value
  }

  async function login(username: string, password: string): Promise<Me> {
    me.value = await api<Me>('/api/auth/login', { body: { username, password }, silent: true })
    checked.value = true
    return me.value
  }

  /** Replace the own password; the server keeps this session and ends the others. */
  async function changePassword(current: string, next: string): Promise<Me | null> {
    await api('/api/auth/password', { method: 'PUT', body: { current_password: current, new_password: next }, silent: true })
    return fetchMe()
  }

  async function logout(): Promise<void> {
    try {
      await api('/api/auth/logout', { method: 'POST', silent: true })
    } finally {
      me.value = null
    }
  }

  return { me, checked, permissions, can, fetchMe, login, logout, changePassword }
})
