import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createI18n } from 'vue-i18n'
import zh from '../src/i18n/zh-CN'
import { ApiError } from '../src/api/client'

const api = vi.fn()
const cti = vi.fn()
vi.mock('../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/api/client')>()
  return { ...real, api: (path: string, opts?: unknown) => api(path, opts) }
})
vi.mock('../src/api/cti', () => ({ cti: (op: string, body?: unknown) => cti(op, body) }))
const { default: CatiPanel } = await import('../src/components/CatiPanel.vue')

const survey = {
  title: '回访',
  pages: [{ questions: [
    { code: 'Q1', type: 'single', text: '满意请按1，不满意按3', required: true, options: [{ code: '1', label: '满意' }, { code: '3', label: '不满意' }] },
    { code: 'Q2', type: 'text', text: '哪里不满意？', visible_if: { q: 'Q1', op: 'eq', value: '3' } },
  ] }],
}
const held = { id: 7, survey_id: 3, caller_id: 1, phone: '13800130000', district: '越秀区', age_band: '70-79', state: 'in_progress', state_zh: '访问中', attempts: 1, callback_at: null, call_id: null }

function route(path: string, opts?: { method?: string; body?: Record<string, unknown> }): unknown {
  if (path === '/api/surveys/cati/desk') return { surveys: [{ survey_id: 3, title: '回访', pending: 2 }], held: [held] }
  if (path.endsWith('/start')) return { resume_key: 'k'.repeat(20), resumed: false, version: 1, page: 0, answers: {}, survey }
  if (path.endsWith('/call')) return { ...held, call_id: opts?.body?.call_id }
  if (path.endsWith('/answer')) {
    if (opts?.body?.question === 'Q2') throw new ApiError({ title: 'Invalid', status: 422, errors: [{ loc: ['answers', 'Q2'], msg: 'too long', type: 'answer', rule_zh: '不能超过 200 个字' } as never] })
    return { answers: { Q1: opts?.body?.value }, next_question: 'Q2' }
  }
  throw new Error(`unexpected ${path}`)
}

function mountPanel() {
  const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zh } })
  const plain = { template: '<div><slot /></div>' }
  return mount(CatiPanel, {
    props: { canDial: true },
    global: { plugins: [i18n], stubs: { 'el-button': { template: '<button><slot /></button>' }, 'el-select': plain, 'el-option': plain, 'el-input': plain, 'el-tag': { template: '<span><slot /></span>' }, 'el-date-picker': plain } },
  })
}

describe('CATI panel', () => {
  beforeEach(() => {
    api.mockReset().mockImplementation(async (path: string, opts?: { body?: Record<string, unknown> }) => route(path, opts))
    cti.mockReset().mockResolvedValue({ call_id: 'out-abc' })
  })

  it('binds the call it dials, enforces required and commits each answer', async () => {
    const w = mountPanel()
    await flushPromises()
    expect(w.get('[data-testid=cati-respondent]').text()).toContain('13800130000')

    await w.get('[data-testid=cati-dial]').trigger('click')
    await flushPromises()
    expect(cti).toHaveBeenCalledWith('dial', { number: '13800130000' })
    expect(api).toHaveBeenCalledWith('/api/surveys/interviews/7/call', { body: { call_id: 'out-abc' } })
    expect(w.find('[data-testid=cati-bound]').exists()).toBe(true)

    await w.get('[data-testid=cati-start]').trigger('click')
    await flushPromises()
    expect(w.get('[data-code]').attributes('data-code')).toBe('Q1')
    await w.get('[data-testid=cati-next-question]').trigger('click')
    await flushPromises()
    expect(w.text()).toContain('此题必答')
    expect(api.mock.calls.some(([p]) => String(p).endsWith('/answer'))).toBe(false) // not sent

    await w.get('input[value="3"]').setValue(true)
    await w.get('[data-testid=cati-next-question]').trigger('click')
    await flushPromises()
    const put = api.mock.calls.find(([p]) => String(p).endsWith('/answer'))
    expect(put?.[1]).toMatchObject({ method: 'PUT', body: { question: 'Q1', value: '3', resume_key: 'k'.repeat(20) } })
    expect(w.get('[data-code]').attributes('data-code')).toBe('Q2')

    await w.get('[data-code=Q2] input, [data-code=Q2] textarea').setValue('x'.repeat(300))
    await w.get('[data-testid=cati-next-question]').trigger('click')
    await flushPromises()
    expect(w.text()).toContain('不能超过 200 个字') // the server's 422, inline
    expect(w.get('[data-code]').attributes('data-code')).toBe('Q2')

    await w.get('[data-testid=cati-back]').trigger('click')
    expect(w.get('[data-code]').attributes('data-code')).toBe('Q1')
  })
})
