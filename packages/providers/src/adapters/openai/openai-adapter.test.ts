/** @module Tests for the `openai` adapter against the OpenAI contract fake: outgoing requests, results, errors. */
import sharp from 'sharp'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { tinyImage } from '../../fakes/media.js'
import { type OpenAIFake, openAIFakeInjections, startOpenAIFake } from '../../fakes/openai-fake.js'
import { imageRequest } from '../../testing.js'
import { type ErrorClass, type ImageGenerationRequest, ProviderError } from '../../types.js'
import { createOpenAIProvider, OPENAI_DEFAULT_BASE_URL, type OpenAIProviderConfig } from './openai-adapter.js'
import { OPENAI_MODELS } from './openai-options.js'

let fake: OpenAIFake

beforeAll(async () => {
  fake = await startOpenAIFake()
})
afterAll(() => fake.close())
beforeEach(() => fake.reset())

const provider = (config: Partial<OpenAIProviderConfig> = {}) =>
  createOpenAIProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, ...config }).image

const request = (overrides: Partial<ImageGenerationRequest> = {}) =>
  imageRequest({ prompt: 'a red panda astronaut', ...overrides })

/** gpt-image-1 billed from `usage`: text in $5 / 1M, image in $10 / 1M, image out $40 / 1M. */
const usageCost = (prompt: string, outputTokens: number, inputImageTokens = 0) =>
  Math.round(
    ((Math.ceil(prompt.length / 4) * 5 + inputImageTokens * 10 + outputTokens * 40) / 1_000_000) * 1e6,
  ) / 1e6

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
  expect(providerError.provider).toBe('openai')
  expect(providerError.errorClass).toBe(expected.errorClass)
  expect(providerError.retryable).toBe(expected.retryable)
  if (expected.status !== undefined) expect(providerError.status).toBe(expected.status)
  if (expected.retryAfterMs !== undefined) expect(providerError.retryAfterMs).toBe(expected.retryAfterMs)
  expect(providerError.message).not.toContain(apiKey)
  return providerError
}

describe('createOpenAIProvider', () => {
  it('declares the catalog entry: 2K maximum, all ratios, 16 references, real base URL by default', () => {
    const image = createOpenAIProvider({ apiKey: 'sk-x' }).image
    expect(OPENAI_DEFAULT_BASE_URL).toBe('https://api.openai.com/v1')
    expect(image.name).toBe('openai')
    expect(image.defaultModel).toBe('gpt-image-1')
    expect(image.capabilities).toMatchObject({
      maxResolution: '2K',
      maxReferenceImages: 16,
      multiTurn: false,
    })
    expect(image.capabilities.aspectRatios).toHaveLength(10)
    expect(image.pricing.perImageUsd['1K']).toBe(0.042)
    const overridden = createOpenAIProvider({
      apiKey: 'sk-x',
      overrides: { capabilities: { maxResolution: '1K' }, profile: { qualityScore: 0.5 } },
    }).image
    expect(overridden.capabilities.maxResolution).toBe('1K')
    expect(overridden.profile.qualityScore).toBe(0.5)
  })
})

