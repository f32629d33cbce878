/** @module Kling JWTs: header and claims, signature, reuse until a minute before expiry. */
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { createKlingTokenSource } from './kling-jwt.js'

const T0 = 1_800_000_000

describe('createKlingTokenSource', () => {
  it('signs {iss, exp: now+1800, nbf: now-5} with HS256 and the secret key', async () => {
    const tokens = createKlingTokenSource({ accessKey: 'AK', secretKey: 'SK', now: () => T0 * 1000 })
    const token = await tokens.token()
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' })
    expect(decodeJwt(token)).toEqual({ iss: 'AK', exp: T0 + 1800, nbf: T0 - 5 })
    const verified = await jwtVerify(token, new TextEncoder().encode('SK'), {
      currentDate: new Date(T0 * 1000),
    })
    expect(verified.payload.iss).toBe('AK')
    await expect(jwtVerify(token, new TextEncoder().encode('other'))).rejects.toThrow()
  })

  it('reuses the token until a minute before it expires', async () => {
    let now = T0 * 1000
    const tokens = createKlingTokenSource({ accessKey: 'AK', secretKey: 'SK', now: () => now })
    const first = await tokens.token()
    now = (T0 + 1739) * 1000
    expect(await tokens.token()).toBe(first)
    now = (T0 + 1740) * 1000
    const second = await tokens.token()
    expect(second).not.toBe(first)
    expect(decodeJwt(second).exp).toBe(T0 + 1740 + 1800)
    expect(await tokens.token()).toBe(second)
  })

  it('renew() signs a fresh token and caches it', async () => {
    let now = T0 * 1000
    const tokens = createKlingTokenSource({ accessKey: 'AK', secretKey: 'SK', now: () => now })
    const first = await tokens.token()
    now += 10_000
    const renewed = await tokens.renew()
    expect(renewed).not.toBe(first)
    expect(await tokens.token()).toBe(renewed)
  })
})
