/**
 * `POST /v1/images/generations` driven by the official `openai` client (its own request building
 * and error parsing), pointed at the app through `fetch`.
 */
import OpenAI from 'openai'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness, type TestUser } from '../../test/harness.js'
import { createApp } from '../http.js'
import { imageStorageKey } from '../services/images/image-output.js'
import { mapOpenAISize } from './openai-size.js'

let harness: Harness
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  harness = await createHarness({ free: { dailyLimit: 6, cooldownSeconds: 0 } })
  app = createApp(harness.deps)
})
afterAll(() => harness.close())

function clientFor(apiKey: string, headers: Record<string, string> = {}) {
  return new OpenAI({
    apiKey,
    baseURL: 'http://gateway.test/v1',
    maxRetries: 0,
    defaultHeaders: headers,
    fetch: async (url, init) => app.fetch(new Request(url, init as RequestInit)),
  })
}

async function generationRows(user: TestUser) {
  return harness.deps.db.selectFrom('generations').selectAll().where('user_id', '=', user.user.id).execute()
}

describe('POST /v1/images/generations', () => {
  it('generates with the official client: b64_json of a real image, history and quota applied', async () => {
    const user = await harness.createUser()
    const response = await clientFor(user.apiKey).images.generate({
      prompt: 'a lighthouse in the fog',
      size: '1536x1024',
      n: 2,
      output_format: 'webp',
    })
    expect(response.created).toBeGreaterThan(1_700_000_000)
    expect(response.data).toHaveLength(2)
    const bytes = Buffer.from(response.data?.[0]?.b64_json ?? '', 'base64')
    const metadata = await sharp(bytes).metadata()
    expect(metadata.format).toBe('webp')
    // 1536x1024 is 3:2 at 1K: our 3:2 1K size.
    expect((metadata.width ?? 0) / (metadata.height ?? 1)).toBeCloseTo(1.5, 1)
    const history = await user.caller.library.history.list({})
    expect(history.items.map((image) => image.prompt)).toEqual([
      'a lighthouse in the fog',
      'a lighthouse in the fog',
    ])
    // Each answered image is byte for byte the stored one (handed over by the generation, not re-read).
    const answered = (response.data ?? []).map((item) => Buffer.from(item.b64_json ?? '', 'base64'))
    const stored = await Promise.all(
      history.items.map((image) =>
        harness.deps.storage.read(imageStorageKey(user.user.id, image.id, image.mimeType)),
      ),
    )
    expect(answered.map((item) => item.toString('hex')).sort()).toEqual(
      stored.map((item) => Buffer.from(item ?? []).toString('hex')).sort(),
    )
    expect((await user.caller.quota.status()).used).toBe(2)
  })

  it('returns signed URLs with response_format url, and pins a provider by model name', async () => {
    const user = await harness.createUser()
    const response = await clientFor(user.apiKey).images.generate({
      prompt: 'a red kite',
      model: 'local',
      response_format: 'url',
    })
    const url = response.data?.[0]?.url ?? ''
    expect(url).toContain('/files/')
    const download = await app.request(url.replace('http://gateway.test', ''))
    expect(download.status).toBe(200)
    expect(download.headers.get('content-type')).toBe('image/png')
    expect((await generationRows(user))[0]?.provider).toBe('local')
  })

  it('replays an Idempotency-Key without charging twice', async () => {
    const user = await harness.createUser()
    const client = clientFor(user.apiKey, { 'Idempotency-Key': 'openai-retry-1' })
    const first = await client.images.generate({ prompt: 'once only' })
    const second = await client.images.generate({ prompt: 'once only' })
    expect(second.data?.[0]?.b64_json).toBe(first.data?.[0]?.b64_json)
    expect(await generationRows(user)).toHaveLength(1)
    expect((await user.caller.quota.status()).used).toBe(1)
    const conflict = await client.images
      .generate({ prompt: 'something else' })
      .catch((error: unknown) => error)
    expect(conflict).toBeInstanceOf(OpenAI.ConflictError)
  })

  it('answers 401 in OpenAI’s shape for a bad key', async () => {
    const error = await clientFor('nbl_not_a_real_key')
      .images.generate({ prompt: 'x' })
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError)
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('invalid_api_key')
  })

  it('answers 400 naming the parameter, and charges nothing', async () => {
    const user = await harness.createUser()
    const client = clientFor(user.apiKey)
    for (const [request, param] of [
      [{ prompt: 'x', n: 9 }, 'n'],
      [{ prompt: 'x', size: 'huge' }, 'size'],
      [{ prompt: 'x', model: 'no-such-model' }, 'model'],
      [{ prompt: '' }, 'prompt'],
    ] as const) {
      const error = await client.images.generate(request as never).catch((thrown: unknown) => thrown)
      expect(error, JSON.stringify(request)).toBeInstanceOf(OpenAI.BadRequestError)
      expect((error as InstanceType<typeof OpenAI.APIError>).param).toBe(param)
    }
    expect(await generationRows(user)).toHaveLength(0)
    expect((await user.caller.quota.status()).used).toBe(0)
  })

  it('answers 429 with Retry-After when the daily quota is spent', async () => {
    const user = await harness.createUser()
    const client = clientFor(user.apiKey)
    await client.images.generate({ prompt: 'spend', n: 4 })
    await client.images.generate({ prompt: 'spend', n: 2 })
    const response = await app.request('/v1/images/generations', {
      method: 'POST',
      headers: { authorization: `Bearer ${user.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'one too many' }),
    })
    expect(response.status).toBe(429)
    const retryAfter = Number(response.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(86_400)
    expect(await response.json()).toEqual({
      error: {
        message: expect.any(String),
        type: 'insufficient_quota',
        param: null,
        code: 'insufficient_quota',
      },
    })
  })

  it('refuses a body that is not JSON', async () => {
    const user = await harness.createUser()
    const response = await app.request('/v1/images/generations', {
      method: 'POST',
      headers: { authorization: `Bearer ${user.apiKey}`, 'content-type': 'application/json' },
      body: '{not json',
    })
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error')
  })
})

describe('mapOpenAISize', () => {
  it.each([
    ['1024x1024', undefined, { resolution: '1K', aspectRatio: '1:1' }],
    ['1792x1024', undefined, { resolution: '1K', aspectRatio: '16:9' }],
    ['1024x1536', undefined, { resolution: '1K', aspectRatio: '2:3' }],
    ['2048x2048', undefined, { resolution: '2K', aspectRatio: '1:1' }],
    ['4096x1755', undefined, { resolution: '4K', aspectRatio: '21:9' }],
    ['auto', 'hd', { resolution: '2K' }],
    [undefined, 'low', {}],
  ])('%s (quality %s) → %j', (size, quality, expected) => {
    expect(mapOpenAISize(size, quality)).toEqual(expected)
  })

  it.each(['huge', '10x10', '9000x1024', '1024X1024'])('refuses %s', (size) => {
    expect(mapOpenAISize(size, undefined)).toBeUndefined()
  })
})
