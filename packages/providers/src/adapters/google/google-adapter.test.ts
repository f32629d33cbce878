/** @module The Google image adapter against the Gemini contract fake: outgoing requests, parsed results, every error kind. */
import sharp from 'sharp'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type GoogleFake, startGoogleFake } from '../../fakes/google-fake.js'
import { tinyImage } from '../../fakes/media.js'
import { imageRequest } from '../../testing.js'
import {
  type ConversationTurn,
  type ImageGenerationRequest,
  ProviderError,
  type ReferenceImage,
} from '../../types.js'
import { createGoogleImageProvider } from './google-adapter.js'
import type { GoogleProviderConfig } from './google-config.js'
import { GOOGLE_DEFAULT_IMAGE_MODEL } from './google-options.js'

let fake: GoogleFake

beforeAll(async () => {
  fake = await startGoogleFake()
})
afterAll(async () => {
  await fake.close()
})
beforeEach(() => {
  fake.reset()
  fake.thoughts = true
})

function provider(config: Partial<GoogleProviderConfig> = {}) {
  return createGoogleImageProvider({ apiKey: fake.apiKey, baseUrl: fake.url, ...config })
}

const request = (overrides: Partial<ImageGenerationRequest> = {}) =>
  imageRequest({ prompt: 'a watercolor fox reading a paper map', ...overrides })

async function reference(color: string): Promise<ReferenceImage> {
  return { data: new Uint8Array(await tinyImage({ width: 16, height: 16, color })), mimeType: 'image/png' }
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(ProviderError.isInstance(error)).toBe(true)
  const providerError = error as ProviderError
  expect(providerError.provider).toBe('google')
  expect(providerError.message).not.toContain(fake.apiKey)
  return providerError
}

/** A fetch that keeps every response body it saw, to compare with what the adapter sends back. */
function recordingFetch() {
  const bodies: unknown[] = []
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init)
    const text = await response.text()
    bodies.push(JSON.parse(text))
    return new Response(text, { status: response.status, headers: response.headers })
  }
  return { fetch, bodies }
}

describe('google image provider: catalog', () => {
  it('declares the default model, its capabilities, prices and profile', () => {
    const image = provider()
    expect(image.specificationVersion).toBe('v1')
    expect(image.name).toBe('google')
    expect(image.defaultModel).toBe('gemini-3-pro-image-preview')
    expect(image.capabilities).toMatchObject({
      kinds: ['image'],
      maxResolution: '4K',
      maxReferenceImages: 14,
      searchGrounding: true,
      multiTurn: true,
      maxImagesPerCall: 4,
    })
    expect(image.capabilities.aspectRatios).toHaveLength(10)
    expect(image.pricing).toEqual({
      perImageUsd: { '1K': 0.134, '2K': 0.134, '4K': 0.24 },
      searchGroundingPerImageUsd: 0.014,
    })
    expect(image.profile.qualityScore).toBeGreaterThan(0.9)
  })

  it('describes gemini-2.5-flash-image as 1K-only, 3 references, no search', () => {
    const image = provider({ model: 'gemini-2.5-flash-image' })
    expect(image.capabilities).toMatchObject({
      maxResolution: '1K',
      maxReferenceImages: 3,
      searchGrounding: false,
    })
    expect(image.pricing.perImageUsd['1K']).toBe(0.039)
  })

  it('lets operators override prices and capabilities', () => {
    const image = provider({
      overrides: {
        pricing: { perImageUsd: { '1K': 0.1, '2K': 0.1, '4K': 0.2 } },
        capabilities: { maxResolution: '2K' },
      },
    })
    expect(image.pricing.perImageUsd['4K']).toBe(0.2)
    expect(image.capabilities.maxResolution).toBe('2K')
    expect(image.capabilities.maxReferenceImages).toBe(14)
  })
})

