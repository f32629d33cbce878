import { generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../../test/errors.js'
import { anonymousCaller, createHarness, type Harness, type TestUser } from '../../../test/harness.js'
import { authenticate } from '../../context.js'
import { createApp } from '../../http.js'
import {
  deriveSessionKey,
  issueSession,
  JWT_AUDIENCE,
  JWT_ISSUER,
  looksLikeJwt,
  type SessionTokens,
} from './sessions.js'

let harness: Harness
let secret: string
let alice: TestUser
let session: SessionTokens

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

beforeAll(async () => {
  harness = await createHarness()
  secret = harness.deps.config.sessionSecret!
  alice = await harness.createUser({ name: 'alice' })
  session = await issueSession(harness.database.db, secret, alice.user.id)
})
afterAll(() => harness.close())

function claims(overrides: { sub?: string; sid?: string } = {}) {
  const [, payload] = session.accessToken.split('.')
  const decoded = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>
  return { ...decoded, ...overrides }
}

describe('access tokens', () => {
  it('authenticate their user', async () => {
    expect(looksLikeJwt(session.accessToken)).toBe(true)
    expect(session.expiresIn).toBe(15 * 60)
    expect(await authenticate(harness.deps, session.accessToken)).toMatchObject({
      id: alice.user.id,
      apiKeyId: null,
      sessionId: expect.stringMatching(/^ses_/),
    })
  })

  const forged: [string, () => Promise<string>][] = [
    [
      'a tampered payload (signature of another payload)',
      async () => {
        const [header, , signature] = session.accessToken.split('.')
        return `${header}.${base64url(claims({ sub: 'usr_someone_else' }))}.${signature}`
      },
    ],
    [
      'a signature made with another key',
      async () =>
        new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256' })
          .sign(new TextEncoder().encode('another-secret-another-secret-another')),
    ],
    ['alg: none', async () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`],
    [
      'HS512 with the right key',
      async () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS512' }).sign(deriveSessionKey(secret)),
    ],
    [
      'an RS256 header and signature',
      async () => {
        const { privateKey } = await generateKeyPair('RS256')
        return new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey)
      },
    ],
    [
      'an expired token',
      async () => {
        const now = Math.floor(Date.now() / 1000)
        return new SignJWT({ ...claims(), iat: now - 3600, exp: now - 60 })
          .setProtectedHeader({ alg: 'HS256' })
          .sign(deriveSessionKey(secret))
      },
    ],
    [
      'a wrong audience',
      async () =>
        new SignJWT({ ...claims(), aud: 'someone-else' })
          .setProtectedHeader({ alg: 'HS256' })
          .sign(deriveSessionKey(secret)),
    ],
    [
      'a wrong issuer',
      async () =>
        new SignJWT({ ...claims(), iss: 'someone-else' })
          .setProtectedHeader({ alg: 'HS256' })
          .sign(deriveSessionKey(secret)),
    ],
  ]

  it.each(forged)('refuse %s with UNAUTHORIZED', async (_name, forge) => {
    const token = await forge()
    expect(await authenticate(harness.deps, token)).toBeNull()
    const app = createApp(harness.deps)
    const response = await app.request('http://localhost/trpc/auth.me', {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(response.status).toBe(401)
    const body = (await response.json()) as { error: { data: { appCode: string } } }
    expect(body.error.data.appCode).toBe('UNAUTHENTICATED')
  })

  it('accept the genuine token over HTTP', async () => {
    const app = createApp(harness.deps)
    const response = await app.request('http://localhost/trpc/auth.me', {
      headers: { authorization: `Bearer ${session.accessToken}` },
    })
    expect(response.status).toBe(200)
    expect(JSON.stringify(await response.json())).toContain(alice.user.id)
    // Control: the forgeries differ from an accepted token only in what each test names.
    expect(claims()).toMatchObject({ iss: JWT_ISSUER, aud: JWT_AUDIENCE, sub: alice.user.id })
    const control = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256' })
      .sign(deriveSessionKey(secret))
    expect(await authenticate(harness.deps, control)).toMatchObject({ id: alice.user.id })
  })
})

describe('refresh tokens', () => {
  it('rotate on every use; the old one is then refused', async () => {
    const caller = anonymousCaller(harness)
    const first = await issueSession(harness.database.db, secret, alice.user.id)
    const second = await caller.auth.refresh({ refreshToken: first.refreshToken })
    expect(second.refreshToken).not.toBe(first.refreshToken)
    expect(await authenticate(harness.deps, second.accessToken)).toMatchObject({ id: alice.user.id })
    const third = await caller.auth.refresh({ refreshToken: second.refreshToken })
    expect(await authenticate(harness.deps, third.accessToken)).toMatchObject({ id: alice.user.id })
    const stored = await harness.database.db.selectFrom('refresh_tokens').selectAll().execute()
    expect(JSON.stringify(stored)).not.toContain(third.refreshToken)
  })

  it('revoke the whole family when a used token is presented again', async () => {
    const caller = anonymousCaller(harness)
    const first = await issueSession(harness.database.db, secret, alice.user.id)
    const second = await caller.auth.refresh({ refreshToken: first.refreshToken })
    const reuse = await expectAppError(caller.auth.refresh({ refreshToken: first.refreshToken }))
    expect(reuse).toMatchObject({ trpcCode: 'UNAUTHORIZED', appCode: 'UNAUTHENTICATED' })
    // The legitimate holder's newer token and its access token stop too.
    const after = await expectAppError(caller.auth.refresh({ refreshToken: second.refreshToken }))
    expect(after.appCode).toBe('UNAUTHENTICATED')
    expect(await authenticate(harness.deps, second.accessToken)).toBeNull()
    // Other sessions of the same user are untouched.
    expect(await authenticate(harness.deps, session.accessToken)).not.toBeNull()
  })

  it('refuse unknown tokens', async () => {
    const error = await expectAppError(
      anonymousCaller(harness).auth.refresh({ refreshToken: 'nblr_unknown' }),
    )
    expect(error.appCode).toBe('UNAUTHENTICATED')
  })

  it('stop, with their access tokens, at logout', async () => {
    const caller = anonymousCaller(harness)
    const tokens = await issueSession(harness.database.db, secret, alice.user.id)
    expect(await caller.auth.logout({ refreshToken: tokens.refreshToken })).toEqual({ ok: true })
    expect(await authenticate(harness.deps, tokens.accessToken)).toBeNull()
    const error = await expectAppError(caller.auth.refresh({ refreshToken: tokens.refreshToken }))
    expect(error.appCode).toBe('UNAUTHENTICATED')
  })
})
