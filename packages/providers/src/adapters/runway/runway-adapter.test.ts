/** @module Runway image adapter against the contract fake: outgoing requests, results, polling, errors. */
import sharp from 'sharp'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { type RunwayFake, startRunwayFake } from '../../fakes/runway-fake.js'
import { imageRequest } from '../../testing.js'
import { type ImageGenerationRequest, ProviderError } from '../../types.js'
import type { RunwayConfig } from './runway-adapter.js'
import { createRunwayProvider, RUNWAY_API_VERSION } from './runway-adapter.js'

let fake: RunwayFake
let config: RunwayConfig

beforeAll(async () => {
  fake = await startRunwayFake()
  config = { apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 5, maxPollWaitMs: 2_000 }
})
afterAll(() => fake.close())
beforeEach(() => fake.reset())

const request = (overrides: Partial<ImageGenerationRequest> = {}) =>
  imageRequest({ prompt: 'a lighthouse at dusk', ...overrides })

const posts = () => fake.requests.filter((entry) => entry.method === 'POST')

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!ProviderError.isInstance(error)) throw new Error(`expected a ProviderError, got ${String(error)}`)
  expect(error.provider).toBe('runway')
  expect(error.message).not.toContain(fake.apiKey)
  return error
}

describe('runway text-to-image', () => {
  it('posts the real request shape and returns exact-size bytes', async () => {
    const { image } = createRunwayProvider(config)
    const result = await image.generateImage(request({ aspectRatio: '16:9', seed: 7 }))

    const [create, ...rest] = fake.requests
    expect(create?.method).toBe('POST')
    expect(create?.path).toBe('/v1/text_to_image')
    expect(create?.headers.authorization).toBe(`Bearer ${fake.apiKey}`)
    expect(create?.headers['x-runway-version']).toBe(RUNWAY_API_VERSION)
    expect(create?.headers['content-type']).toContain('application/json')
    expect(create?.body).toEqual({
      model: 'gen4_image',
      promptText: 'a lighthouse at dusk',
      ratio: '1920:1080',
      seed: 7,
    })
    const taskId = [...fake.tasks.keys()][0]
    expect(rest[0]?.method).toBe('GET')
    expect(rest[0]?.path).toBe(`/v1/tasks/${taskId}`)
    // Every API call carries the version header.
    for (const entry of fake.requests.filter((call) => call.path.startsWith('/v1/'))) {
      expect(entry.headers['x-runway-version']).toBe('2024-11-06')
    }

    expect(result.model).toBe('gen4_image')
    expect(result.costUsd).toBeCloseTo(0.08)
    const [generated] = result.images
    expect(generated?.mimeType).toBe('image/png')
    expect([generated?.width, generated?.height]).toEqual([1376, 768])
    const metadata = await sharp(generated?.data).metadata()
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 1376, 768])
    expect(result.warnings).toEqual([
      { type: 'adjusted', feature: 'size', details: 'Runway made 1920×1080; resized to 1376×768' },
    ])
  })

  it('passes a native size through untouched, converting the format when asked', async () => {
    const { image } = createRunwayProvider(config)
    const result = await image.generateImage(request({ aspectRatio: '1:1', outputFormat: 'webp' }))
    expect(posts()[0]?.body).toMatchObject({ ratio: '1024:1024' })
    expect(result.warnings).toEqual([])
    const metadata = await sharp(result.images[0]?.data).metadata()
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', 1024, 1024])
    expect(result.images[0]?.mimeType).toBe('image/webp')
  })

  it('sends reference images as tagged data URIs', async () => {
    const reference = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#123456' } })
      .png()
      .toBuffer()
    const { image } = createRunwayProvider({ ...config, model: 'gen4_image_turbo' })
    const result = await image.generateImage(
      request({
        referenceImages: [
          { data: reference, mimeType: 'image/png' },
          { data: reference, mimeType: 'image/png' },
        ],
      }),
    )
    expect(posts()[0]?.body).toEqual({
      model: 'gen4_image_turbo',
      promptText: 'a lighthouse at dusk',
      ratio: '1024:1024',
      referenceImages: [
        { uri: `data:image/png;base64,${reference.toString('base64')}`, tag: 'ref1' },
        { uri: `data:image/png;base64,${reference.toString('base64')}`, tag: 'ref2' },
      ],
    })
    expect(result.costUsd).toBeCloseTo(0.02)
  })

  it('refuses gen4_image_turbo without references before calling Runway', async () => {
    const { image } = createRunwayProvider({ ...config, model: 'gen4_image_turbo' })
    const error = await failure(image.generateImage(request()))
    expect(error.errorClass).toBe('invalid_request')
    expect(fake.requests).toHaveLength(0)
  })

  it('runs one task per image with consecutive seeds', async () => {
    const { image } = createRunwayProvider(config)
    const result = await image.generateImage(request({ count: 2, seed: 41 }))
    expect(posts().map((entry) => (entry.body as { seed: number }).seed)).toEqual([41, 42])
    expect(result.images).toHaveLength(2)
    expect(result.costUsd).toBeCloseTo(0.16)
  })

  it('warns about what it cannot honour and still returns the exact size', async () => {
    const { image } = createRunwayProvider(config)
    const result = await image.generateImage(
      request({ aspectRatio: '3:2', negativePrompt: 'fog', searchGrounding: true }),
    )
    expect(posts()[0]?.body).toMatchObject({ ratio: '1440:1080' })
    expect(result.warnings.map((warning) => warning.feature)).toEqual([
      'negativePrompt',
      'searchGrounding',
      'aspectRatio',
      'size',
    ])
    expect([result.images[0]?.width, result.images[0]?.height]).toEqual([1264, 848])
  })

  it('drops seed and tags for gemini_2.5_flash', async () => {
    const { image } = createRunwayProvider({ ...config, model: 'gemini_2.5_flash' })
    const reference = {
      data: await sharp({ create: { width: 2, height: 2, channels: 3, background: '#fff' } })
        .png()
        .toBuffer(),
      mimeType: 'image/png',
    }
    const result = await image.generateImage(
      request({ aspectRatio: '4:5', seed: 3, referenceImages: [reference] }),
    )
    const body = posts()[0]?.body as Record<string, unknown>
    expect(body.seed).toBeUndefined()
    expect(body.ratio).toBe('896:1152')
    expect(body.referenceImages).toEqual([{ uri: expect.stringMatching(/^data:image\/png;base64,/) }])
    expect(result.warnings).toContainEqual({ type: 'unsupported', feature: 'seed' })
  })

  it('sends credentials to the configured origin only, never to a foreign download host', async () => {
    const seen: { url: string; authorization: string | null }[] = []
    const cdnImage = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#000' } })
      .png()
      .toBuffer()
    const recordingFetch: typeof fetch = async (input, init) => {
      const url = input.toString()
      seen.push({ url, authorization: new Headers(init?.headers).get('authorization') })
      if (url.startsWith('https://cdn.example/')) {
        return new Response(cdnImage, { headers: { 'content-type': 'image/png' } })
      }
      const response = await fetch(input, init)
      if (!url.includes('/v1/tasks/')) return response
      const task = (await response.json()) as { status: string; output?: string[] }
      if (task.status === 'SUCCEEDED') task.output = ['https://cdn.example/out.png?_jwt=abc']
      return Response.json(task)
    }
    const { image } = createRunwayProvider({ ...config, fetch: recordingFetch })
    await image.generateImage(request())
    expect(seen.at(-1)).toEqual({ url: 'https://cdn.example/out.png?_jwt=abc', authorization: null })
    expect(seen[0]?.authorization).toBe(`Bearer ${fake.apiKey}`)
  })
})