describe('google image provider: requests and results', () => {
  it('sends text-to-image as generateContent with imageConfig, seed and the key header', async () => {
    const result = await provider().generateImage(
      request({ resolution: '2K', aspectRatio: '16:9', seed: 42 }),
    )

    expect(fake.requests).toHaveLength(1)
    const sent = fake.requests[0]!
    expect(sent.method).toBe('POST')
    expect(sent.path).toBe(`/v1beta/models/${GOOGLE_DEFAULT_IMAGE_MODEL}:generateContent`)
    expect(sent.url.search).toBe('')
    expect(sent.headers['x-goog-api-key']).toBe(fake.apiKey)
    expect(sent.headers['content-type']).toBe('application/json')
    expect(sent.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'a watercolor fox reading a paper map' }] }],
      generationConfig: {
        responseModalities: ['TEXT', 'IMAGE'],
        imageConfig: { aspectRatio: '16:9', imageSize: '2K' },
        seed: 42,
      },
    })

    // The fake answers a thought text, an interim 64x64 thought image, a text, then the final image.
    expect(result.images).toHaveLength(1)
    const image = result.images[0]!
    expect(image).toMatchObject({ mimeType: 'image/png', width: 2752, height: 1536 })
    const metadata = await sharp(image.data).metadata()
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 2752, 1536])
    expect(result.model).toBe('gemini-3-pro-image-preview')
    expect(result.costUsd).toBeCloseTo(0.134, 6)
    expect(result.warnings).toEqual([])
    expect(result.text).toBe('Here is your image.')
    expect(result.grounding).toBeUndefined()
    const parts = (result.providerMetadata as { google: { parts: unknown[] } }).google.parts
    expect(parts).toEqual([
      { kind: 'text', text: 'Here is your image.', thoughtSignature: expect.any(String) },
      { kind: 'image', index: 0, thoughtSignature: expect.any(String) },
    ])
  })

  it('prices a 4K image at the 4K rate and reports its real size', async () => {
    const result = await provider().generateImage(request({ resolution: '4K', aspectRatio: '21:9' }))
    expect(result.images[0]).toMatchObject({ width: 6336, height: 2688 })
    expect(result.costUsd).toBeCloseTo(0.24, 6)
    expect((fake.requests[0]!.body as any).generationConfig.imageConfig).toEqual({
      aspectRatio: '21:9',
      imageSize: '4K',
    })
  })

  it('sends reference images as inlineData base64 without a data: prefix, after the prompt', async () => {
    const red = await reference('#ff0000')
    const green = await reference('#00ff00')
    await provider().generateImage(request({ referenceImages: [red, green] }))
    const body = fake.requests[0]!.body as any
    expect(body.contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'a watercolor fox reading a paper map' },
          { inlineData: { mimeType: 'image/png', data: Buffer.from(red.data).toString('base64') } },
          { inlineData: { mimeType: 'image/png', data: Buffer.from(green.data).toString('base64') } },
        ],
      },
    ])
    expect(body.contents[0].parts[1].inlineData.data.startsWith('data:')).toBe(false)
  })

  it('makes count N as N parallel requests with seed + i, and prices N images', async () => {
    const result = await provider().generateImage(request({ count: 3, seed: 7 }))
    expect(fake.requests).toHaveLength(3)
    const seeds = fake.requests.map((sent) => (sent.body as any).generationConfig.seed).sort()
    expect(seeds).toEqual([7, 8, 9])
    expect(result.images).toHaveLength(3)
    expect(result.costUsd).toBeCloseTo(3 * 0.134, 6)
    expect(result.warnings).toEqual([])
  })

  it('returns the images that succeeded, with a count warning, when some of N requests fail', async () => {
    fake.inject({
      kind: 'status',
      status: 503,
      json: { error: { code: 503, status: 'UNAVAILABLE', message: 'overloaded' } },
    })
    const result = await provider().generateImage(request({ count: 2 }))
    expect(result.images).toHaveLength(1)
    expect(result.costUsd).toBeCloseTo(0.134, 6)
    expect(result.warnings).toEqual([
      { type: 'adjusted', feature: 'count', details: expect.stringContaining('1 of 2') },
    ])
  })

  it('reports negativePrompt as unsupported and leaves the prompt alone', async () => {
    const result = await provider().generateImage(request({ negativePrompt: 'blurry, text' }))
    expect(result.warnings).toEqual([
      {
        type: 'unsupported',
        feature: 'negativePrompt',
        details: expect.stringContaining('no negative prompt'),
      },
    ])
    expect((fake.requests[0]!.body as any).contents[0].parts).toEqual([
      { text: 'a watercolor fox reading a paper map' },
    ])
  })

  it('grounds in Google Search: googleSearch tool, queries and sources, search priced per image', async () => {
    const result = await provider().generateImage(
      request({ prompt: 'todays weather in Lisbon as a poster', searchGrounding: true }),
    )
    expect((fake.requests[0]!.body as any).tools).toEqual([{ googleSearch: {} }])
    expect(result.grounding).toEqual({
      queries: ['todays weather in Lisbon as a poster'],
      sources: [
        {
          title: 'example.com',
          url: expect.stringMatching(new RegExp(`^${fake.url}/grounding-api-redirect/`)),
        },
        {
          title: 'example.org',
          url: expect.stringMatching(new RegExp(`^${fake.url}/grounding-api-redirect/`)),
        },
      ],
    })
    expect(result.costUsd).toBeCloseTo(0.134 + 0.014, 6)
  })

  it('gemini-2.5-flash-image: no imageSize, its real ~1 MP size as an adjusted warning, search unsupported', async () => {
    const result = await provider({ model: 'gemini-2.5-flash-image' }).generateImage(
      request({ aspectRatio: '16:9', searchGrounding: true }),
    )
    const sent = fake.requests[0]!
    expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash-image:generateContent')
    expect((sent.body as any).generationConfig).toEqual({
      responseModalities: ['TEXT', 'IMAGE'],
      imageConfig: { aspectRatio: '16:9' },
    })
    expect((sent.body as any).tools).toBeUndefined()
    expect(result.images[0]).toMatchObject({ width: 1344, height: 768 })
    expect(result.warnings).toEqual([
      { type: 'unsupported', feature: 'searchGrounding', details: expect.any(String) },
      {
        type: 'adjusted',
        feature: 'resolution',
        details: expect.stringContaining('1344x768 instead of 1376x768'),
      },
    ])
    expect(result.grounding).toBeUndefined()
    expect(result.costUsd).toBeCloseTo(0.039, 6)
  })

  it('reads the mime type from the bytes, and warns when it is not the requested format', async () => {
    const result = await provider().generateImage(request({ prompt: 'a fox [jpeg]', outputFormat: 'png' }))
    expect(result.images[0]!.mimeType).toBe('image/jpeg')
    expect((await sharp(result.images[0]!.data).metadata()).format).toBe('jpeg')
    expect(result.warnings).toEqual([
      { type: 'adjusted', feature: 'outputFormat', details: expect.stringContaining('image/jpeg') },
    ])
  })

  it('takes the only image when the answer has no thought parts', async () => {
    fake.thoughts = false
    const result = await provider().generateImage(request({ aspectRatio: '3:4' }))
    expect(result.images[0]).toMatchObject({ width: 896, height: 1200 })
  })

  it('works through an injected fetch (the global one) as well as the default transport', async () => {
    const result = await provider({ fetch: globalThis.fetch }).generateImage(request())
    expect(result.images[0]).toMatchObject({ width: 1024, height: 1024 })
  })
})