describe('text-to-image (POST /images/generations)', () => {
  it('sends the model, prompt, n, native size, quality and output_format with Bearer auth', async () => {
    const result = await provider().generateImage(request())

    expect(fake.requests).toHaveLength(1)
    const sent = fake.requests[0]!
    expect(sent.method).toBe('POST')
    expect(sent.path).toBe('/v1/images/generations')
    expect(sent.url.search).toBe('')
    expect(sent.headers.authorization).toBe(`Bearer ${fake.apiKey}`)
    expect(sent.headers['content-type']).toContain('application/json')
    expect(sent.body).toEqual({
      model: 'gpt-image-1',
      prompt: 'a red panda astronaut',
      n: 1,
      size: '1024x1024',
      quality: 'medium',
      output_format: 'png',
    })

    expect(result.model).toBe('gpt-image-1')
    expect(result.warnings).toEqual([])
    expect(result.images).toHaveLength(1)
    const image = result.images[0]!
    expect(image).toMatchObject({ width: 1024, height: 1024, mimeType: 'image/png' })
    const metadata = await sharp(image.data).metadata()
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 1024, 1024])
    expect(result.costUsd).toBe(usageCost('a red panda astronaut', 1056))
  })

  it('maps 16:9 to the landscape size, asks n = count, and crops to our exact size with a warning', async () => {
    const result = await provider().generateImage(
      request({ aspectRatio: '16:9', count: 2, outputFormat: 'jpeg' }),
    )

    expect(fake.requests).toHaveLength(1)
    expect(fake.requests[0]!.body).toMatchObject({
      n: 2,
      size: '1536x1024',
      quality: 'medium',
      output_format: 'jpeg',
    })
    expect(result.images).toHaveLength(2)
    for (const image of result.images) {
      const metadata = await sharp(image.data).metadata()
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 1376, 768])
      expect(image).toMatchObject({ width: 1376, height: 768, mimeType: 'image/jpeg' })
    }
    expect(result.warnings).toEqual([
      expect.objectContaining({
        type: 'adjusted',
        feature: 'resolution',
        details: expect.stringContaining('1536x1024'),
      }),
    ])
    expect(result.costUsd).toBe(usageCost('a red panda astronaut', 2 * 1584))
  })

  it('asks high quality at 2K and portrait for 9:16, then upsizes to 1536x2752 webp', async () => {
    const result = await provider().generateImage(
      request({ resolution: '2K', aspectRatio: '9:16', outputFormat: 'webp' }),
    )

    expect(fake.requests[0]!.body).toMatchObject({
      size: '1024x1536',
      quality: 'high',
      output_format: 'webp',
    })
    const image = result.images[0]!
    const metadata = await sharp(image.data).metadata()
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', 1536, 2752])
    expect(image.mimeType).toBe('image/webp')
    expect(result.warnings.map((warning) => warning.feature)).toEqual(['resolution'])
  })

  it('reports seed and negative prompt as unsupported instead of dropping them silently', async () => {
    const result = await provider().generateImage(request({ seed: 7, negativePrompt: 'blurry' }))

    expect(fake.requests[0]!.body).not.toHaveProperty('seed')
    expect(result.warnings).toEqual([
      expect.objectContaining({ type: 'unsupported', feature: 'negativePrompt' }),
      expect.objectContaining({ type: 'unsupported', feature: 'seed' }),
    ])
  })

  it('refuses 4K (above the declared 2K maximum) without calling the API', async () => {
    await expectProviderError(provider().generateImage(request({ resolution: '4K' })), {
      errorClass: 'invalid_request',
      retryable: false,
    })
    expect(fake.requests).toHaveLength(0)
  })

  it('bills an operator price override per image', async () => {
    const result = await provider({
      overrides: { pricing: { perImageUsd: { '1K': 0.5, '2K': 1, '4K': 2 } } },
    }).generateImage(request({ count: 2 }))
    expect(result.costUsd).toBe(1)
  })
})

describe('reference images (POST /images/edits)', () => {
  it('sends a multipart body with one image[] part per reference', async () => {
    const png = await tinyImage({ width: 16, height: 16, format: 'png' })
    const jpeg = await tinyImage({ width: 16, height: 16, format: 'jpeg' })
    const result = await provider().generateImage(
      request({
        aspectRatio: '4:5',
        referenceImages: [
          { data: new Uint8Array(png), mimeType: 'image/png' },
          { data: new Uint8Array(jpeg), mimeType: 'image/jpeg' },
        ],
      }),
    )

    expect(fake.requests).toHaveLength(1)
    const sent = fake.requests[0]!
    expect(sent.method).toBe('POST')
    expect(sent.path).toBe('/v1/images/edits')
    expect(sent.headers.authorization).toBe(`Bearer ${fake.apiKey}`)
    expect(sent.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/)
    const edit = fake.edits[0]!
    expect(edit.fields).toEqual({
      model: 'gpt-image-1',
      prompt: 'a red panda astronaut',
      n: '1',
      size: '1024x1536',
      quality: 'medium',
      output_format: 'png',
    })
    expect(edit.files).toEqual([
      { field: 'image[]', filename: 'reference-1.png', type: 'image/png', size: png.length },
      { field: 'image[]', filename: 'reference-2.jpg', type: 'image/jpeg', size: jpeg.length },
    ])
    expect(result.images[0]).toMatchObject({ width: 928, height: 1152, mimeType: 'image/png' })
    expect(result.costUsd).toBe(usageCost('a red panda astronaut', 1584, 2 * 388))
  })
})

