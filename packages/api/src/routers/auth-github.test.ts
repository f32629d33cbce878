import { listAuditEntries } from '@nbl/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../test/errors.js'
import { type FakeGithub, startFakeGithub } from '../../test/github-fake.js'
import { anonymousCaller, createHarness, type Harness } from '../../test/harness.js'
import { authenticate } from '../context.js'
import { createApp } from '../http.js'
import { ACCESS_TOKEN_COOKIE, REFRESH_TOKEN_COOKIE } from '../routes/github-callback.js'

let github: FakeGithub
let harness: Harness
let app: ReturnType<typeof createApp>

const APP_ORIGIN = 'https://app.example'

beforeAll(async () => {
  github = await startFakeGithub()
  harness = await createHarness({
    config: { github: github.config, authRedirectOrigins: [APP_ORIGIN, 'http://localhost'] },
  })
  app = createApp(harness.deps)
})
afterAll(async () => {
  await harness.close()
  await github.close()
})

/** Plays the browser at GitHub: follows the authorization URL to the callback's code and state. */
async function authorize(url: string): Promise<{ code: string; state: string }> {
  const response = await fetch(url, { redirect: 'manual' })
  expect(response.status).toBe(302)
  const location = new URL(response.headers.get('location')!)
  expect(`${location.origin}${location.pathname}`).toBe('http://localhost/auth/github/callback')
  return { code: location.searchParams.get('code')!, state: location.searchParams.get('state')! }
}

