/**
 * The browser session cookie as a credential over HTTP: it counts only without a header
 * credential and only when the request passes the CSRF check (Sec-Fetch-Site / Origin).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness, type TestUser } from '../../../test/harness.js'
import { createApp } from '../../http.js'
import { ACCESS_TOKEN_COOKIE, REFRESH_TOKEN_COOKIE } from '../../routes/github-callback.js'
import { issueSession, type SessionTokens } from './sessions.js'

const OWN = 'http://api.test'
const LISTED = 'https://playground.example'

let harness: Harness
let alice: TestUser
let bob: TestUser
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  harness = await createHarness({ config: { corsOrigins: [LISTED] } })
  alice = await harness.createUser()
  bob = await harness.createUser()
  app = createApp(harness.deps)
})
afterAll(() => harness.close())

const session = () => issueSession(harness.deps.db, harness.deps.config.sessionSecret!, alice.user.id)
const cookieOf = (tokens: SessionTokens) =>
  `${ACCESS_TOKEN_COOKIE}=${tokens.accessToken}; ${REFRESH_TOKEN_COOKIE}=${tokens.refreshToken}`

/** `auth.me` by GET (a query) or `auth.apiKeys.create` by POST (a mutation) with the given headers. */
async function me(headers: Record<string, string>): Promise<{ status: number; userId?: string }> {
  const response = await app.request(`${OWN}/trpc/auth.me`, { headers })
  const body = (await response.json()) as { result?: { data: { id: string } } }
  return { status: response.status, ...(body.result ? { userId: body.result.data.id } : {}) }
}

async function createKey(headers: Record<string, string>): Promise<number> {
  const response = await app.request(`${OWN}/trpc/auth.apiKeys.create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ name: 'from the browser' }),
  })
  return response.status
}

describe('the access-token cookie', () => {
  it('authenticates a same-origin request (Sec-Fetch-Site) and one whose Origin is the server or listed', async () => {
    const cookie = cookieOf(await session())
    expect(await me({ cookie, 'sec-fetch-site': 'same-origin' })).toEqual({
      status: 200,
      userId: alice.user.id,
    })
    expect(await me({ cookie, origin: OWN })).toMatchObject({ status: 200, userId: alice.user.id })
    expect(await me({ cookie, origin: LISTED, 'sec-fetch-site': 'cross-site' })).toMatchObject({
      status: 200,
      userId: alice.user.id,
    })
    expect(await createKey({ cookie, origin: OWN, 'sec-fetch-site': 'same-origin' })).toBe(200)
  })

  it('does not authenticate a foreign Origin, a cross-site fetch, a navigation or a request with no signal', async () => {
    const cookie = cookieOf(await session())
    const refused: Record<string, string>[] = [
      { cookie, origin: 'https://evil.example' },
      { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { cookie, 'sec-fetch-site': 'cross-site' },
      { cookie, 'sec-fetch-site': 'same-site', origin: 'http://sub.api.test' },
      // Sec-Fetch-Site wins over an Origin a page cannot forge anyway.
      { cookie, 'sec-fetch-site': 'cross-site', origin: OWN },
      { cookie, 'sec-fetch-site': 'none' },
      { cookie },
    ]
    for (const headers of refused) {
      expect(await me(headers), JSON.stringify(headers)).toEqual({ status: 401 })
      expect(await createKey(headers), JSON.stringify(headers)).toBe(401)
    }
  })

  it('never overrides a header credential, even an invalid one', async () => {
    const cookie = cookieOf(await session())
    const sameOrigin = { cookie, 'sec-fetch-site': 'same-origin' }
    expect(await me({ ...sameOrigin, authorization: `Bearer ${bob.apiKey}` })).toMatchObject({
      userId: bob.user.id,
    })
    expect(await me({ ...sameOrigin, 'x-api-key': bob.apiKey })).toMatchObject({ userId: bob.user.id })
    expect(await me({ ...sameOrigin, authorization: 'Bearer nbl_not-a-key' })).toEqual({ status: 401 })
    expect(await me({ ...sameOrigin, authorization: 'Basic Zm9vOmJhcg==' })).toEqual({ status: 401 })
  })

  it('stops working after auth.logout, which revokes the refresh cookie’s session and clears both cookies', async () => {
    const tokens = await session()
    const headers = { cookie: cookieOf(tokens), 'sec-fetch-site': 'same-origin' }
    const response = await app.request(`${OWN}/trpc/auth.logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({}),
    })
    expect(response.status).toBe(200)
    const cleared = response.headers.getSetCookie()
    expect(cleared).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${ACCESS_TOKEN_COOKIE}=;.*Max-Age=0`)),
        expect.stringMatching(new RegExp(`^${REFRESH_TOKEN_COOKIE}=;.*Max-Age=0`)),
      ]),
    )
    expect(await me(headers)).toEqual({ status: 401 })
    // The refresh token in the cookie was revoked too, not just the access token's session.
    await expect(alice.caller.auth.refresh({ refreshToken: tokens.refreshToken })).rejects.toThrow()
  })

  it('leaves the session alone when logout comes from a foreign page', async () => {
    const tokens = await session()
    const response = await app.request(`${OWN}/trpc/auth.logout`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: cookieOf(tokens),
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
      body: JSON.stringify({}),
    })
    expect(response.status).toBe(200)
    expect(await me({ cookie: cookieOf(tokens), 'sec-fetch-site': 'same-origin' })).toMatchObject({
      userId: alice.user.id,
    })
  })
})
