/** @module Kling image adapter against the contract fake: JWT auth, outgoing requests, results, errors. */
import { decodeJwt } from 'jose'
import sharp from 'sharp'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type KlingFake, startKlingFake } from '../../fakes/kling-fake.js'
import { imageRequest } from '../../testing.js'
import { type ImageGenerationRequest, ProviderError } from '../../types.js'
import { createKlingProvider, type KlingConfig } from './kling-adapter.js'

let fake: KlingFake
let config: KlingConfig

beforeAll(async () => {
  fake = await startKlingFake()
  config = {
    accessKey: fake.accessKey,
    secretKey: fake.secretKey,
    baseUrl: fake.url,
    pollIntervalMs: 5,
    maxPollWaitMs: 2_000,
  }
})
afterAll(() => fake.close())
beforeEach(() => {
  fake.reset()
  fake.options.now = () => new Date()
})

const request = (overrides: Partial<ImageGenerationRequest> = {}) =>
  imageRequest({ prompt: 'a red fox in snow', ...overrides })

const creates = () => fake.requests.filter((entry) => entry.method === 'POST')
const bearer = (index: number) => (creates()[index]?.headers.authorization ?? '').replace(/^Bearer /, '')

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!ProviderError.isInstance(error)) throw new Error(`expected a ProviderError, got ${String(error)}`)
  expect(error.provider).toBe('kling')
  for (const secret of [fake.secretKey, bearer(0)].filter(Boolean))
    expect(error.message).not.toContain(secret)
  return error
}

async function png(width: number, height: number, format: 'png' | 'jpeg' | 'webp' = 'png') {
  return sharp({ create: { width, height, channels: 3, background: '#3a7' } })
    .toFormat(format)
    .toBuffer()
}

describe('kling text-to-image', () => {
  it('posts the real request shape with a signed JWT and returns n exact-size images', async () => {
    const { image } = createKlingProvider(config)
    const result = await image.generateImage(request({ aspectRatio: '16:9', count: 2 }))

    const [create, poll] = fake.requests
    expect([create?.method, create?.path]).toEqual(['POST', '/v1/images/generations'])
    expect(create?.headers['content-type']).toContain('application/json')
    expect(create?.body).toEqual({
      model_name: 'kling-v2',
      prompt: 'a red fox in snow',
      resolution: '1k',
      n: 2,
      aspect_ratio: '16:9',
    })
    const claims = decodeJwt(bearer(0))
    expect(claims.iss).toBe(fake.accessKey)
    expect((claims.exp ?? 0) - (claims.nbf ?? 0)).toBe(1805)
    const taskId = [...fake.tasks.keys()][0]
    expect([poll?.method, poll?.path]).toEqual(['GET', `/v1/images/generations/${taskId}`])
    expect(poll?.headers.authorization).toBe(create?.headers.authorization)

    expect(result.model).toBe('kling-v2')
    expect(result.costUsd).toBeCloseTo(0.028)
    expect(result.images).toHaveLength(2)
    for (const generated of result.images) {
      const metadata = await sharp(generated.data).metadata()
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 1376, 768])
      expect([generated.mimeType, generated.width, generated.height]).toEqual(['image/png', 1376, 768])
    }
    expect(result.warnings).toEqual([
      { type: 'adjusted', feature: 'size', details: 'Kling made 1344×768; resized to 1376×768' },
    ])
  })

  it('reuses one JWT across calls', async () => {
    const { image } = createKlingProvider(config)
    await image.generateImage(request())
    await image.generateImage(request())
    const tokens = new Set(fake.requests.map((entry) => entry.headers.authorization))
    expect(tokens.size).toBe(1)
  })

  it('sends the reference as raw base64 and drops the negative prompt with a warning', async () => {
    const reference = await png(320, 320, 'jpeg')
    const { image } = createKlingProvider(config)
    const result = await image.generateImage(
      request({ negativePrompt: 'blur', referenceImages: [{ data: reference, mimeType: 'image/jpeg' }] }),
    )
    expect(creates()[0]?.body).toEqual({
      model_name: 'kling-v2',
      prompt: 'a red fox in snow',
      image: reference.toString('base64'),
      resolution: '1k',
      n: 1,
      aspect_ratio: '1:1',
    })
    expect(result.warnings).toContainEqual({
      type: 'unsupported',
      feature: 'negativePrompt',
      details: 'not allowed with a reference image',
    })
  })

  it('sends negative_prompt without a reference', async () => {
    const { image } = createKlingProvider(config)
    await image.generateImage(request({ negativePrompt: 'blur' }))
    expect(creates()[0]?.body).toMatchObject({ negative_prompt: 'blur' })
  })

  it('converts small or WebP references and adds image_reference on kling-v1-5', async () => {
    const { image } = createKlingProvider({ ...config, model: 'kling-v1-5' })
    const result = await image.generateImage(
      request({ referenceImages: [{ data: await png(100, 150, 'webp'), mimeType: 'image/webp' }] }),
    )
    const body = creates()[0]?.body as Record<string, unknown>
    expect(body.image_reference).toBe('subject')
    const sent = await sharp(Buffer.from(String(body.image), 'base64')).metadata()
    expect([sent.format, sent.width, sent.height]).toEqual(['png', 300, 450])
    expect(result.warnings.find((warning) => warning.feature === 'referenceImages')?.type).toBe('adjusted')
  })

  it('asks for 2k, maps 4:5 to 3:4 and warns about seed', async () => {
    const { image } = createKlingProvider(config)
    const result = await image.generateImage(request({ resolution: '2K', aspectRatio: '4:5', seed: 5 }))
    expect(creates()[0]?.body).toMatchObject({ resolution: '2k', aspect_ratio: '3:4' })
    expect(result.warnings.map((warning) => warning.feature)).toEqual(['aspectRatio', 'seed', 'size'])
    expect([result.images[0]?.width, result.images[0]?.height]).toEqual([1856, 2304])
    expect(result.costUsd).toBeCloseTo(0.028)
  })
})

