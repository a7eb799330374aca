import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createI18n } from 'vue-i18n'
import zh from '../src/i18n/zh-CN'

const api = vi.fn()
vi.mock('../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/api/client')>()
  return { ...real, api: (path: string, opts?: unknown) => api(path, opts) }
})
const { default: SurveyInvites } = await import('../src/components/SurveyInvites.vue')

const sent = { id: 1, channel: 'sms', to: '13900000001', status: 'sent', status_zh: '已发送', attempts: 1, error: '', created_at: '2026-12-04T02:00:00Z', sent_at: '2026-12-04T02:00:20Z' }

describe('短信/微信邀请', () => {
  beforeEach(() => {
    api.mockReset().mockImplementation(async (path: string, opts?: { body?: unknown }) => {
      if (!opts) return [sent] // the outbox
      return { queued: 1, refused: [{ row: 2, to: '13900000009', reason: 'on the do-not-contact list', reason_zh: '勿扰名单' }] }
    })
  })

  it('sends the typed numbers and shows the report and the outbox', async () => {
    const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zh } })
    const plain = { template: '<div><slot /></div>' }
    const stubs = {
      'el-form': plain, 'el-form-item': plain, 'el-radio-group': plain, 'el-radio': plain, 'el-input-number': plain, 'el-table-column': plain,
      'el-button': { template: '<button><slot /></button>' },
      'el-input': { props: ['modelValue'], emits: ['update:modelValue'], template: '<textarea :value="modelValue" @input="$emit(\'update:modelValue\', $event.target.value)" />' },
      'el-table': { props: ['data'], template: '<pre>{{ JSON.stringify(data) }}</pre>' },
    }
    const w = mount(SurveyInvites, { props: { surveyId: 5 }, global: { plugins: [i18n], stubs } })
    await flushPromises()
    expect(api).toHaveBeenCalledWith('/api/surveys/5/invites', undefined)
    expect(w.text()).toContain('已发送')

    await w.get('textarea').setValue('13900000001，越秀区\n13900000009')
    await w.get('[data-testid=survey-invite-send]').trigger('click')
    await flushPromises()
    expect(api).toHaveBeenCalledWith('/api/surveys/5/invites', {
      body: { channel: 'sms', recipients: [{ to: '13900000001', district: '越秀区', age_band: '' }, { to: '13900000009', district: '', age_band: '' }] },
    })
    expect(w.get('[data-testid=survey-invite-report]').text()).toContain('已排队 1 条，1 行未发送')
    expect(w.text()).toContain('勿扰名单')
  })
})