describe('runway polling', () => {
  it('waits through PENDING, THROTTLED and RUNNING', async () => {
    const { image } = createRunwayProvider(config)
    const result = await image.generateImage(request({ prompt: 'slow lighthouse [slow:3]' }))
    expect(result.images).toHaveLength(1)
    expect(fake.requests.filter((entry) => entry.path.startsWith('/v1/tasks/'))).toHaveLength(4)
  })

  it('gives up at the deadline with a timeout and cancels the task', async () => {
    const { image } = createRunwayProvider({ ...config, maxPollWaitMs: 30 })
    const error = await failure(image.generateImage(request({ prompt: 'never [slow:100000]' })))
    expect(error.errorClass).toBe('timeout')
    expect(error.retryable).toBe(true)
    await vi.waitFor(() => expect(fake.requests.some((entry) => entry.method === 'DELETE')).toBe(true))
  })
})

describe('runway errors', () => {
  const generate = (prompt: string, overrides: Partial<RunwayConfig> = {}) =>
    createRunwayProvider({ ...config, ...overrides }).image.generateImage(request({ prompt }))

  it('429 with Retry-After → rate_limited with the hint', async () => {
    const error = await failure(generate('busy [rate-limited]'))
    expect([error.errorClass, error.retryable, error.retryAfterMs, error.status]).toEqual([
      'rate_limited',
      true,
      2_000,
      429,
    ])
  })

  it('429 after the daily cap → quota_exhausted, not retryable', async () => {
    const error = await failure(generate('again [daily-cap]'))
    expect([error.errorClass, error.retryable]).toEqual(['quota_exhausted', false])
  })

  it('no credits → quota_exhausted', async () => {
    const error = await failure(generate('poor [no-credits]'))
    expect([error.errorClass, error.retryable]).toEqual(['quota_exhausted', false])
  })

  it('FAILED SAFETY.INPUT.* → content_policy', async () => {
    const error = await failure(generate('bad [moderated]'))
    expect([error.errorClass, error.retryable]).toEqual(['content_policy', false])
    expect(error.message).toContain('SAFETY.INPUT.TEXT')
  })

  it('FAILED SAFETY.OUTPUT.* → content_policy', async () => {
    const error = await failure(generate('bad [moderated-output]'))
    expect(error.errorClass).toBe('content_policy')
    expect(error.message).toContain('SAFETY.OUTPUT.IMAGE')
  })

  it('400 validation → invalid_request', async () => {
    const error = await failure(generate('x'.repeat(1001)))
    expect([error.errorClass, error.retryable, error.status]).toEqual(['invalid_request', false, 400])
  })

  it('401 → auth', async () => {
    const error = await failure(generate('hello', { apiKey: 'wrong-key' }))
    expect([error.errorClass, error.retryable, error.status]).toEqual(['auth', false, 401])
    expect(error.message).not.toContain('wrong-key')
  })

  it('no API key → auth before any request (not the SDK reading RUNWAYML_API_SECRET)', async () => {
    const error = await failure(generate('hello', { apiKey: '' }))
    expect([error.errorClass, error.retryable]).toEqual(['auth', false])
    expect(fake.requests).toHaveLength(0)
  })

  it('5xx while polling → transient', async () => {
    fake.inject({ kind: 'status', status: 503, json: { error: 'Service unavailable' } }, /^\/v1\/tasks\//)
    const error = await failure(generate('hello'))
    expect([error.errorClass, error.retryable, error.status]).toEqual(['transient', true, 503])
  })

  it('a hanging request aborted by the caller → timeout', async () => {
    fake.inject({ kind: 'hang' }, /text_to_image/)
    const { image } = createRunwayProvider(config)
    const error = await failure(image.generateImage(request(), { signal: AbortSignal.timeout(100) }))
    expect([error.errorClass, error.retryable]).toEqual(['timeout', true])
  })

  it('a connection reset → transient', async () => {
    fake.inject({ kind: 'reset' }, /text_to_image/)
    const error = await failure(generate('hello'))
    expect([error.errorClass, error.retryable]).toEqual(['transient', true])
  })

  it('FAILED INTERNAL.* → task_failed, retryable (Runway says retry)', async () => {
    const error = await failure(generate('boom [internal]'))
    expect([error.errorClass, error.retryable]).toEqual(['task_failed', true])
  })

  it('FAILED ASSET.INVALID → task_failed, not retryable', async () => {
    const error = await failure(generate('bad asset [asset-invalid]'))
    expect([error.errorClass, error.retryable]).toEqual(['task_failed', false])
  })

  it('CANCELLED → task_failed', async () => {
    const error = await failure(generate('gone [cancelled]'))
    expect(error.errorClass).toBe('task_failed')
  })

  it('SUCCEEDED with an empty output → task_failed "no image"', async () => {
    const error = await failure(generate('nothing [empty]'))
    expect(error.errorClass).toBe('task_failed')
    expect(error.message).toContain('no image')
  })

  it('an expired output URL → task_failed', async () => {
    const error = await failure(generate('late [expired]'))
    expect([error.errorClass, error.status]).toEqual(['task_failed', 403])
    expect(error.message).toContain('expired')
  })

  it('a 200 without a task id → transient', async () => {
    fake.inject({ kind: 'status', status: 200, json: {} }, /text_to_image/)
    const error = await failure(generate('hello'))
    expect(error.errorClass).toBe('transient')
  })
})

describe('runway fake', () => {
  it('rejects a call without X-Runway-Version with 400', async () => {
    const response = await fetch(`${fake.url}/v1/text_to_image`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gen4_image', promptText: 'x', ratio: '1024:1024' }),
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: 'The X-Runway-Version header is required' })
  })
})