describe('kling polling', () => {
  it('waits through submitted and processing', async () => {
    const { image } = createKlingProvider(config)
    await image.generateImage(request({ prompt: 'fox [slow:3]' }))
    expect(
      fake.requests.filter((entry) => entry.method === 'GET' && entry.path.startsWith('/v1/')),
    ).toHaveLength(4)
  })

  it('gives up at the deadline with a timeout', async () => {
    const { image } = createKlingProvider({ ...config, maxPollWaitMs: 30 })
    const error = await failure(image.generateImage(request({ prompt: 'fox [slow:100000]' })))
    expect([error.errorClass, error.retryable]).toEqual(['timeout', true])
  })
})

describe('kling auth', () => {
  it('renews the JWT once when Kling answers 1004 (expired), then succeeds', async () => {
    let now = Date.now()
    const adapterNow = () => now
    const { image } = createKlingProvider({ ...config, now: adapterNow })
    await image.generateImage(request())
    const first = bearer(0)
    fake.reset()
    // Kling's clock says the first token has expired; ours is 100 s later, so the cache still holds it.
    now += 100_000
    fake.options.now = () => new Date((decodeJwt(first).exp ?? 0) * 1000 + 1_000)
    await image.generateImage(request())
    const [rejected, retried] = creates()
    expect(rejected?.headers.authorization).toBe(`Bearer ${first}`)
    expect(retried?.headers.authorization).not.toBe(`Bearer ${first}`)
    expect(creates()).toHaveLength(2)
  })

  it('fails with auth after one renewal when the token keeps expiring', async () => {
    fake.options.now = () => new Date(Date.now() + 10 * 3_600_000)
    const { image } = createKlingProvider(config)
    const error = await failure(image.generateImage(request()))
    expect([error.errorClass, error.retryable, error.status]).toEqual(['auth', false, 401])
    expect(error.message).toContain('1004')
    expect(creates()).toHaveLength(2)
  })

  it('a wrong secret key → auth (1002), no renewal', async () => {
    const { image } = createKlingProvider({ ...config, secretKey: 'not-the-secret' })
    const error = await failure(image.generateImage(request()))
    expect([error.errorClass, error.retryable]).toEqual(['auth', false])
    expect(error.message).toContain('1002')
    expect(error.message).not.toContain('not-the-secret')
    expect(creates()).toHaveLength(1)
  })
})

