/** @module Tests for the `replicate` adapter against the Replicate contract fake: requests, results, errors, polling. */
import sharp from 'sharp'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { tinyImage } from '../../fakes/media.js'
import { type ReplicateFake, startReplicateFake } from '../../fakes/replicate-fake.js'
import { imageRequest } from '../../testing.js'
import { type ImageGenerationRequest, ProviderError } from '../../types.js'
import {
  createReplicateProvider,
  REPLICATE_DEFAULT_BASE_URL,
  type ReplicateProviderConfig,
} from './replicate-adapter.js'
import { outputSource, replicateOutputUrls, trustedApiUrl } from './replicate-api.js'
import { replicateErrorFromPrediction, replicateRetryAfterMs } from './replicate-error.js'

let fake: ReplicateFake

beforeAll(async () => {
  fake = await startReplicateFake()
})
afterAll(async () => {
  await fake.close()
})
beforeEach(() => {
  fake.reset()
  fake.settings.pendingPolls = 0
  fake.settings.outputTtlMs = 3_600_000
  fake.settings.runMs = 5
})

function replicate(config: Partial<ReplicateProviderConfig> = {}) {
  return createReplicateProvider({
    apiKey: fake.apiKey,
    baseUrl: `${fake.url}/v1`,
    pollIntervalMs: 2,
    maxPollWaitMs: 2_000,
    ...config,
  }).image
}

const request = (overrides: Partial<ImageGenerationRequest> = {}) =>
  imageRequest({ prompt: 'a lighthouse at dusk', ...overrides })

const creates = () =>
  fake.requests.filter((recorded) => recorded.method === 'POST' && !recorded.path.endsWith('/cancel'))
const gets = () =>
  fake.requests.filter((recorded) => recorded.method === 'GET' && recorded.path.startsWith('/v1/'))
const cancels = () => fake.requests.filter((recorded) => recorded.path.endsWith('/cancel'))
const files = () => fake.requests.filter((recorded) => recorded.path.startsWith('/files/'))

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(ProviderError.isInstance(error)).toBe(true)
  const providerError = error as ProviderError
  expect(providerError.provider).toBe('replicate')
  expect(providerError.message).not.toContain(fake.apiKey)
  return providerError
}

async function png(color: string) {
  const data = await tinyImage({ width: 8, height: 8, format: 'png', color })
  return { bytes: data, reference: { data: new Uint8Array(data), mimeType: 'image/png' } }
}

