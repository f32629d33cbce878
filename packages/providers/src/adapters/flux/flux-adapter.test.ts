/** @module Tests for the `flux` adapter against the BFL contract fake: outgoing requests, results, errors, polling. */
import sharp from 'sharp'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type FluxFake, startFluxFake } from '../../fakes/flux-fake.js'
import { tinyImage } from '../../fakes/media.js'
import { mediaUrl as downloadableUrl } from '../../http/download.js'
import { imageRequest } from '../../testing.js'
import { type ImageGenerationRequest, ProviderError } from '../../types.js'
import { createFluxProvider, FLUX_DEFAULT_BASE_URL, type FluxProviderConfig } from './flux-adapter.js'
import { trustedPollingUrl } from './flux-api.js'
import { FLUX_MODELS, fluxDimensions } from './flux-options.js'

let fake: FluxFake

beforeAll(async () => {
  fake = await startFluxFake()
})
afterAll(async () => {
  await fake.close()
})
beforeEach(() => {
  fake.reset()
  fake.settings.pendingPolls = 1
  fake.settings.sampleTtlMs = 600_000
  fake.settings.reportCost = true
})

function flux(config: Partial<FluxProviderConfig> = {}) {
  return createFluxProvider({
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    pollIntervalMs: 2,
    maxPollWaitMs: 2_000,
    ...config,
  }).image
}

const request = (overrides: Partial<ImageGenerationRequest> = {}) =>
  imageRequest({ prompt: 'a lighthouse at dusk', ...overrides })

const submits = () => fake.requests.filter((recorded) => recorded.method === 'POST')
const polls = () => fake.requests.filter((recorded) => recorded.path === '/v1/get_result')
const downloads = () => fake.requests.filter((recorded) => recorded.path.startsWith('/results/'))

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(ProviderError.isInstance(error)).toBe(true)
  const providerError = error as ProviderError
  expect(providerError.provider).toBe('flux')
  expect(providerError.message).not.toContain(fake.apiKey)
  return providerError
}