describe('kling errors', () => {
  const generate = (prompt: string) => createKlingProvider(config).image.generateImage(request({ prompt }))

  it('429 code 1303 → rate_limited, retryable, with a 1 s backoff hint', async () => {
    const error = await failure(generate('fox [throttled]'))
    expect([error.errorClass, error.retryable, error.status, error.retryAfterMs]).toEqual([
      'rate_limited',
      true,
      429,
      1_000,
    ])
  })

  it('429 code 1302 with Retry-After → rate_limited with the header hint', async () => {
    const error = await failure(generate('fox [too-fast]'))
    expect([error.errorClass, error.retryable, error.retryAfterMs]).toEqual(['rate_limited', true, 3_000])
  })

  it('429 code 1102 → quota_exhausted, NOT retryable despite the 429', async () => {
    const error = await failure(generate('fox [quota]'))
    expect([error.errorClass, error.retryable, error.status]).toEqual(['quota_exhausted', false, 429])
    expect(error.message).toContain('1102')
  })

  it('429 code 1101 → quota_exhausted', async () => {
    const error = await failure(generate('fox [arrears]'))
    expect([error.errorClass, error.retryable]).toEqual(['quota_exhausted', false])
  })

  it('400 code 1301 at submit → content_policy', async () => {
    const error = await failure(generate('fox [moderated]'))
    expect([error.errorClass, error.retryable, error.status]).toEqual(['content_policy', false, 400])
  })

  it('a task failed by risk control → content_policy', async () => {
    const error = await failure(generate('fox [risk]'))
    expect([error.errorClass, error.retryable]).toEqual(['content_policy', false])
  })

  it('400 code 1201 → invalid_request', async () => {
    const error = await failure(generate('x'.repeat(2501)))
    expect([error.errorClass, error.retryable, error.status]).toEqual(['invalid_request', false, 400])
  })

  it('5xx code 5001 → transient', async () => {
    fake.inject(
      {
        kind: 'status',
        status: 503,
        json: { code: 5001, message: 'Service under maintenance', request_id: 'r' },
      },
      /^\/v1\/images\/generations\/.+/,
    )
    const error = await failure(generate('fox'))
    expect([error.errorClass, error.retryable, error.status]).toEqual(['transient', true, 503])
  })

  it('a 200 whose envelope code is an error → that error', async () => {
    fake.inject({ kind: 'status', status: 200, json: { code: 1303, message: 'busy', request_id: 'r' } })
    const error = await failure(generate('fox'))
    expect([error.errorClass, error.retryable]).toEqual(['rate_limited', true])
  })

  it('a 200 that is not an envelope → transient', async () => {
    fake.inject({ kind: 'status', status: 200, json: { unexpected: true } })
    const error = await failure(generate('fox'))
    expect(error.errorClass).toBe('transient')
  })

  it('a hanging request aborted by the caller → timeout', async () => {
    fake.inject({ kind: 'hang' }, /^\/v1\/images\/generations$/)
    const { image } = createKlingProvider(config)
    const error = await failure(image.generateImage(request(), { signal: AbortSignal.timeout(100) }))
    expect([error.errorClass, error.retryable]).toEqual(['timeout', true])
  })

  it('a connection reset → transient', async () => {
    fake.inject({ kind: 'reset' })
    const error = await failure(generate('fox'))
    expect([error.errorClass, error.retryable]).toEqual(['transient', true])
  })

  it('a failed task → task_failed', async () => {
    const error = await failure(generate('fox [failed]'))
    expect([error.errorClass, error.retryable]).toEqual(['task_failed', false])
  })

  it('succeed with no images → task_failed "no image"', async () => {
    const error = await failure(generate('fox [empty]'))
    expect(error.errorClass).toBe('task_failed')
    expect(error.message).toContain('no image')
  })

  it('an expired result URL → task_failed', async () => {
    const error = await failure(generate('fox [expired]'))
    expect([error.errorClass, error.status]).toEqual(['task_failed', 404])
  })
})

describe('kling fake', () => {
  it('rejects data: prefixes, numeric durations and missing tokens the way Kling does', async () => {
    const { image } = createKlingProvider(config)
    await image.generateImage(request())
    const authorization = fake.requests[0]?.headers.authorization ?? ''
    const post = (path: string, body: unknown, headers: Record<string, string> = { authorization }) =>
      fetch(`${fake.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }).then(async (response) => [response.status, ((await response.json()) as { code: number }).code])
    const reference = (await png(320, 320)).toString('base64')
    expect(
      await post('/v1/images/generations', { prompt: 'x', image: `data:image/png;base64,${reference}` }),
    ).toEqual([400, 1201])
    expect(await post('/v1/videos/text2video', { prompt: 'x', duration: 5 })).toEqual([400, 1201])
    expect(await post('/v1/images/generations', { prompt: 'x' }, {})).toEqual([401, 1001])
  })
})