describe('replicate: outgoing requests and results', () => {
  it('creates on the model endpoint with Bearer auth, Prefer: wait=30 and the mapped input', async () => {
    const result = await replicate().generateImage(request({ seed: 42, aspectRatio: '16:9' }))

    expect(creates()).toHaveLength(1)
    const create = creates()[0]!
    expect(create.method).toBe('POST')
    expect(create.path).toBe('/v1/models/black-forest-labs/flux-1.1-pro/predictions')
    expect(create.headers.authorization).toBe(`Bearer ${fake.apiKey}`)
    expect(create.headers.prefer).toBe('wait=30')
    expect(create.headers['content-type']).toContain('application/json')
    expect(create.body).toEqual({
      input: {
        prompt: 'a lighthouse at dusk',
        aspect_ratio: 'custom',
        width: 1376,
        height: 768,
        seed: 42,
        output_format: 'png',
        prompt_upsampling: false,
      },
    })
    // Finished within the wait: no polling.
    expect(gets()).toHaveLength(0)
    expect(files()).toHaveLength(1)

    expect(result.model).toBe('black-forest-labs/flux-1.1-pro')
    expect(result.costUsd).toBeCloseTo(0.04)
    expect(result.warnings).toEqual([])
    const image = result.images[0]!
    const metadata = await sharp(image.data).metadata()
    expect([image.mimeType, image.width, image.height]).toEqual(['image/png', 1376, 768])
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 1376, 768])
  })

  it('maps jpeg to "jpg", resizes an inexact size with a warning, takes the wait from config', async () => {
    const result = await replicate({ preferWaitSeconds: 5 }).generateImage(
      request({ aspectRatio: '4:3', outputFormat: 'jpeg' }),
    )
    expect(creates()[0]!.headers.prefer).toBe('wait=5')
    expect(creates()[0]!.body).toMatchObject({
      input: { aspect_ratio: 'custom', width: 1216, height: 896, output_format: 'jpg' },
    })
    const image = result.images[0]!
    expect([image.mimeType, image.width, image.height]).toEqual(['image/jpeg', 1200, 896])
    expect((await sharp(image.data).metadata()).format).toBe('jpeg')
    expect(result.warnings).toEqual([
      {
        type: 'adjusted',
        feature: 'size',
        details: 'black-forest-labs/flux-1.1-pro made 1216x896; resized to 1200x896',
      },
    ])
  })

  it('sends nano-banana references as data: URIs in image_input; seed is unsupported; webp converted', async () => {
    const first = await png('#ff0000')
    const second = await png('#00ff00')
    const result = await replicate({ model: 'google/nano-banana' }).generateImage(
      request({
        aspectRatio: '21:9',
        seed: 3,
        outputFormat: 'webp',
        referenceImages: [first.reference, second.reference],
      }),
    )
    expect(creates()[0]!.path).toBe('/v1/models/google/nano-banana/predictions')
    expect(creates()[0]!.body).toEqual({
      input: {
        prompt: 'a lighthouse at dusk',
        aspect_ratio: '21:9',
        output_format: 'png',
        image_input: [
          `data:image/png;base64,${first.bytes.toString('base64')}`,
          `data:image/png;base64,${second.bytes.toString('base64')}`,
        ],
      },
    })
    const image = result.images[0]!
    expect([image.mimeType, image.width, image.height]).toEqual(['image/webp', 1584, 672])
    expect((await sharp(image.data).metadata()).format).toBe('webp')
    expect(result.costUsd).toBeCloseTo(0.039)
    expect(result.warnings).toEqual([
      { type: 'unsupported', feature: 'seed', details: 'google/nano-banana takes no seed' },
      {
        type: 'adjusted',
        feature: 'size',
        details: 'google/nano-banana made 1568x672; resized to 1584x672',
      },
      {
        type: 'adjusted',
        feature: 'outputFormat',
        details: 'google/nano-banana returned png; converted to webp',
      },
    ])
  })

  it('sends a FLUX 1.1 Pro reference as one image_prompt data: URI', async () => {
    const { bytes, reference } = await png('#123456')
    await replicate().generateImage(request({ referenceImages: [reference] }))
    expect(creates()[0]!.body).toMatchObject({
      input: { image_prompt: `data:image/png;base64,${bytes.toString('base64')}` },
    })
  })

  it('asks flux-schnell for num_outputs in one prediction and normalises its array output', async () => {
    const result = await replicate({ model: 'black-forest-labs/flux-schnell' }).generateImage(
      request({ count: 3, seed: 9, outputFormat: 'webp' }),
    )
    expect(creates()).toHaveLength(1)
    expect(creates()[0]!.body).toEqual({
      input: {
        prompt: 'a lighthouse at dusk',
        aspect_ratio: '1:1',
        seed: 9,
        output_format: 'webp',
        num_outputs: 3,
      },
    })
    expect(files()).toHaveLength(3)
    expect(result.images).toHaveLength(3)
    for (const image of result.images) {
      expect([image.mimeType, image.width, image.height]).toEqual(['image/webp', 1024, 1024])
    }
    expect(result.costUsd).toBeCloseTo(0.009)
    expect(result.warnings).toEqual([])
  })

  it('makes count parallel predictions (seed + index) for a model without num_outputs', async () => {
    const result = await replicate().generateImage(request({ count: 2, seed: 100 }))
    const seeds = creates().map((create) => (create.body as { input: { seed: number } }).input.seed)
    expect(seeds.sort()).toEqual([100, 101])
    expect(result.images).toHaveLength(2)
    expect(result.costUsd).toBeCloseTo(0.08)
  })

  it('creates a pinned version on POST /predictions with the version in the body', async () => {
    const version = 'a'.repeat(64)
    const result = await replicate({ model: `black-forest-labs/flux-1.1-pro:${version}` }).generateImage(
      request(),
    )
    expect(creates()[0]!.path).toBe('/v1/predictions')
    expect(creates()[0]!.body).toMatchObject({ version, input: { prompt: 'a lighthouse at dusk' } })
    expect(result.images).toHaveLength(1)
  })

  it('sends no Prefer header when sync mode is off, then polls urls.get', async () => {
    await replicate({ preferWaitSeconds: 0 }).generateImage(request())
    expect(creates()[0]!.headers.prefer).toBeUndefined()
    expect(gets()).toHaveLength(1)
    expect(gets()[0]!.path).toMatch(/^\/v1\/predictions\/\w+$/)
    expect(gets()[0]!.headers.authorization).toBe(`Bearer ${fake.apiKey}`)
  })

  it('applies operator overrides and declares the catalog defaults', async () => {
    const image = replicate({ overrides: { pricing: { perImageUsd: { '1K': 0.1, '2K': 0.2, '4K': 0.4 } } } })
    expect(image.name).toBe('replicate')
    expect(image.defaultModel).toBe('black-forest-labs/flux-1.1-pro')
    expect(image.capabilities).toMatchObject({
      maxResolution: '1K',
      maxReferenceImages: 1,
      maxImagesPerCall: 4,
    })
    expect((await image.generateImage(request())).costUsd).toBeCloseTo(0.1)
    expect(replicate({ model: 'google/nano-banana' }).capabilities.maxReferenceImages).toBe(3)
    expect(REPLICATE_DEFAULT_BASE_URL).toBe('https://api.replicate.com/v1')
  })
})