describe('flux: outgoing requests and results', () => {
  it('submits text-to-image to /v1/flux-pro-1.1 with x-key, polls the polling_url, downloads without the key', async () => {
    const result = await flux().generateImage(request({ seed: 1234 }))

    expect(submits()).toHaveLength(1)
    const submit = submits()[0]!
    expect(submit.path).toBe('/v1/flux-pro-1.1')
    expect(submit.headers['x-key']).toBe(fake.apiKey)
    expect(submit.headers['content-type']).toContain('application/json')
    expect(submit.body).toEqual({
      prompt: 'a lighthouse at dusk',
      width: 1024,
      height: 1024,
      seed: 1234,
      output_format: 'png',
      prompt_upsampling: false,
    })

    // One Pending, then Ready; every poll carries the key.
    expect(polls()).toHaveLength(2)
    for (const poll of polls()) {
      expect(poll.method).toBe('GET')
      expect(poll.url.searchParams.get('id')).toMatch(/^[\w-]+$/)
      expect(poll.headers['x-key']).toBe(fake.apiKey)
    }
    expect(downloads()).toHaveLength(1)
    expect(downloads()[0]!.headers['x-key']).toBeUndefined()
    expect(downloads()[0]!.url.searchParams.get('sig')).toBe('fake')

    expect(result.model).toBe('flux-pro-1.1')
    expect(result.costUsd).toBeCloseTo(0.04)
    expect(result.warnings).toEqual([])
    expect(result.images).toHaveLength(1)
    const image = result.images[0]!
    const metadata = await sharp(image.data).metadata()
    expect([image.mimeType, image.width, image.height]).toEqual(['image/png', 1024, 1024])
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 1024, 1024])
  })

  it('makes count images as parallel tasks, seed + index, jpeg at an exact 16:9 size', async () => {
    const result = await flux().generateImage(
      request({ aspectRatio: '16:9', outputFormat: 'jpeg', count: 2, seed: 7 }),
    )
    const bodies = submits().map((submit) => submit.body as Record<string, unknown>)
    expect(bodies.map((body) => body.seed).sort()).toEqual([7, 8])
    for (const body of bodies) {
      expect(body).toMatchObject({ width: 1376, height: 768, output_format: 'jpeg' })
    }
    expect(result.images).toHaveLength(2)
    for (const image of result.images) {
      const metadata = await sharp(image.data).metadata()
      expect([image.mimeType, metadata.format, metadata.width, metadata.height]).toEqual([
        'image/jpeg',
        'jpeg',
        1376,
        768,
      ])
    }
    expect(result.costUsd).toBeCloseTo(0.08)
    expect(result.warnings).toEqual([])
  })

  it('asks for the nearest multiple of 32 and resizes to our exact size with an adjusted warning', async () => {
    const result = await flux().generateImage(request({ aspectRatio: '4:3' }))
    expect(submits()[0]!.body).toMatchObject({ width: 1216, height: 896 })
    const image = result.images[0]!
    expect([image.width, image.height]).toEqual([1200, 896])
    const metadata = await sharp(image.data).metadata()
    expect([metadata.width, metadata.height]).toEqual([1200, 896])
    expect(result.warnings).toEqual([
      { type: 'adjusted', feature: 'size', details: 'flux-pro-1.1 made 1216x896; resized to 1200x896' },
    ])
  })

  it('asks for png when webp is wanted and converts, with a warning; negativePrompt is unsupported', async () => {
    const result = await flux().generateImage(request({ outputFormat: 'webp', negativePrompt: 'fog' }))
    expect(submits()[0]!.body).toMatchObject({ output_format: 'png' })
    expect(submits()[0]!.body).not.toHaveProperty('negative_prompt')
    const image = result.images[0]!
    expect(image.mimeType).toBe('image/webp')
    expect((await sharp(image.data).metadata()).format).toBe('webp')
    expect(result.warnings).toEqual([
      { type: 'unsupported', feature: 'negativePrompt', details: 'BFL FLUX has no negative prompt' },
      { type: 'adjusted', feature: 'outputFormat', details: 'BFL returned png; converted to webp' },
    ])
  })

  it('sends a reference image to Kontext as base64 input_image with aspect_ratio', async () => {
    const reference = await tinyImage({ width: 16, height: 16, format: 'png', color: '#336699' })
    const result = await flux({ model: 'flux-kontext-pro' }).generateImage(
      request({
        aspectRatio: '16:9',
        referenceImages: [{ data: new Uint8Array(reference), mimeType: 'image/png' }],
      }),
    )
    expect(submits()[0]!.path).toBe('/v1/flux-kontext-pro')
    expect(submits()[0]!.body).toEqual({
      prompt: 'a lighthouse at dusk',
      aspect_ratio: '16:9',
      output_format: 'png',
      prompt_upsampling: false,
      input_image: reference.toString('base64'),
    })
    expect([result.images[0]!.width, result.images[0]!.height]).toEqual([1376, 768])
    expect(result.model).toBe('flux-kontext-pro')
  })

  it('uses image_prompt on FLUX1.1 [pro] and sends only the first reference, with a warning', async () => {
    const first = await tinyImage({ width: 8, height: 8, color: '#ff0000' })
    const second = await tinyImage({ width: 8, height: 8, color: '#00ff00' })
    const result = await flux().generateImage(
      request({
        referenceImages: [
          { data: new Uint8Array(first), mimeType: 'image/png' },
          { data: new Uint8Array(second), mimeType: 'image/png' },
        ],
      }),
    )
    expect(submits()[0]!.body).toMatchObject({ image_prompt: first.toString('base64') })
    expect(result.warnings).toContainEqual({
      type: 'adjusted',
      feature: 'referenceImages',
      details: 'only the first 1 reference image(s) were sent',
    })
  })

  it('makes 2K on Ultra from an aspect ratio and resizes the ~4 MP result to our size', async () => {
    const image = flux({ model: 'flux-pro-1.1-ultra' })
    expect(image.capabilities.maxResolution).toBe('2K')
    const result = await image.generateImage(request({ resolution: '2K', aspectRatio: '16:9' }))
    expect(submits()[0]!.path).toBe('/v1/flux-pro-1.1-ultra')
    expect(submits()[0]!.body).toEqual({
      prompt: 'a lighthouse at dusk',
      aspect_ratio: '16:9',
      output_format: 'png',
    })
    expect([result.images[0]!.width, result.images[0]!.height]).toEqual([2752, 1536])
    expect(result.costUsd).toBeCloseTo(0.06)
    expect(result.warnings).toEqual([
      {
        type: 'adjusted',
        feature: 'size',
        details: 'flux-pro-1.1-ultra made 2720x1536; resized to 2752x1536',
      },
    ])
  })

  it('sends FLUX.2 references as input_image, input_image_2 and an exact 2K size', async () => {
    const first = await tinyImage({ width: 8, height: 8, color: '#ff0000' })
    const second = await tinyImage({ width: 8, height: 8, color: '#0000ff' })
    const result = await flux({ model: 'flux-2-pro' }).generateImage(
      request({
        resolution: '2K',
        referenceImages: [
          { data: new Uint8Array(first), mimeType: 'image/png' },
          { data: new Uint8Array(second), mimeType: 'image/png' },
        ],
      }),
    )
    expect(submits()[0]!.path).toBe('/v1/flux-2-pro')
    expect(submits()[0]!.body).toEqual({
      prompt: 'a lighthouse at dusk',
      width: 2048,
      height: 2048,
      output_format: 'png',
      input_image: first.toString('base64'),
      input_image_2: second.toString('base64'),
    })
    expect([result.images[0]!.width, result.images[0]!.height]).toEqual([2048, 2048])
    expect(result.warnings).toEqual([])
  })

  it('prices from the catalog (and operator overrides) when BFL reports no cost', async () => {
    fake.settings.reportCost = false
    const catalog = await flux().generateImage(request({ count: 2 }))
    expect(catalog.costUsd).toBeCloseTo(0.08)
    const overridden = flux({ overrides: { pricing: { perImageUsd: { '1K': 0.5, '2K': 1, '4K': 1 } } } })
    expect(overridden.pricing.perImageUsd['1K']).toBe(0.5)
    expect((await overridden.generateImage(request())).costUsd).toBeCloseTo(0.5)
  })

  it('declares honest capabilities per model and defaults', () => {
    const image = flux()
    expect(image.name).toBe('flux')
    expect(image.defaultModel).toBe('flux-pro-1.1')
    expect(image.capabilities).toMatchObject({
      maxResolution: '1K',
      maxReferenceImages: 1,
      maxImagesPerCall: 4,
    })
    expect(flux({ model: 'flux-kontext-max' }).capabilities.maxResolution).toBe('1K')
    expect(flux({ model: 'flux-2-max' }).capabilities).toMatchObject({
      maxResolution: '2K',
      maxReferenceImages: 8,
    })
    expect(FLUX_DEFAULT_BASE_URL).toBe('https://api.bfl.ai')
    for (const spec of Object.values(FLUX_MODELS)) {
      expect(spec.capabilities.searchGrounding).toBe(false)
    }
  })
})