describe('GitHub sign-in', () => {
  it('builds an authorization URL with state and S256 PKCE, storing the state hashed', async () => {
    const { url } = await anonymousCaller(harness).auth.loginUrl()
    const parsed = new URL(url)
    expect(parsed.origin).toBe(new URL(github.config.oauthBaseUrl).origin)
    expect(parsed.searchParams.get('code_challenge_method')).toBe('S256')
    expect(parsed.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/)
    expect(parsed.searchParams.get('redirect_uri')).toBe('http://localhost/auth/github/callback')
    const state = parsed.searchParams.get('state')!
    const stored = await harness.database.db.selectFrom('oauth_states').selectAll().execute()
    expect(JSON.stringify(stored)).not.toContain(state)
  })

  it('signs in end to end: user created, then updated from the profile on the next login', async () => {
    github.setUser({
      id: 4242,
      login: 'mona',
      name: 'Mona',
      email: null,
      avatar_url: 'https://avatars.example/m',
      emails: [
        { email: 'old@example.com', primary: false, verified: true },
        { email: 'mona@example.com', primary: true, verified: true },
      ],
    })
    const caller = anonymousCaller(harness)
    const first = await caller.auth.callback(await authorize((await caller.auth.loginUrl()).url))
    expect(first.user).toMatchObject({ login: 'mona', name: 'Mona', email: 'mona@example.com', role: 'user' })
    expect(await authenticate(harness.deps, first.accessToken)).toMatchObject({ id: first.user.id })
    const verifier = github.tokenRequests.at(-1)!.get('code_verifier')
    expect(verifier).toMatch(/^[\w-]{43,}$/)

    github.setUser({
      id: 4242,
      login: 'mona-lisa',
      name: 'Mona Lisa',
      email: 'lisa@example.com',
      avatar_url: null,
    })
    const second = await caller.auth.callback(await authorize((await caller.auth.loginUrl()).url))
    expect(second.user).toMatchObject({
      id: first.user.id,
      login: 'mona-lisa',
      name: 'Mona Lisa',
      email: 'lisa@example.com',
    })
    const logins = await listAuditEntries(harness.database.db, {
      actorId: first.user.id,
      action: 'auth.login',
    })
    expect(logins).toHaveLength(2)
    expect(JSON.stringify(logins)).not.toContain(first.accessToken)
  })

  it('refuses a replayed state', async () => {
    const caller = anonymousCaller(harness)
    const grant = await authorize((await caller.auth.loginUrl()).url)
    await caller.auth.callback(grant)
    const error = await expectAppError(caller.auth.callback(grant))
    expect(error).toMatchObject({ trpcCode: 'UNAUTHORIZED', appCode: 'UNAUTHENTICATED' })
  })

  it('refuses a wrong state, and the right one still works once', async () => {
    const caller = anonymousCaller(harness)
    const grant = await authorize((await caller.auth.loginUrl()).url)
    const error = await expectAppError(caller.auth.callback({ code: grant.code, state: `${grant.state}x` }))
    expect(error.appCode).toBe('UNAUTHENTICATED')
    expect((await caller.auth.callback(grant)).accessToken).toBeTruthy()
  })

  it('refuses a missing state', async () => {
    const caller = anonymousCaller(harness)
    const grant = await authorize((await caller.auth.loginUrl()).url)
    const error = await expectAppError(caller.auth.callback({ code: grant.code, state: '' }))
    expect(error.appCode).toBe('VALIDATION')
    const response = await app.request(`http://localhost/auth/github/callback?code=${grant.code}`)
    expect(response.status).toBe(400)
    expect(response.headers.get('set-cookie')).toBeNull()
  })

  it('refuses a code GitHub does not accept, and burns the state', async () => {
    const caller = anonymousCaller(harness)
    const grant = await authorize((await caller.auth.loginUrl()).url)
    const error = await expectAppError(caller.auth.callback({ code: 'forged-code', state: grant.state }))
    expect(error.appCode).toBe('UNAUTHENTICATED')
    expect((await expectAppError(caller.auth.callback(grant))).appCode).toBe('UNAUTHENTICATED')
  })

  it.each([
    'https://evil.example/steal',
    '//evil.example/steal',
    '/\\evil.example',
    'javascript:alert(1)',
    'https://app.example.evil.example/',
    'https://user@evil.example@app.example/',
  ])('refuses a redirect to a foreign origin: %s', async (redirectTo) => {
    const error = await expectAppError(anonymousCaller(harness).auth.loginUrl({ redirectTo }))
    expect(error.appCode).toBe('VALIDATION')
  })

  it('completes the browser flow with httpOnly cookies and a redirect that carries no token', async () => {
    const caller = anonymousCaller(harness)
    const { url } = await caller.auth.loginUrl({ redirectTo: `${APP_ORIGIN}/welcome?tab=1` })
    const grant = await authorize(url)
    const response = await app.request(
      `http://localhost/auth/github/callback?code=${encodeURIComponent(grant.code)}&state=${encodeURIComponent(grant.state)}`,
    )
    expect(response.status).toBe(303)
    const location = response.headers.get('location')!
    expect(location).toBe(`${APP_ORIGIN}/welcome?tab=1`)
    const cookies = response.headers.getSetCookie()
    const access = cookies.find((cookie) => cookie.startsWith(`${ACCESS_TOKEN_COOKIE}=`))!
    const refresh = cookies.find((cookie) => cookie.startsWith(`${REFRESH_TOKEN_COOKIE}=`))!
    for (const cookie of [access, refresh]) {
      expect(cookie).toContain('HttpOnly')
      expect(cookie).toContain('SameSite=Lax')
      expect(location).not.toContain(cookie.split(';')[0]!.split('=')[1]!)
    }
    const token = access.split(';')[0]!.slice(ACCESS_TOKEN_COOKIE.length + 1)
    expect(await authenticate(harness.deps, token)).not.toBeNull()
    expect(response.headers.get('cache-control')).toBe('no-store')

    const replay = await app.request(
      `http://localhost/auth/github/callback?code=${encodeURIComponent(grant.code)}&state=${encodeURIComponent(grant.state)}`,
    )
    expect(replay.status).toBe(401)
    expect(replay.headers.get('location')).toBeNull()
  })
})

describe('GitHub sign-in without configured origins', () => {
  it('redirects only to the server itself', async () => {
    const own = await createHarness({ config: { github: github.config } })
    try {
      const caller = anonymousCaller(own)
      expect((await expectAppError(caller.auth.loginUrl({ redirectTo: `${APP_ORIGIN}/` }))).appCode).toBe(
        'VALIDATION',
      )
      const grant = await authorize((await caller.auth.loginUrl({ redirectTo: '/gallery' })).url)
      const response = await createApp(own.deps).request(
        `http://localhost/auth/github/callback?code=${encodeURIComponent(grant.code)}&state=${encodeURIComponent(grant.state)}`,
      )
      expect(response.status).toBe(303)
      expect(response.headers.get('location')).toBe('http://localhost/gallery')
    } finally {
      await own.close()
    }
  })
})
