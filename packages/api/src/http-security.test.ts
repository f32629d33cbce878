/**
 * Abuse limits over HTTP: request-rate limits (generation per user and per IP, auth per IP), the
 * client address (socket, X-Forwarded-For only behind TRUST_PROXY), CORS, security headers and
 * body limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../test/errors.js'
import { createHarness, type Harness } from '../test/harness.js'
import { createApp } from './http.js'

// The peer address comes from this header in tests, standing in for the socket (getConnInfo).
const stubConnInfo = {
  getConnInfo: (c: { req: { header(name: string): string | undefined } }) => ({
    remote: { address: c.req.header('x-test-peer') ?? '203.0.113.9' },
  }),
}

let harness: Harness

beforeAll(async () => {
  harness = await createHarness({
    free: { dailyLimit: 10_000, cooldownSeconds: 0 },
    rateLimits: { generatePerMinute: 3, authPerMinute: 2 },
  })
})
afterAll(() => harness.close())

/** A fresh app with its own limiter state per test (the limiter lives in deps). */
async function appWith(config: Partial<Harness['deps']['config']> = {}) {
  const { createMemoryRateLimiter } = await import('./services/rate-limit/rate-limiter.js')
  const deps = {
    ...harness.deps,
    rateLimiter: createMemoryRateLimiter(),
    config: { ...harness.deps.config, ...config },
  }
  return createApp(deps, stubConnInfo as never)
}

const generate = (
  app: Awaited<ReturnType<typeof appWith>>,
  apiKey: string,
  headers: Record<string, string> = {},
) =>
  app.request('http://localhost/trpc/generate.image', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...headers },
    body: JSON.stringify({ prompt: 'rate me' }),
  })

async function expectRateLimited(response: Response) {
  expect(response.status).toBe(429)
  const body = (await response.json()) as { error: { data: { appCode: string; retryAfterMs: number } } }
  expect(body.error.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', appCode: 'RATE_LIMITED' })
  expect(body.error.data.retryAfterMs).toBeGreaterThan(0)
  expect(body.error.data.retryAfterMs).toBeLessThanOrEqual(60_000)
}

describe('rate limits on generation', () => {
  it('limits one user, whatever address they call from, and not other users', async () => {
    const fresh = await createHarness({
      free: { dailyLimit: 10_000, cooldownSeconds: 0 },
      rateLimits: { generatePerMinute: 3, authPerMinute: 2 },
    })
    try {
      const a = await fresh.createUser()
      const b = await fresh.createUser()
      for (let i = 0; i < 3; i++) await a.caller.generate.image({ prompt: `a ${i}` })
      const error = await expectAppError(a.caller.generate.search({ prompt: 'a 4' }))
      expect(error).toMatchObject({ trpcCode: 'TOO_MANY_REQUESTS', appCode: 'RATE_LIMITED' })
      expect(error.details.retryAfterMs).toBeGreaterThan(0)
      // Other procedures and other users are not affected.
      await a.caller.quota.status()
      await b.caller.generate.image({ prompt: 'b' })
      // No quota was taken for the refused call.
      expect((await a.caller.quota.status()).used).toBe(3)
    } finally {
      await fresh.close()
    }
  })

  it('limits one address across users, and tells the client when to retry', async () => {
    const app = await appWith()
    const users = await Promise.all([harness.createUser(), harness.createUser(), harness.createUser()])
    for (const user of users)
      expect((await generate(app, user.apiKey, { 'x-test-peer': '198.51.100.7' })).status).toBe(200)
    const fourth = await harness.createUser()
    await expectRateLimited(await generate(app, fourth.apiKey, { 'x-test-peer': '198.51.100.7' }))
    // The same user from another address is within both limits.
    expect((await generate(app, fourth.apiKey, { 'x-test-peer': '198.51.100.8' })).status).toBe(200)
  })

  it('ignores X-Forwarded-For unless TRUST_PROXY is on', async () => {
    const untrusting = await appWith()
    const users = await Promise.all(Array.from({ length: 4 }, () => harness.createUser()))
    const spoofed = (i: number) => ({ 'x-test-peer': '198.51.100.20', 'x-forwarded-for': `192.0.2.${i}` })
    for (let i = 0; i < 3; i++)
      expect((await generate(untrusting, users[i]!.apiKey, spoofed(i))).status).toBe(200)
    await expectRateLimited(await generate(untrusting, users[3]!.apiKey, spoofed(3)))

    // Behind a trusted proxy the right-most entry (the one the proxy added) is the client.
    const trusting = await appWith({ trustProxy: true })
    const more = await Promise.all(Array.from({ length: 4 }, () => harness.createUser()))
    const via = (client: string) => ({ 'x-test-peer': '10.0.0.2', 'x-forwarded-for': `6.6.6.6, ${client}` })
    for (let i = 0; i < 3; i++)
      expect((await generate(trusting, more[i]!.apiKey, via('192.0.2.50'))).status).toBe(200)
    await expectRateLimited(await generate(trusting, more[3]!.apiKey, via('192.0.2.50')))
    expect((await generate(trusting, more[3]!.apiKey, via('192.0.2.51'))).status).toBe(200)
  })
})

describe('rate limits on auth', () => {
  it('limits auth.* procedures per address', async () => {
    const app = await appWith()
    const logout = (peer: string) =>
      app.request('http://localhost/trpc/auth.logout', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-test-peer': peer },
        body: '{}',
      })
    expect((await logout('198.51.100.30')).status).not.toBe(429)
    expect((await logout('198.51.100.30')).status).not.toBe(429)
    await expectRateLimited(await logout('198.51.100.30'))
    expect((await logout('198.51.100.31')).status).not.toBe(429)
    // Not counted against the non-auth procedures.
    expect(
      (await app.request('/trpc/health.live', { headers: { 'x-test-peer': '198.51.100.30' } })).status,
    ).toBe(200)
  })

  it('limits the browser auth routes (/auth/*) per address', async () => {
    const app = await appWith()
    const hit = () =>
      app.request('http://localhost/auth/github/callback', { headers: { 'x-test-peer': '198.51.100.40' } })
    expect((await hit()).status).not.toBe(429)
    expect((await hit()).status).not.toBe(429)
    const refused = await hit()
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await refused.json()).toMatchObject({ error: { code: 429, appCode: 'RATE_LIMITED' } })
  })
})

