import { describe, expect, it } from 'vitest'
import zh from '../src/i18n/zh-CN'
import en from '../src/i18n/en'
import { callerFormErrors, callerToForm, emptyCallerForm, formToBody, validPhone } from '../src/utils/callerForm'
import type { Caller } from '../src/api/types'

const get = (m: unknown, key: string): unknown =>
  key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), m)

describe('caller form', () => {
  it('accepts what the server accepts as a phone number', () => {
    for (const ok of ['13812345678', '+86 138-1234-5678', '0571-87654321', '110']) expect(validPhone(ok)).toBe(true)
    for (const bad of ['', '12', '138abc', '１３８１２３４５６７８', '--- ']) expect(validPhone(bad)).toBe(false)
  })

  it('names each wrong field with a message in both languages', () => {
    const f = emptyCallerForm()
    f.id_number = '1234'
    f.care = true
    f.age = 200
    f.contacts.push({ name: '', relation: '', phone: 'x' })
    const errors = callerFormErrors(f)
    expect(Object.keys(errors).sort()).toEqual(['age', 'contacts.0.name', 'contacts.0.phone', 'id_number', 'name', 'phones.0'])
    for (const key of Object.values(errors)) {
      expect(typeof get(zh, key)).toBe('string')
      expect(typeof get(en, key)).toBe('string')
    }
    expect(get(zh, errors.name)).toMatch(/[\u4e00-\u9fff]/)
  })

  it('sends blanks as null, drops empty numbers, and keeps no care profile unless asked', () => {
    const f = emptyCallerForm('13812345678')
    f.name = ' 张桂英 '
    f.phones.push({ number: ' ', label: '' })
    f.contacts.push({ name: '张强', relation: '儿子', phone: '13900001111' })
    expect(callerFormErrors(f)).toEqual({})
    const body = formToBody(f)
    expect(body).toMatchObject({ name: '张桂英', gender: null, phones: [{ number: '13812345678', label: null }], care_profile: null })
    expect(body.emergency_contacts).toEqual([{ name: '张强', relation: '儿子', phone: '13900001111' }])
    f.care = true
    f.age = 88
    expect(formToBody(f).care_profile).toMatchObject({ age: 88, priority_level: 1, living_alone: false })
  })

  it('round-trips a caller read from the API', () => {
    const c: Caller = {
      id: 1, name: '王秀兰', id_number: null, gender: '女', address: null, district: '西湖区', notes: null,
      phones: [{ number: '13812345678', label: '手机' }],
      care_profile: { living_alone: true, age: 86, disability_level: null, assistance_status: null, health_notes: null, priority_level: 2 },
      emergency_contacts: [{ name: '王芳', relation: null, phone: '13900005678' }],
      created_at: '', updated_at: '', version: 3, masked: false,
    }
    const body = formToBody(callerToForm(c))
    expect(body).toMatchObject({ name: '王秀兰', gender: '女', district: '西湖区', phones: c.phones })
    expect(body.care_profile).toEqual({ ...c.care_profile })
    expect(body.emergency_contacts).toEqual(c.emergency_contacts)
  })
})