describe('dall-e-3', () => {
  it('makes one n = 1 call per image with response_format b64_json, standard quality at 1K', async () => {
    const result = await provider({ model: 'dall-e-3' }).generateImage(
      request({ aspectRatio: '16:9', count: 2 }),
    )

    expect(fake.requests).toHaveLength(2)
    for (const sent of fake.requests) {
      expect(sent.body).toEqual({
        model: 'dall-e-3',
        prompt: 'a red panda astronaut',
        n: 1,
        size: '1792x1024',
        quality: 'standard',
        response_format: 'b64_json',
      })
    }
    expect(result.images).toHaveLength(2)
    expect(result.images[0]).toMatchObject({ width: 1376, height: 768, mimeType: 'image/png' })
    expect(result.costUsd).toBe(OPENAI_MODELS['dall-e-3']!.priceBySize['standard:1792x1024']! * 2)
  })

  it('refuses reference images (DALL·E 3 has no edits)', async () => {
    const png = await tinyImage({ width: 8, height: 8 })
    await expectProviderError(
      provider({ model: 'dall-e-3' }).generateImage(
        request({ referenceImages: [{ data: new Uint8Array(png), mimeType: 'image/png' }] }),
      ),
      { errorClass: 'invalid_request', retryable: false },
    )
  })
})