describe('google image provider: multi-turn editing', () => {
  it.each(['gemini-3-pro-image-preview', 'gemini-3.1-flash-image'])(
    '%s: a 2-turn history is resent verbatim, every thought signature echoed',
    async (model) => {
      const { fetch, bodies } = recordingFetch()
      const image = provider({ model, fetch })
      const first = await image.generateImage(request({ prompt: 'Make an infographic about photosynthesis' }))

      const history: ConversationTurn[] = [
        { role: 'user', text: 'Make an infographic about photosynthesis', images: [] },
        {
          role: 'model',
          ...(first.text === undefined ? {} : { text: first.text }),
          images: first.images.map((generated) => ({ data: generated.data, mimeType: generated.mimeType })),
          ...(first.providerMetadata === undefined ? {} : { providerMetadata: first.providerMetadata }),
        },
      ]
      const second = await image.generateImage(
        request({ prompt: 'Translate the labels to Spanish; change nothing else', history }),
      )
      expect(second.images).toHaveLength(1)

      // What Gemini answered the first time, minus its thought parts: exactly what must go back.
      const answered = (bodies[0] as any).candidates[0].content.parts.filter(
        (part: any) => part.thought !== true,
      )
      expect(answered).toHaveLength(2)
      expect(answered.every((part: any) => typeof part.thoughtSignature === 'string')).toBe(true)
      expect((fake.requests[1]!.body as any).contents).toEqual([
        { role: 'user', parts: [{ text: 'Make an infographic about photosynthesis' }] },
        { role: 'model', parts: answered },
        { role: 'user', parts: [{ text: 'Translate the labels to Spanish; change nothing else' }] },
      ])
    },
  )

  it('sends a model turn without our metadata (another provider) as plain text and images', async () => {
    const drawn = await reference('#123456')
    await provider().generateImage(
      request({
        prompt: 'now make it night',
        history: [
          { role: 'user', text: 'a city street', images: [] },
          { role: 'model', text: 'Here it is.', images: [drawn] },
        ],
      }),
    )
    expect((fake.requests[0]!.body as any).contents[1]).toEqual({
      role: 'model',
      parts: [
        { text: 'Here it is.' },
        { inlineData: { mimeType: 'image/png', data: Buffer.from(drawn.data).toString('base64') } },
      ],
    })
  })

  it('is rejected by a signature-enforcing model when signatures are missing (the fake checks)', async () => {
    const drawn = await reference('#654321')
    const error = await rejection(
      provider({ model: 'gemini-3.1-flash-image' }).generateImage(
        request({
          history: [
            { role: 'user', text: 'a', images: [] },
            { role: 'model', images: [drawn] },
          ],
        }),
      ),
    )
    expect(error.errorClass).toBe('invalid_request')
    expect(error.message).toContain('thought_signature')
  })
})

