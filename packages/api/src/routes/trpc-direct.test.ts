import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createHarness, type Harness } from '../../test/harness.js'
import { createApp } from '../http.js'
import { createCaller } from '../routers/_app.js'

// The adapter never uses `createCaller`: its calls show the direct route answered.
vi.mock('../routers/_app.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../routers/_app.js')>()
  return { ...original, createCaller: vi.fn(original.createCaller) }
})

let harness: Harness
let direct: ReturnType<typeof createApp>
let adapter: ReturnType<typeof createApp>

beforeAll(async () => {
  harness = await createHarness({ free: { dailyLimit: 3, cooldownSeconds: 0 } })
  direct = createApp(harness.deps)
  adapter = createApp(harness.deps, { directTrpcCalls: false })
})
afterAll(() => harness.close())

interface Answer {
  status: number
  contentType: string | null
  requestId: string | null
  body: unknown
}

let requests = 0

/** The same request through both apps, with the same request id, so the answers can be compared. */
async function both(path: string, body: string, headers: Record<string, string> = {}): Promise<Answer[]> {
  const requestId = `parity-${++requests}`
  return Promise.all(
    [direct, adapter].map(async (app) => {
      const response = await app.request(`http://localhost${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers },
        body,
      })
      return {
        status: response.status,
        contentType: response.headers.get('content-type'),
        requestId: response.headers.get('x-request-id'),
        body: await response.json(),
      }
    }),
  )
}

/** What differs between two real generations: ids, URLs, times. */
function masked(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value)
      .replace(/"(gen|img)_[A-Za-z0-9_-]+"/g, '"<id>"')
      .replace(/"https?:\/\/[^"]+"/g, '"<url>"')
      .replace(/"\d{4}-\d\d-\d\dT[^"]+"/g, '"<time>"')
      .replace(/"(latencyMs|used|remaining|retryAfterMs)":\d+/g, '"$1":0'),
  )
}

describe('generate.image without the fetch adapter', () => {
  it('answers a call exactly as the adapter does', async () => {
    const { apiKey } = await harness.createUser()
    const callsBefore = vi.mocked(createCaller).mock.calls.length
    const [fast, slow] = await both('/trpc/generate.image', JSON.stringify({ prompt: 'a parity banana' }), {
      authorization: `Bearer ${apiKey}`,
    })
    expect(fast?.status).toBe(200)
    expect(masked(fast)).toEqual(masked(slow))
    expect(fast?.body).toMatchObject({ result: { data: { provider: 'local', replayed: false } } })
    expect(vi.mocked(createCaller).mock.calls.length).toBe(callsBefore + 1)
  })

  it.each([
    ['an invalid input', JSON.stringify({ prompt: '' }), true],
    ['no credentials', JSON.stringify({ prompt: 'x' }), false],
    ['a body that is not JSON', '{"prompt":', true],
    ['an unknown field type', JSON.stringify({ prompt: 'x', count: 'many' }), true],
    ['an empty body', '', true],
  ])('refuses %s exactly as the adapter does', async (_, body, authenticated) => {
    const { apiKey } = await harness.createUser()
    const [fast, slow] = await both(
      '/trpc/generate.image',
      body,
      authenticated ? { authorization: `Bearer ${apiKey}` } : {},
    )
    expect(fast?.status).toBeGreaterThanOrEqual(400)
    expect(fast).toEqual(slow)
  })

  it.each([
    ['a call', { 0: { prompt: 'a batched parity banana' } }],
    ['a refusal', { 0: { prompt: '' } }],
    ['a batch without its call', {}],
  ])('answers %s in a batch of one (the SDK batch link) exactly as the adapter does', async (_, body) => {
    const { apiKey } = await harness.createUser()
    const callsBefore = vi.mocked(createCaller).mock.calls.length
    const [fast, slow] = await both('/trpc/generate.image?batch=1', JSON.stringify(body), {
      authorization: `Bearer ${apiKey}`,
    })
    expect(Array.isArray(fast?.body)).toBe(true)
    expect(masked(fast)).toEqual(masked(slow))
    expect(vi.mocked(createCaller).mock.calls.length).toBe(callsBefore + 1)
  })

  it('refuses over the quota exactly as the adapter does', async () => {
    const { apiKey } = await harness.createUser()
    const auth = { authorization: `Bearer ${apiKey}` }
    for (let index = 0; index < 3; index++) {
      const response = await direct.request('http://localhost/trpc/generate.image', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ prompt: `fill ${index}` }),
      })
      expect(response.status).toBe(200)
    }
    const [fast, slow] = await both('/trpc/generate.image', JSON.stringify({ prompt: 'one too many' }), auth)
    expect(fast?.status).toBe(429)
    expect(masked(fast)).toEqual(masked(slow))
  })

  it('leaves batches and other procedures to the adapter', async () => {
    const { apiKey } = await harness.createUser()
    const response = await direct.request('http://localhost/trpc/generate.image,generate.image?batch=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ 0: { prompt: 'batched one' }, 1: { prompt: 'batched two' } }),
    })
    expect(response.status).toBe(200)
    const answers = (await response.json()) as { result: { data: { images: unknown[] } } }[]
    expect(answers.map((answer) => answer.result.data.images)).toHaveLength(2)
    const calls = vi.mocked(createCaller).mock.calls.length
    const status = await direct.request('http://localhost/trpc/quota.status', {
      headers: { authorization: `Bearer ${apiKey}` },
    })
    expect(status.status).toBe(200)
    expect(vi.mocked(createCaller).mock.calls.length).toBe(calls)
  })
})
