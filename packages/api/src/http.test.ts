import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../test/harness.js'
import { createApp } from './http.js'

let harness: Harness
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  harness = await createHarness({
    free: { dailyLimit: 10, cooldownSeconds: 0 },
  })
  app = createApp(harness.deps)
})
afterAll(() => harness.close())

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(`http://localhost${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })

describe('plain routes', () => {
  it('answers the health probes', async () => {
    expect((await app.request('/health/live')).status).toBe(200)
    const ready = await app.request('/health/ready')
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ status: 'ok', checks: { database: { ok: true } } })
  })

  it('returns a request id on every response, keeping a sane one from the caller', async () => {
    const response = await app.request('/health/live', { headers: { 'x-request-id': 'abc-123' } })
    expect(response.headers.get('x-request-id')).toBe('abc-123')
  })
})

describe('tRPC over HTTP', () => {
  it('answers UNAUTHORIZED without a key, with appCode and no stack', async () => {
    const response = await post('/trpc/generate.image', { prompt: 'x' })
    expect(response.status).toBe(401)
    const body = await response.text()
    expect(body).not.toMatch(/stack|at \w+ \(/)
    expect(JSON.parse(body).error).toMatchObject({
      data: { code: 'UNAUTHORIZED', appCode: 'UNAUTHENTICATED' },
    })
  })

  it('rejects a revoked-looking or unknown key the same way', async () => {
    const response = await app.request('/trpc/quota.status', {
      headers: { authorization: 'Bearer nbl_not_a_real_key_at_all_123' },
    })
    expect(response.status).toBe(401)
  })

  it('accepts the key as a Bearer token or as X-API-Key', async () => {
    const { apiKey } = await harness.createUser()
    for (const headers of [{ authorization: `Bearer ${apiKey}` }, { 'x-api-key': apiKey }] as Record<
      string,
      string
    >[]) {
      const response = await app.request('/trpc/quota.status', { headers })
      expect(response.status).toBe(200)
      expect(((await response.json()) as any).result.data).toMatchObject({ tier: 'free', used: 0 })
    }
  })

  it('names the field of a bad input with a 400, never a 500', async () => {
    const { apiKey } = await harness.createUser()
    const response = await post(
      '/trpc/generate.image',
      { prompt: 'x', resolution: '8K' },
      { 'x-api-key': apiKey },
    )
    expect(response.status).toBe(400)
    const { error } = (await response.json()) as any
    expect(error.message).toContain('resolution')
    expect(error.data).toMatchObject({
      appCode: 'VALIDATION',
      fieldErrors: { resolution: [expect.any(String)] },
    })
    expect(error.data.stack).toBeUndefined()
  })

  it('answers malformed JSON with a 400', async () => {
    const { apiKey } = await harness.createUser()
    const response = await app.request('http://localhost/trpc/generate.image', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: '{"prompt":',
    })
    expect(response.status).toBe(400)
  })

  it('serves a generated image at its signed URL, and refuses tampered, expired or traversing links', async () => {
    const { apiKey } = await harness.createUser()
    const response = await post('/trpc/generate.image', { prompt: 'a file' }, { 'x-api-key': apiKey })
    const image = ((await response.json()) as any).result.data.images[0]
    const url = new URL(image.url)
    expect(url.origin).toBe('http://localhost')
    const file = await app.request(url.pathname + url.search)
    expect(file.status).toBe(200)
    expect(file.headers.get('content-type')).toBe('image/png')
    const bytes = new Uint8Array(await file.arrayBuffer())
    expect(bytes.byteLength).toBe(image.bytes)
    expect([...bytes.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47])

    const tampered = new URL(url)
    tampered.searchParams.set('signature', `${url.searchParams.get('signature')?.slice(0, -2)}xx`)
    expect((await app.request(tampered.pathname + tampered.search)).status).toBe(403)
    const expired = new URL(url)
    expired.searchParams.set('expires', '1000')
    expect((await app.request(expired.pathname + expired.search)).status).toBe(403)
    expect((await app.request('/files/..%2F..%2Fsecret-key?expires=9999999999&signature=x')).status).toBe(403)
    expect((await app.request('/files/images/../../secret-key?expires=9999999999&signature=x')).status).toBe(
      404,
    )
  })
})