describe('google image provider: errors', () => {
  it('rate_limited: 429 RESOURCE_EXHAUSTED with RetryInfo (no Retry-After) → retryAfterMs, retryable', async () => {
    const error = await rejection(provider().generateImage(request({ prompt: 'fox [rate-limited]' })))
    expect(error).toMatchObject({
      errorClass: 'rate_limited',
      status: 429,
      retryable: true,
      retryAfterMs: 1500,
    })
  })

  it('quota_exhausted: a 429 whose QuotaFailure names a per-day quota is not retryable', async () => {
    const error = await rejection(provider().generateImage(request({ prompt: 'fox [daily-quota]' })))
    expect(error).toMatchObject({ errorClass: 'quota_exhausted', status: 429, retryable: false })
  })

  it('content_policy: promptFeedback.blockReason on HTTP 200', async () => {
    const error = await rejection(provider().generateImage(request({ prompt: 'fox [blocked]' })))
    expect(error).toMatchObject({ errorClass: 'content_policy', retryable: false })
    expect(error.message).toContain('PROHIBITED_CONTENT')
  })

  it('content_policy: finishReason IMAGE_SAFETY with no content', async () => {
    const error = await rejection(provider().generateImage(request({ prompt: 'fox [image-safety]' })))
    expect(error).toMatchObject({ errorClass: 'content_policy', retryable: false })
    expect(error.message).toContain('IMAGE_SAFETY')
  })

  it('invalid_request: 400 INVALID_ARGUMENT', async () => {
    const error = await rejection(provider().generateImage(request({ prompt: 'fox [invalid]' })))
    expect(error).toMatchObject({ errorClass: 'invalid_request', status: 400, retryable: false })
  })

  it('invalid_request: more reference images than the model takes, without calling it', async () => {
    const red = await reference('#ff0000')
    const error = await rejection(
      provider({ model: 'gemini-2.5-flash-image' }).generateImage(
        request({ referenceImages: [red, red, red, red] }),
      ),
    )
    expect(error.errorClass).toBe('invalid_request')
    expect(fake.requests).toHaveLength(0)
  })

  it('auth: a wrong key (400 API_KEY_INVALID) is auth, and the key is not in the message', async () => {
    const wrongKey = 'AIzaSy-wrong-key-1234567890'
    const error = await rejection(provider({ apiKey: wrongKey }).generateImage(request()))
    expect(error).toMatchObject({ errorClass: 'auth', status: 400, retryable: false })
    expect(error.message).not.toContain(wrongKey)
    expect(fake.requests[0]!.headers['x-goog-api-key']).toBe(wrongKey)
  })

  it('auth: 403 PERMISSION_DENIED', async () => {
    const error = await rejection(provider().generateImage(request({ prompt: 'fox [denied]' })))
    expect(error).toMatchObject({ errorClass: 'auth', status: 403, retryable: false })
  })

  it.each([
    ['[internal]', 500],
    ['[unavailable]', 503],
  ])('transient: %s → HTTP %i, retryable', async (token, status) => {
    const error = await rejection(provider().generateImage(request({ prompt: `fox ${token}` })))
    expect(error).toMatchObject({ errorClass: 'transient', status, retryable: true })
  })

  it('transient: 504 DEADLINE_EXCEEDED', async () => {
    fake.inject({
      kind: 'status',
      status: 504,
      json: {
        error: {
          code: 504,
          status: 'DEADLINE_EXCEEDED',
          message: 'Deadline expired before operation could complete.',
        },
      },
    })
    const error = await rejection(provider().generateImage(request()))
    expect(error).toMatchObject({ errorClass: 'transient', status: 504, retryable: true })
  })

  it('transient: a connection reset', async () => {
    fake.inject({ kind: 'reset' })
    const error = await rejection(provider().generateImage(request()))
    expect(error).toMatchObject({ errorClass: 'transient', retryable: true })
  })

  it('timeout: a hanging answer is cut by the AbortSignal', async () => {
    fake.inject({ kind: 'hang' })
    const started = Date.now()
    const error = await rejection(provider().generateImage(request(), { signal: AbortSignal.timeout(100) }))
    expect(error).toMatchObject({ errorClass: 'timeout', retryable: true })
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('task_failed: HTTP 200 with only text (a soft refusal) is "no image in response"', async () => {
    const error = await rejection(provider().generateImage(request({ prompt: 'fox [no-image]' })))
    expect(error).toMatchObject({ errorClass: 'task_failed', retryable: false })
    expect(error.message).toContain('no image in response')
  })

  it('task_failed: a malformed 200 body', async () => {
    const error = await rejection(provider().generateImage(request({ prompt: 'fox [malformed]' })))
    expect(error).toMatchObject({ errorClass: 'task_failed', retryable: false })
    expect(error.message).toContain('no image in response')
  })
})