describe('replicate: polling', () => {
  it('polls a prediction that is not done within the wait: starting → processing ×N → succeeded', async () => {
    const result = await replicate().generateImage(request({ prompt: 'slow [slow:3]' }))
    expect(gets()).toHaveLength(4)
    expect(result.images).toHaveLength(1)
  })

  it('gives up at the overall deadline with a timeout, and cancels the prediction', async () => {
    const error = await failure(
      replicate({ maxPollWaitMs: 30 }).generateImage(request({ prompt: 'never [slow:100000]' })),
    )
    expect([error.errorClass, error.retryable]).toEqual(['timeout', true])
    expect(cancels()).toHaveLength(1)
    expect(cancels()[0]!.headers.authorization).toBe(`Bearer ${fake.apiKey}`)
  })

  it('cancels the prediction when the caller aborts while polling', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 30)
    const error = await failure(
      replicate().generateImage(request({ prompt: 'slow [slow:100000]' }), { signal: controller.signal }),
    )
    expect(error.errorClass).toBe('timeout')
    expect(cancels()).toHaveLength(1)
    const id = cancels()[0]!.path.split('/')[3]
    const status = await fetch(`${fake.url}/v1/predictions/${id}`, {
      headers: { authorization: `Bearer ${fake.apiKey}` },
    })
    expect(((await status.json()) as { status: string }).status).toBe('canceled')
  })
})