describe('flux: polling', () => {
  it('keeps polling through N Pending answers, then succeeds', async () => {
    const result = await flux().generateImage(request({ prompt: 'a slow lighthouse [slow:3]' }))
    expect(polls()).toHaveLength(4)
    expect(result.images).toHaveLength(1)
  })

  it('gives up at the overall deadline with a timeout error', async () => {
    const error = await failure(
      flux({ maxPollWaitMs: 30 }).generateImage(request({ prompt: 'never done [slow:100000]' })),
    )
    expect(error.errorClass).toBe('timeout')
    expect(error.retryable).toBe(true)
  })
})

describe('flux: errors', () => {
  it('429 → rate_limited with retryAfterMs, retryable', async () => {
    const error = await failure(flux().generateImage(request({ prompt: 'busy [rate-limit]' })))
    expect([error.errorClass, error.status, error.retryable, error.retryAfterMs]).toEqual([
      'rate_limited',
      429,
      true,
      2000,
    ])
  })

  it('402 → quota_exhausted, not retryable', async () => {
    const error = await failure(flux().generateImage(request({ prompt: 'broke [quota]' })))
    expect([error.errorClass, error.status, error.retryable]).toEqual(['quota_exhausted', 402, false])
    expect(error.message).toContain('Insufficient credits')
  })

  it('Request Moderated → content_policy', async () => {
    const error = await failure(flux().generateImage(request({ prompt: 'bad [moderated]' })))
    expect([error.errorClass, error.retryable]).toEqual(['content_policy', false])
    expect(error.message).toContain('request was moderated')
  })

  it('Content Moderated → content_policy', async () => {
    const error = await failure(flux().generateImage(request({ prompt: 'bad [content-moderated]' })))
    expect([error.errorClass, error.retryable]).toEqual(['content_policy', false])
    expect(error.message).toContain('output was flagged')
  })

  it('422 → invalid_request with the FastAPI detail', async () => {
    const error = await failure(flux().generateImage(request({ prompt: 'odd [invalid]' })))
    expect([error.errorClass, error.status, error.retryable]).toEqual(['invalid_request', 422, false])
    expect(error.message).toContain('prompt: Value error, prompt is not allowed')
  })

  it('a count outside 1..4 → invalid_request without a call', async () => {
    const error = await failure(flux().generateImage(request({ count: 5 })))
    expect(error.errorClass).toBe('invalid_request')
    expect(fake.requests).toHaveLength(0)
  })

  it('a wrong key → auth, not retryable, and the key is not in the message', async () => {
    const error = await failure(flux({ apiKey: 'bfl-wrong-secret' }).generateImage(request()))
    expect([error.errorClass, error.status, error.retryable]).toEqual(['auth', 401, false])
    expect(error.message).not.toContain('bfl-wrong-secret')
  })

  it('5xx at submit → transient, retryable', async () => {
    const error = await failure(flux().generateImage(request({ prompt: 'oops [server-error]' })))
    expect([error.errorClass, error.status, error.retryable]).toEqual(['transient', 500, true])
  })

  it('503 while polling → transient', async () => {
    fake.inject({ kind: 'status', status: 503, json: { detail: 'maintenance' } }, /get_result/)
    const error = await failure(flux().generateImage(request()))
    expect([error.errorClass, error.status, error.retryable]).toEqual(['transient', 503, true])
  })

  it('a hanging submit and an aborted signal → timeout', async () => {
    fake.inject({ kind: 'hang' }, /^\/v1\/flux/)
    const error = await failure(flux().generateImage(request(), { signal: AbortSignal.timeout(50) }))
    expect([error.errorClass, error.retryable]).toEqual(['timeout', true])
  })

  it('an abort while polling → timeout', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 30)
    const error = await failure(
      flux().generateImage(request({ prompt: 'slow [slow:100000]' }), { signal: controller.signal }),
    )
    expect(error.errorClass).toBe('timeout')
  })

  it('a connection reset → transient', async () => {
    fake.inject({ kind: 'reset' }, /^\/v1\/flux/)
    const error = await failure(flux().generateImage(request()))
    expect([error.errorClass, error.retryable]).toEqual(['transient', true])
  })

  it('status Error → task_failed (retryable, as BFL advises)', async () => {
    const error = await failure(flux().generateImage(request({ prompt: 'boom [error]' })))
    expect([error.errorClass, error.retryable]).toEqual(['task_failed', true])
  })

  it('Task not found → task_failed, not retryable', async () => {
    const error = await failure(flux().generateImage(request({ prompt: 'gone [lost]' })))
    expect([error.errorClass, error.retryable]).toEqual(['task_failed', false])
  })

  it('Ready without result.sample → task_failed "no image in response"', async () => {
    const error = await failure(flux().generateImage(request({ prompt: 'nothing [empty]' })))
    expect(error.errorClass).toBe('task_failed')
    expect(error.message).toContain('no image in response')
  })

  it('a malformed submit success → transient', async () => {
    fake.inject({ kind: 'status', status: 200, json: { queued: true } }, /^\/v1\/flux/)
    const error = await failure(flux().generateImage(request()))
    expect(error.errorClass).toBe('transient')
    expect(error.message).toContain('malformed submit response')
  })

  it('an expired sample URL (TTL passed) → task_failed that names the expiry', async () => {
    fake.settings.sampleTtlMs = 0
    const error = await failure(flux().generateImage(request()))
    expect([error.errorClass, error.status, error.retryable]).toEqual(['task_failed', 403, true])
    expect(error.message).toContain('expired')
  })

  it('one failing task of several fails the call with that error', async () => {
    fake.inject({ kind: 'status', status: 402, json: { detail: 'Insufficient credits' } }, /^\/v1\/flux/)
    const error = await failure(flux().generateImage(request({ count: 3, prompt: 'slow [slow:5]' })))
    expect(error.errorClass).toBe('quota_exhausted')
  })
})

