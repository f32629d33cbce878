/** @module Tests for the `openrouter` adapter against the OpenRouter contract fake: requests, results, errors. */
import sharp from 'sharp'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { tinyImage } from '../../fakes/media.js'
import { type OpenRouterFake, startOpenRouterFake } from '../../fakes/openrouter-fake.js'
import { imageRequest } from '../../testing.js'
import { type ErrorClass, type ImageGenerationRequest, ProviderError } from '../../types.js'
import {
  createOpenRouterProvider,
  OPENROUTER_DEFAULT_BASE_URL,
  type OpenRouterProviderConfig,
} from './openrouter-adapter.js'

let fake: OpenRouterFake

beforeAll(async () => {
  fake = await startOpenRouterFake()
})
afterAll(() => fake.close())
beforeEach(() => fake.reset())

const provider = (config: Partial<OpenRouterProviderConfig> = {}) =>
  createOpenRouterProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, ...config }).image

const request = (overrides: Partial<ImageGenerationRequest> = {}) =>
  imageRequest({ prompt: 'a lighthouse at dusk', ...overrides })

async function expectProviderError(
  promise: Promise<unknown>,
  expected: { errorClass: ErrorClass; retryable: boolean; status?: number; retryAfterMs?: number },
  apiKey: string = fake.apiKey,
): Promise<ProviderError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a ProviderError')
    },
    (thrown: unknown) => thrown,
  )
  expect(ProviderError.isInstance(error)).toBe(true)
  const providerError = error as ProviderError
  expect(providerError.provider).toBe('openrouter')
  expect(providerError.errorClass).toBe(expected.errorClass)
  expect(providerError.retryable).toBe(expected.retryable)
  if (expected.status !== undefined) expect(providerError.status).toBe(expected.status)
  if (expected.retryAfterMs !== undefined) expect(providerError.retryAfterMs).toBe(expected.retryAfterMs)
  expect(providerError.message).not.toContain(apiKey)
  return providerError
}

describe('createOpenRouterProvider', () => {
  it('declares the default model (Gemini 2.5 Flash Image: 1K, 3 references, multi-turn)', () => {
    const image = createOpenRouterProvider({ apiKey: 'sk-or-x' }).image
    expect(OPENROUTER_DEFAULT_BASE_URL).toBe('https://openrouter.ai/api/v1')
    expect(image.name).toBe('openrouter')
    expect(image.defaultModel).toBe('google/gemini-2.5-flash-image')
    expect(image.capabilities).toMatchObject({ maxResolution: '1K', maxReferenceImages: 3, multiTurn: true })
  })
})

describe('chat completions with image output', () => {
  it('sends the chat body with modalities and image_config, and decodes the data URL', async () => {
    const result = await provider({ appTitle: 'Nano Banana Lab' }).generateImage(request())

    expect(fake.requests).toHaveLength(1)
    const sent = fake.requests[0]!
    expect(sent.method).toBe('POST')
    expect(sent.path).toBe('/api/v1/chat/completions')
    expect(sent.headers.authorization).toBe(`Bearer ${fake.apiKey}`)
    expect(sent.headers['x-title']).toBe('Nano Banana Lab')
    expect(sent.body).toEqual({
      model: 'google/gemini-2.5-flash-image',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'a lighthouse at dusk' }] }],
      modalities: ['image', 'text'],
      image_config: { aspect_ratio: '1:1' },
      stream: false,
    })

    expect(result.model).toBe('google/gemini-2.5-flash-image')
    expect(result.warnings).toEqual([])
    expect(result.text).toBe('Here is the image you asked for.')
    expect(result.images[0]).toMatchObject({ width: 1024, height: 1024, mimeType: 'image/png' })
    const metadata = await sharp(result.images[0]!.data).metadata()
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 1024, 1024])
    // usage.cost: 1290 image tokens at $30 / 1M.
    expect(result.costUsd).toBe(0.0387)
  })

  it("resizes Gemini 2.5's own 16:9 size to ours with a warning, converts the format, one call per image", async () => {
    const result = await provider().generateImage(
      request({ aspectRatio: '16:9', count: 2, outputFormat: 'jpeg' }),
    )

    expect(fake.requests).toHaveLength(2)
    expect(fake.requests[0]!.body).toMatchObject({ image_config: { aspect_ratio: '16:9' } })
    expect(result.images).toHaveLength(2)
    for (const image of result.images) {
      const metadata = await sharp(image.data).metadata()
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 1376, 768])
    }
    expect(result.warnings).toEqual([
      expect.objectContaining({
        type: 'adjusted',
        feature: 'resolution',
        details: expect.stringContaining('1344x768'),
      }),
    ])
    expect(result.costUsd).toBe(0.0774)
  })

  it('sends image_size and reference images as data URLs to Gemini 3 Pro; its 2K size needs no resize', async () => {
    const png = await tinyImage({ width: 8, height: 8, format: 'png' })
    const result = await provider({ model: 'google/gemini-3-pro-image-preview' }).generateImage(
      request({
        resolution: '2K',
        aspectRatio: '16:9',
        referenceImages: [{ data: new Uint8Array(png), mimeType: 'image/png' }],
      }),
    )

    expect(fake.requests[0]!.body).toEqual({
      model: 'google/gemini-3-pro-image-preview',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a lighthouse at dusk' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
          ],
        },
      ],
      modalities: ['image', 'text'],
      image_config: { aspect_ratio: '16:9', image_size: '2K' },
      stream: false,
    })
    expect(result.images[0]).toMatchObject({ width: 2752, height: 1536, mimeType: 'image/png' })
    expect(result.warnings).toEqual([])
    expect(result.costUsd).toBe(0.1344)
  })

  it('resends earlier turns: user turns as parts, model turns as assistant messages with their images', async () => {
    const png = await tinyImage({ width: 8, height: 8, format: 'png' })
    const dataUrl = `data:image/png;base64,${png.toString('base64')}`
    await provider().generateImage(
      request({
        prompt: 'now make it night',
        history: [
          { role: 'user', text: 'a lighthouse', images: [] },
          {
            role: 'model',
            text: 'Here it is.',
            images: [{ data: new Uint8Array(png), mimeType: 'image/png' }],
          },
        ],
      }),
    )
    expect((fake.requests[0]!.body as { messages: unknown }).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a lighthouse' }] },
      {
        role: 'assistant',
        content: 'Here it is.',
        images: [{ type: 'image_url', image_url: { url: dataUrl } }],
      },
      { role: 'user', content: [{ type: 'text', text: 'now make it night' }] },
    ])
  })

  it('warns for seed, negative prompt and search grounding; refuses 2K on a 1K model without a call', async () => {
    const result = await provider().generateImage(
      request({ seed: 1, negativePrompt: 'fog', searchGrounding: true }),
    )
    expect(result.warnings.map((warning) => [warning.type, warning.feature])).toEqual([
      ['unsupported', 'negativePrompt'],
      ['unsupported', 'seed'],
      ['unsupported', 'searchGrounding'],
    ])
    fake.reset()
    await expectProviderError(provider().generateImage(request({ resolution: '2K' })), {
      errorClass: 'invalid_request',
      retryable: false,
    })
    expect(fake.requests).toHaveLength(0)
  })
})