describe('replicate: errors', () => {
  it('429 throttled → rate_limited with the "resets in ~30s" hint, retryable', async () => {
    const error = await failure(replicate().generateImage(request({ prompt: 'busy [throttle]' })))
    expect([error.errorClass, error.status, error.retryable, error.retryAfterMs]).toEqual([
      'rate_limited',
      429,
      true,
      30_000,
    ])
    expect(error.message).toContain('Request was throttled')
  })

  it('429 with Retry-After → that wait', async () => {
    fake.inject(
      {
        kind: 'status',
        status: 429,
        json: { detail: 'Request was throttled.' },
        headers: { 'retry-after': '3' },
      },
      /predictions$/,
    )
    const error = await failure(replicate().generateImage(request()))
    expect([error.errorClass, error.retryAfterMs]).toEqual(['rate_limited', 3000])
  })

  it('402 → quota_exhausted, not retryable', async () => {
    const error = await failure(replicate().generateImage(request({ prompt: 'broke [quota]' })))
    expect([error.errorClass, error.status, error.retryable]).toEqual(['quota_exhausted', 402, false])
    expect(error.message).toContain('insufficient credit')
  })

  it('failed with an E005 "sensitive" error → content_policy', async () => {
    const error = await failure(replicate().generateImage(request({ prompt: 'bad [nsfw]' })))
    expect([error.errorClass, error.retryable]).toEqual(['content_policy', false])
    expect(error.message).toContain('E005')
  })

  it('422 input validation → invalid_request', async () => {
    const error = await failure(replicate().generateImage(request({ prompt: 'odd [invalid]' })))
    expect([error.errorClass, error.status, error.retryable]).toEqual(['invalid_request', 422, false])
    expect(error.message).toContain(
      'Input validation failed: - input.prompt: prompt contains a forbidden word',
    )
  })

  it('404 unknown model → invalid_request', async () => {
    const error = await failure(replicate({ model: 'nobody/nothing' }).generateImage(request()))
    expect([error.errorClass, error.status]).toEqual(['invalid_request', 404])
  })

  it('a wrong token → auth, not retryable, and the token is not in the message', async () => {
    const error = await failure(replicate({ apiKey: 'r8_wrong_secret' }).generateImage(request()))
    expect([error.errorClass, error.status, error.retryable]).toEqual(['auth', 401, false])
    expect(error.message).not.toContain('r8_wrong_secret')
  })

  it('5xx at create → transient, retryable', async () => {
    const error = await failure(replicate().generateImage(request({ prompt: 'oops [server-error]' })))
    expect([error.errorClass, error.status, error.retryable]).toEqual(['transient', 500, true])
  })

  it('503 while polling → transient (and the prediction is cancelled)', async () => {
    fake.inject({ kind: 'status', status: 503, json: { detail: 'unavailable' } }, /^\/v1\/predictions\/\w+$/)
    const error = await failure(replicate().generateImage(request({ prompt: 'slow [slow:2]' })))
    expect([error.errorClass, error.status, error.retryable]).toEqual(['transient', 503, true])
    expect(cancels()).toHaveLength(1)
  })

  it('a hanging create and an aborted signal → timeout', async () => {
    fake.inject({ kind: 'hang' }, /predictions$/)
    const error = await failure(replicate().generateImage(request(), { signal: AbortSignal.timeout(50) }))
    expect([error.errorClass, error.retryable]).toEqual(['timeout', true])
  })

  it('a connection reset → transient', async () => {
    fake.inject({ kind: 'reset' }, /predictions$/)
    const error = await failure(replicate().generateImage(request()))
    expect([error.errorClass, error.retryable]).toEqual(['transient', true])
  })

  it('failed with another error → task_failed', async () => {
    const error = await failure(replicate().generateImage(request({ prompt: 'boom [fail]' })))
    expect([error.errorClass, error.retryable]).toEqual(['task_failed', false])
    expect(error.message).toContain('CUDA error')
  })

  it('canceled → task_failed', async () => {
    const error = await failure(replicate().generateImage(request({ prompt: 'stop [canceled]' })))
    expect(error.errorClass).toBe('task_failed')
    expect(error.message).toContain('canceled')
  })

  it('succeeded with null output → task_failed "no image in response"', async () => {
    const error = await failure(replicate().generateImage(request({ prompt: 'nothing [empty]' })))
    expect(error.errorClass).toBe('task_failed')
    expect(error.message).toContain('no image in response')
  })

  it('a removed output (data_removed) → task_failed naming the removal', async () => {
    const error = await failure(replicate().generateImage(request({ prompt: 'old [expired]' })))
    expect(error.errorClass).toBe('task_failed')
    expect(error.message).toContain('removed')
  })

  it('an output file gone at download → task_failed, retryable', async () => {
    fake.inject({ kind: 'status', status: 404, json: { detail: 'Not found' } }, /^\/files\//)
    const error = await failure(replicate().generateImage(request()))
    expect([error.errorClass, error.status, error.retryable]).toEqual(['task_failed', 404, true])
    expect(error.message).toContain('expired')
  })

  it('a malformed create success → transient', async () => {
    fake.inject({ kind: 'status', status: 201, json: { ok: true } }, /predictions$/)
    const error = await failure(replicate().generateImage(request()))
    expect(error.errorClass).toBe('transient')
    expect(error.message).toContain('malformed prediction')
  })
})

describe('replicate: helpers', () => {
  it('normalises output to an array of URL strings', () => {
    expect(replicateOutputUrls('https://replicate.delivery/a.png')).toEqual([
      'https://replicate.delivery/a.png',
    ])
    expect(replicateOutputUrls(['https://x/a.png', null, 'https://x/b.png'])).toEqual([
      'https://x/a.png',
      'https://x/b.png',
    ])
    expect(replicateOutputUrls(null)).toEqual([])
    expect(replicateOutputUrls({ image: 'https://x/a.png' })).toEqual([])
  })

  it('sends the token only to the configured origin', () => {
    const base = 'https://api.replicate.com/v1'
    expect(trustedApiUrl('https://evil.example/v1/predictions/x', `${base}/predictions/x`, base)).toBe(
      `${base}/predictions/x`,
    )
    expect(trustedApiUrl('https://api.replicate.com/v1/predictions/y', `${base}/predictions/x`, base)).toBe(
      'https://api.replicate.com/v1/predictions/y',
    )
    expect(outputSource('https://replicate.delivery/a.png', base)).toMatchObject({ withCredentials: false })
    expect(outputSource('http://replicate.delivery/a.png', base)).toBeUndefined()
    expect(outputSource('data:image/png;base64,AAEC', base)).toEqual({
      kind: 'data',
      data: Buffer.from([0, 1, 2]),
    })
  })

  it('reads throttle hints and safety failures', () => {
    const response = new Response(null, { status: 429 })
    expect(replicateRetryAfterMs(response, { detail: 'Your rate limit resets in ~12s.' })).toBe(12_000)
    expect(replicateRetryAfterMs(response, { retry_after: 1.5 })).toBe(1500)
    expect(replicateRetryAfterMs(response, { detail: 'slow down' })).toBeUndefined()
    for (const text of [
      'NSFW content detected',
      'flagged by the Safety checker',
      'violates content policy',
    ]) {
      expect(replicateErrorFromPrediction({ id: 'p', status: 'failed', error: text }).errorClass).toBe(
        'content_policy',
      )
    }
    expect(replicateErrorFromPrediction({ id: 'p', status: 'aborted', error: null }).errorClass).toBe(
      'task_failed',
    )
  })
})

describe('replicate fake', () => {
  it('returns an in-progress prediction without Prefer and rewrites urls to itself', async () => {
    const response = await fetch(`${fake.url}/v1/models/black-forest-labs/flux-1.1-pro/predictions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { prompt: 'x' } }),
    })
    expect(response.status).toBe(201)
    const prediction = (await response.json()) as { status: string; urls: { get: string; cancel: string } }
    expect(prediction.status).toBe('starting')
    expect(prediction.urls.get.startsWith(`${fake.url}/v1/predictions/`)).toBe(true)
    expect(prediction.urls.cancel.endsWith('/cancel')).toBe(true)
  })

  it('rejects a missing token with 401 and an invalid aspect ratio with 422', async () => {
    const unauthenticated = await fetch(`${fake.url}/v1/predictions/abc`)
    expect(unauthenticated.status).toBe(401)
    const invalid = await fetch(`${fake.url}/v1/models/black-forest-labs/flux-schnell/predictions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { prompt: 'x', aspect_ratio: '7:5' } }),
    })
    expect(invalid.status).toBe(422)
  })

  it('expires outputs: data_removed and 404 files', async () => {
    await replicate().generateImage(request())
    const fileUrl = `${fake.url}${files()[0]!.path}`
    expect((await fetch(fileUrl)).status).toBe(200)
    fake.expireOutputs()
    expect((await fetch(fileUrl)).status).toBe(404)
  })
})