describe('flux: URL rules and sizes', () => {
  it('sends x-key only to the configured origin or a BFL API host', () => {
    expect(trustedPollingUrl('https://api.us.bfl.ai/v1/get_result?id=a', 'a', 'https://api.bfl.ai')).toBe(
      'https://api.us.bfl.ai/v1/get_result?id=a',
    )
    expect(trustedPollingUrl('http://127.0.0.1:9/v1/get_result?id=a', 'a', 'http://127.0.0.1:9')).toBe(
      'http://127.0.0.1:9/v1/get_result?id=a',
    )
    expect(trustedPollingUrl('https://evil.example/steal?id=a', 'a', 'https://api.bfl.ai')).toBe(
      'https://api.bfl.ai/v1/get_result?id=a',
    )
    expect(trustedPollingUrl(undefined, 'a b', 'https://api.eu.bfl.ai')).toBe(
      'https://api.eu.bfl.ai/v1/get_result?id=a%20b',
    )
  })

  it('downloads only https results, or http on the configured origin', () => {
    expect(downloadableUrl('https://delivery-us1.bfl.ai/x.png?sig=1', 'https://api.bfl.ai')).toBeDefined()
    expect(downloadableUrl('http://delivery.example/x.png', 'https://api.bfl.ai')).toBeUndefined()
    expect(downloadableUrl('file:///etc/passwd', 'https://api.bfl.ai')).toBeUndefined()
    expect(downloadableUrl('http://127.0.0.1:9/results/x.png', 'http://127.0.0.1:9')).toBeDefined()
  })

  it('fits sizes into each model family limits', () => {
    const pro = FLUX_MODELS['flux-pro-1.1']!.sizing
    const two = FLUX_MODELS['flux-2-pro']!.sizing
    if (pro.kind !== 'dimensions' || two.kind !== 'dimensions') throw new Error('unexpected sizing')
    expect(fluxDimensions({ width: 1584, height: 672 }, pro)).toEqual({ width: 1440, height: 608 })
    expect(fluxDimensions({ width: 2048, height: 2048 }, pro)).toEqual({ width: 1440, height: 1440 })
    const wide = fluxDimensions({ width: 3168, height: 1344 }, two)
    expect(wide.width % 16).toBe(0)
    expect(wide.height % 16).toBe(0)
    expect(wide.width * wide.height).toBeLessThanOrEqual(2048 * 2048)
  })
})

