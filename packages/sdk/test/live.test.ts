/**
 * SDK against the real server on embedded defaults: watchJob across dropped connections, isAppError
 * narrowing on real errors, and JWT session refresh on 401.
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { type FakeGithub, startFakeGithub } from '../../api/test/github-fake.js'
import {
  createClient,
  isAppError,
  type NanoBananaClient,
  type SessionTokens,
  type WatchedJobEvent,
  watchJob,
} from '../src/index.js'
import { type DroppingProxy, startDroppingProxy, startTestServer, type TestServer } from './server.js'

let server: TestServer
let github: FakeGithub
let proxy: DroppingProxy
let admin: NanoBananaClient

beforeAll(async () => {
  github = await startFakeGithub()
  server = await startTestServer({
    QUOTA_FREE_DAILY_LIMIT: '2',
    QUOTA_FREE_COOLDOWN_SECONDS: '0',
    GITHUB_CLIENT_ID: github.config.clientId,
    GITHUB_CLIENT_SECRET: github.config.clientSecret,
    GITHUB_OAUTH_BASE_URL: github.config.oauthBaseUrl,
    GITHUB_API_BASE_URL: github.config.apiBaseUrl,
  })
  proxy = await startDroppingProxy(server.url)
  admin = createClient({ url: server.url, apiKey: server.adminKey })
}, 120_000)

afterAll(async () => {
  await proxy?.close()
  await server?.stop()
  await github?.close()
})

async function freeUserClient(name: string): Promise<NanoBananaClient> {
  const user = await admin.admin.users.create.mutate({ name, tier: 'free' })
  const key = await admin.admin.users.issueApiKey.mutate({ userId: user.id, name: 'sdk test' })
  return createClient({ url: server.url, apiKey: key.secret })
}

async function signInWithGithub(): Promise<SessionTokens> {
  const anonymous = createClient({ url: server.url })
  const { url } = await anonymous.auth.loginUrl.query()
  const authorize = await fetch(url, { redirect: 'manual' })
  const landing = new URL(authorize.headers.get('location') ?? '')
  return anonymous.auth.callback.mutate({
    code: landing.searchParams.get('code') ?? '',
    state: landing.searchParams.get('state') ?? '',
  })
}

describe('watchJob', () => {
  it('resumes after every connection is dropped mid-stream, yielding each event once, and ends after done', async () => {
    const client = createClient({ url: proxy.url, apiKey: server.adminKey })
    const items = Array.from({ length: 6 }, (_, index) => ({ prompt: `a banana, take ${index}` }))
    const { jobId, total } = await client.generate.batch.mutate({ items, concurrency: 1 })
    expect(total).toBe(6)

    const seen: WatchedJobEvent[] = []
    const connectionsBefore = proxy.connections()
    let dropped = false
    for await (const event of watchJob(client, jobId, { reconnectDelayMs: 50 })) {
      seen.push(event)
      if (!dropped) {
        dropped = true
        proxy.dropAll()
      }
    }

    expect(proxy.connections() - connectionsBefore).toBeGreaterThanOrEqual(2)
    const ids = seen.map((event) => Number(event.id))
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(new Set(ids).size).toBe(ids.length)
    const itemIndexes = seen.flatMap((event) => (event.type === 'item' ? [event.index] : []))
    expect(itemIndexes.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5])
    expect(seen.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' })

    // Watching again after the first event's id replays only what came later.
    const first = seen[0]!
    const again = []
    for await (const event of watchJob(client, jobId, { lastEventId: first.id })) again.push(event)
    expect(again.map((event) => event.id)).toEqual(seen.slice(1).map((event) => event.id))
  })

  it('fails at once for a job that is not the caller’s', async () => {
    const stranger = await freeUserClient('stranger')
    const { jobId } = await admin.generate.batch.mutate({ items: [{ prompt: 'mine' }] })
    const iterate = async () => {
      for await (const _event of watchJob(stranger, jobId)) {
        // never reached
      }
    }
    const error = await iterate().catch((caught: unknown) => caught)
    expect(isAppError(error, 'NOT_FOUND')).toBe(true)
  })
})

describe('isAppError', () => {
  it('narrows a real QUOTA_EXCEEDED to typed details', async () => {
    const client = await freeUserClient('quota user')
    await client.generate.image.mutate({ prompt: 'one' })
    await client.generate.image.mutate({ prompt: 'two' })
    const error = await client.generate.image.mutate({ prompt: 'three' }).catch((caught: unknown) => caught)

    expect(isAppError(error, 'COOLDOWN')).toBe(false)
    if (!isAppError(error, 'QUOTA_EXCEEDED')) throw new Error(`expected QUOTA_EXCEEDED, got ${String(error)}`)
    expectTypeOf(error.data.appCode).toEqualTypeOf<'QUOTA_EXCEEDED'>()
    expectTypeOf(error.data.retryAfterMs).toEqualTypeOf<number>()
    expect(error.data.httpStatus).toBe(429)
    expect(error.data.retryAfterMs).toBeGreaterThan(0)
    expect(error.data.retryAfterMs).toBeLessThanOrEqual(24 * 60 * 60 * 1000)
  })

  it('narrows a real VALIDATION error to its field errors', async () => {
    const error = await admin.generate.image
      .mutate({ prompt: '', resolution: '8K' as '1K' })
      .catch((caught: unknown) => caught)
    if (!isAppError(error, 'VALIDATION')) throw new Error(`expected VALIDATION, got ${String(error)}`)
    expectTypeOf(error.data.fieldErrors).toEqualTypeOf<Record<string, string[]> | undefined>()
    expect(Object.keys(error.data.fieldErrors ?? {})).toEqual(
      expect.arrayContaining(['prompt', 'resolution']),
    )
  })
})

describe('session refresh on 401', () => {
  it('refreshes through auth.refresh once for concurrent calls, retries them, and reports the new tokens', async () => {
    const signedIn = await signInWithGithub()
    const refreshed: SessionTokens[] = []
    const client = createClient({
      url: server.url,
      // A stale access token: the server answers 401 and the client must refresh.
      session: {
        accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.stale',
        refreshToken: signedIn.refreshToken,
      },
      onSessionRefreshed: (tokens) => {
        refreshed.push(tokens)
      },
    })
    const [me, quota, again] = await Promise.all([
      client.auth.me.query(),
      client.quota.status.query(),
      client.auth.me.query(),
    ])
    expect(me.authMethod).toBe('session')
    expect(again.id).toBe(me.id)
    expect(quota.tier).toBeTypeOf('string')
    expect(refreshed).toHaveLength(1)
    expect(refreshed[0]!.refreshToken).not.toBe(signedIn.refreshToken)

    // The old refresh token is spent: a client holding it can no longer recover.
    const stale = createClient({
      url: server.url,
      session: {
        accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.stale',
        refreshToken: signedIn.refreshToken,
      },
    })
    const error = await stale.auth.me.query().catch((caught: unknown) => caught)
    expect(isAppError(error, 'UNAUTHENTICATED')).toBe(true)
  })

  it('lets an onUnauthorized hook supply a new token, and retries only once', async () => {
    let asked = 0
    const client = createClient({
      url: server.url,
      apiKey: 'nbl_revoked_or_wrong_key_0000000000000000',
      onUnauthorized: () => {
        asked += 1
        return asked === 1 ? server.adminKey : false
      },
    })
    expect((await client.auth.me.query()).role).toBe('admin')
    expect(asked).toBe(1)

    let hookCalls = 0
    const hopeless = createClient({
      url: server.url,
      apiKey: 'nbl_wrong_key_000000000000000000000000',
      onUnauthorized: () => {
        hookCalls += 1
        return 'nbl_still_wrong_00000000000000000000000'
      },
    })
    const error = await hopeless.auth.me.query().catch((caught: unknown) => caught)
    expect(isAppError(error, 'UNAUTHENTICATED')).toBe(true)
    expect(hookCalls).toBe(1)
  })
})