describe('errors', () => {
  it('402 → quota_exhausted', async () => {
    await expectProviderError(provider().generateImage(request({ prompt: 'x [no_credits]' })), {
      errorClass: 'quota_exhausted',
      retryable: false,
      status: 402,
    })
  })

  it('403 moderation flag → content_policy', async () => {
    const error = await expectProviderError(provider().generateImage(request({ prompt: 'x [moderated]' })), {
      errorClass: 'content_policy',
      retryable: false,
      status: 403,
    })
    expect(error.message).toContain('flagged')
  })

  it('429 with Retry-After → rate_limited with retryAfterMs, one attempt only', async () => {
    await expectProviderError(provider().generateImage(request({ prompt: 'x [rate_limited]' })), {
      errorClass: 'rate_limited',
      retryable: true,
      status: 429,
      retryAfterMs: 2000,
    })
    expect(fake.requests).toHaveLength(1)
  })

  it('503 with Retry-After → transient with retryAfterMs', async () => {
    await expectProviderError(provider().generateImage(request({ prompt: 'x [unavailable]' })), {
      errorClass: 'transient',
      retryable: true,
      status: 503,
      retryAfterMs: 2000,
    })
  })

  it('HTTP 200 with an error object → classed by its code (502 → transient)', async () => {
    await expectProviderError(provider().generateImage(request({ prompt: 'x [error_in_200]' })), {
      errorClass: 'transient',
      retryable: true,
      status: 502,
    })
  })

  it('HTTP 200 with a per-choice error → classed by its code (a non-HTTP code → task_failed)', async () => {
    fake.inject({
      kind: 'status',
      status: 200,
      json: {
        choices: [
          {
            finish_reason: 'error',
            message: { role: 'assistant', content: '' },
            error: { code: 'boom', message: 'failed' },
          },
        ],
      },
    })
    await expectProviderError(provider().generateImage(request()), {
      errorClass: 'task_failed',
      retryable: false,
    })
  })

  it('a safety finish reason without an image → content_policy', async () => {
    await expectProviderError(provider().generateImage(request({ prompt: 'x [blocked]' })), {
      errorClass: 'content_policy',
      retryable: false,
    })
  })

  it('a text-only answer → task_failed "no image in response" quoting the model', async () => {
    const error = await expectProviderError(provider().generateImage(request({ prompt: 'x [empty]' })), {
      errorClass: 'task_failed',
      retryable: false,
    })
    expect(error.message).toContain('no image in response')
    expect(error.message).toContain("can't create")
  })

  it('400 (an unknown model) → invalid_request', async () => {
    await expectProviderError(provider({ model: 'acme/not-a-model' }).generateImage(request()), {
      errorClass: 'invalid_request',
      retryable: false,
      status: 400,
    })
  })

  it('401 → auth, the key not in the message', async () => {
    const wrongKey = 'sk-or-v1-wrong-key-0123456789'
    await expectProviderError(
      provider({ apiKey: wrongKey }).generateImage(request()),
      { errorClass: 'auth', retryable: false, status: 401 },
      wrongKey,
    )
  })

  it('500 → transient', async () => {
    fake.inject({
      kind: 'status',
      status: 500,
      json: { error: { code: 500, message: 'Internal Server Error' } },
    })
    await expectProviderError(provider().generateImage(request()), {
      errorClass: 'transient',
      retryable: true,
      status: 500,
    })
  })

  it('a hanging upstream and an aborted signal → timeout', async () => {
    await expectProviderError(
      provider().generateImage(request({ prompt: 'x [hang]' }), { signal: AbortSignal.timeout(50) }),
      {
        errorClass: 'timeout',
        retryable: true,
      },
    )
  })

  it('a reset connection → transient', async () => {
    fake.inject({ kind: 'reset' })
    await expectProviderError(provider().generateImage(request()), {
      errorClass: 'transient',
      retryable: true,
    })
  })

  it('the fake requires modalities', async () => {
    const response = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'google/gemini-2.5-flash-image',
        messages: [{ role: 'user', content: 'x' }],
      }),
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { code: 400 } })
  })
})