describe('flux fake', () => {
  it('requires x-key on submit and poll', async () => {
    const missing = await fetch(`${fake.url}/v1/flux-pro-1.1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x' }),
    })
    expect(missing.status).toBe(403)
    const poll = await fetch(`${fake.url}/v1/get_result?id=nope`)
    expect(poll.status).toBe(403)
    const unknown = await fetch(`${fake.url}/v1/get_result?id=nope`, { headers: { 'x-key': fake.apiKey } })
    expect(await unknown.json()).toEqual({ id: 'nope', status: 'Task not found', result: null })
  })

  it('rejects sizes the model cannot make with a FastAPI 422', async () => {
    const response = await fetch(`${fake.url}/v1/flux-pro-1.1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-key': fake.apiKey },
      body: JSON.stringify({ prompt: 'x', width: 1000, height: 1024 }),
    })
    expect(response.status).toBe(422)
    expect(((await response.json()) as { detail: { loc: string[] }[] }).detail[0]!.loc).toEqual([
      'body',
      'width',
    ])
  })

  it('caps concurrent tasks with a 429', async () => {
    fake.settings.maxConcurrentTasks = 1
    try {
      const submitOnce = () =>
        fetch(`${fake.url}/v1/flux-pro-1.1`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-key': fake.apiKey },
          body: JSON.stringify({ prompt: 'x' }),
        })
      expect((await submitOnce()).status).toBe(200)
      const second = await submitOnce()
      expect(second.status).toBe(429)
      expect(second.headers.get('retry-after')).toBe('2')
    } finally {
      fake.settings.maxConcurrentTasks = 24
    }
  })

  it('expires samples on demand', async () => {
    fake.settings.pendingPolls = 0
    const submitted = (await (
      await fetch(`${fake.url}/v1/flux-pro-1.1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-key': fake.apiKey },
        body: JSON.stringify({ prompt: 'x' }),
      })
    ).json()) as { polling_url: string }
    const ready = (await (
      await fetch(submitted.polling_url, { headers: { 'x-key': fake.apiKey } })
    ).json()) as { result: { sample: string } }
    expect((await fetch(ready.result.sample)).status).toBe(200)
    fake.expireSamples()
    expect((await fetch(ready.result.sample)).status).toBe(403)
  })
})