describe('errors', () => {
  it('429 rate_limit_exceeded → rate_limited with Retry-After, one attempt only (SDK retries off)', async () => {
    const error = await expectProviderError(
      provider().generateImage(request({ prompt: 'x [rate_limited]' })),
      {
        errorClass: 'rate_limited',
        retryable: true,
        status: 429,
        retryAfterMs: 2000,
      },
    )
    expect(error.message).toContain('rate_limit_exceeded')
    expect(fake.requests).toHaveLength(1)
  })

  it('429 without a header → retryAfterMs from "try again in Ns" in the message', async () => {
    fake.inject(openAIFakeInjections.rateLimited(null))
    await expectProviderError(provider().generateImage(request()), {
      errorClass: 'rate_limited',
      retryable: true,
      retryAfterMs: 1000,
    })
  })

  it('honours retry-after-ms over Retry-After', async () => {
    fake.inject({
      kind: 'status',
      status: 429,
      headers: { 'retry-after-ms': '1500', 'retry-after': '9' },
      json: { error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
    })
    await expectProviderError(provider().generateImage(request()), {
      errorClass: 'rate_limited',
      retryable: true,
      retryAfterMs: 1500,
    })
  })

  it('429 insufficient_quota → quota_exhausted, not retryable, not retried', async () => {
    await expectProviderError(provider().generateImage(request({ prompt: 'x [insufficient_quota]' })), {
      errorClass: 'quota_exhausted',
      retryable: false,
      status: 429,
    })
    expect(fake.requests).toHaveLength(1)
  })

  it('400 billing_hard_limit_reached → quota_exhausted', async () => {
    await expectProviderError(provider().generateImage(request({ prompt: 'x [billing_limit]' })), {
      errorClass: 'quota_exhausted',
      retryable: false,
      status: 400,
    })
  })

  it('400 moderation_blocked (GPT image) → content_policy', async () => {
    const error = await expectProviderError(provider().generateImage(request({ prompt: 'x [moderated]' })), {
      errorClass: 'content_policy',
      retryable: false,
      status: 400,
    })
    expect(error.message).toContain('moderation_blocked')
  })

  it('400 content_policy_violation (DALL·E) → content_policy', async () => {
    await expectProviderError(
      provider({ model: 'dall-e-3' }).generateImage(request({ prompt: 'x [moderated]' })),
      {
        errorClass: 'content_policy',
        retryable: false,
      },
    )
  })

  it('other 400 (an unknown model) → invalid_request', async () => {
    const error = await expectProviderError(provider({ model: 'gpt-image-9' }).generateImage(request()), {
      errorClass: 'invalid_request',
      retryable: false,
      status: 400,
    })
    expect(error.message).toContain("Invalid value for 'model'")
  })

  it('401 → auth; the key never appears in the message, even when the body echoes it', async () => {
    const wrongKey = 'sk-wrong-key-abcdefghijklmnop'
    await expectProviderError(
      provider({ apiKey: wrongKey }).generateImage(request()),
      { errorClass: 'auth', retryable: false, status: 401 },
      wrongKey,
    )
    fake.inject({
      kind: 'status',
      status: 401,
      json: {
        error: {
          message: `Incorrect API key provided: ${fake.apiKey}`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      },
    })
    const error = await expectProviderError(provider().generateImage(request()), {
      errorClass: 'auth',
      retryable: false,
    })
    expect(error.message).toContain('[redacted]')
  })

  it('a missing key → auth without a request', async () => {
    await expectProviderError(provider({ apiKey: '' }).generateImage(request()), {
      errorClass: 'auth',
      retryable: false,
    })
    expect(fake.requests).toHaveLength(0)
  })

  it.each([500, 503])('%i → transient', async (status) => {
    fake.inject(openAIFakeInjections.serverError(status))
    await expectProviderError(provider().generateImage(request()), {
      errorClass: 'transient',
      retryable: true,
      status,
    })
    expect(fake.requests).toHaveLength(1)
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

  it("the SDK's own timeout → timeout", async () => {
    await expectProviderError(provider({ timeoutMs: 50 }).generateImage(request({ prompt: 'x [hang]' })), {
      errorClass: 'timeout',
      retryable: true,
    })
  })

  it('a reset connection → transient', async () => {
    fake.inject({ kind: 'reset' })
    await expectProviderError(provider().generateImage(request()), {
      errorClass: 'transient',
      retryable: true,
    })
  })

  it('200 with empty data → task_failed "no image in response"', async () => {
    const error = await expectProviderError(provider().generateImage(request({ prompt: 'x [empty]' })), {
      errorClass: 'task_failed',
      retryable: false,
    })
    expect(error.message).toContain('no image in response')
  })

  it('200 with bytes that are not an image → task_failed', async () => {
    await expectProviderError(provider().generateImage(request({ prompt: 'x [corrupt]' })), {
      errorClass: 'task_failed',
      retryable: false,
    })
  })
})

describe('the fake', () => {
  it('rejects response_format for GPT image models and an unknown size like the real API', async () => {
    const post = (body: unknown) =>
      fetch(`${fake.baseUrl}/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const withFormat = await post({ model: 'gpt-image-1', prompt: 'x', response_format: 'b64_json' })
    expect(withFormat.status).toBe(400)
    expect(((await withFormat.json()) as { error: { code: string } }).error.code).toBe('unknown_parameter')
    const badSize = await post({ model: 'gpt-image-1', prompt: 'x', size: '2048x2048' })
    expect(badSize.status).toBe(400)
    expect(await badSize.json()).toMatchObject({ error: { type: 'invalid_request_error', param: 'size' } })
    expect(badSize.headers.get('x-request-id')).toMatch(/^req_/)
    const dalleN = await post({ model: 'dall-e-3', prompt: 'x', n: 2 })
    expect(dalleN.status).toBe(400)
  })
})