describe('CORS', () => {
  it('allows no cross-origin caller by default', async () => {
    const app = await appWith()
    const response = await app.request('/trpc/health.live', { headers: { origin: 'https://app.example' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    expect(response.headers.get('access-control-allow-credentials')).toBeNull()
  })

  it('allows the listed origins with credentials, and only them', async () => {
    const app = await appWith({ corsOrigins: ['https://app.example'] })
    const listed = await app.request('/trpc/health.live', { headers: { origin: 'https://app.example' } })
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true')
    expect(listed.headers.get('vary')).toMatch(/origin/i)

    const preflight = await app.request('/trpc/generate.image', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')

    for (const origin of ['https://evil.example', 'https://app.example.evil.test', 'null']) {
      const foreign = await app.request('/trpc/health.live', { headers: { origin } })
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
      expect(foreign.headers.get('access-control-allow-credentials')).toBeNull()
      const foreignPreflight = await app.request('/trpc/generate.image', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      })
      expect(foreignPreflight.headers.get('access-control-allow-origin')).toBeNull()
      expect(foreignPreflight.headers.get('access-control-allow-methods')).toBeNull()
    }
  })
})

describe('security headers and body limits on plain routes', () => {
  it('sends nosniff, frame DENY and a referrer policy; HSTS only over https', async () => {
    const app = await appWith()
    for (const path of ['/health/live', '/', '/files/nothing-here']) {
      const response = await app.request(`http://localhost${path}`)
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('strict-transport-security')).toBeNull()
    }
    const secure = await app.request('https://localhost/health/live')
    expect(secure.headers.get('strict-transport-security')).toMatch(/max-age=\d+/)
    // A proxy's X-Forwarded-Proto counts only behind TRUST_PROXY.
    const claimed = await app.request('http://localhost/health/live', {
      headers: { 'x-forwarded-proto': 'https' },
    })
    expect(claimed.headers.get('strict-transport-security')).toBeNull()
    const proxied = await (await appWith({ trustProxy: true })).request('http://localhost/health/live', {
      headers: { 'x-forwarded-proto': 'https' },
    })
    expect(proxied.headers.get('strict-transport-security')).toMatch(/max-age=\d+/)
  })

  it('caps bodies at 1 MB off /trpc, and keeps the larger cap on /trpc', async () => {
    const app = await appWith()
    const big = 'x'.repeat(2 * 1024 * 1024)
    const plain = await app.request('http://localhost/auth/github/callback', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-test-peer': '198.51.100.60' },
      body: big,
    })
    expect(plain.status).toBe(413)
    const { apiKey } = await harness.createUser()
    const trpc = await app.request('http://localhost/trpc/generate.image', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${apiKey}`,
        'x-test-peer': '198.51.100.61',
      },
      body: JSON.stringify({ prompt: big }),
    })
    // Read and validated (prompt too long), not refused for its size.
    expect(trpc.status).toBe(400)
  })

  it('decides on a declared Content-Length, and never trusts a declared length over the cap', async () => {
    const app = await appWith()
    const { apiKey } = await harness.createUser()
    const post = (path: string, body: string, declared: number) =>
      app.request(`http://localhost${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(declared),
          authorization: `Bearer ${apiKey}`,
          'x-test-peer': '198.51.100.62',
        },
        body,
      })
    const small = JSON.stringify({ prompt: '' })
    // Within the cap: the handler reads the body (and refuses the empty prompt), no 413.
    expect((await post('/v1/images/generations', small, small.length)).status).toBe(400)
    expect((await post('/trpc/generate.image', small, small.length)).status).toBe(400)
    // Declared over the cap: refused before any byte is read.
    expect((await post('/v1/images/generations', small, 2 * 1024 * 1024)).status).toBe(413)
    expect((await post('/trpc/generate.image', small, 65 * 1024 * 1024)).status).toBe(413)
  })
})
