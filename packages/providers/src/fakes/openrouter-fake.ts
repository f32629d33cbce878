/**
 * @module A contract fake of OpenRouter's image output through chat completions (providers.md §2.7, §7.2):
 * `POST /api/v1/chat/completions` with Bearer auth, required `modalities`, `image_config` validation, images
 * as `data:image/png;base64,…` URLs in `choices[0].message.images[]`, `usage.cost`, and OpenRouter-shaped
 * failures (403 moderation flag, 402 credits, 429/503 with Retry-After, HTTP 200 with an error object, a
 * safety-blocked or text-only answer) chosen by a magic token in the prompt or by `inject`.
 */
import { PIXEL_SIZES } from '../sizes.js'
import { ASPECT_RATIOS, type AspectRatio, RESOLUTIONS, type Resolution } from '../types.js'
import { type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer } from './fake-server.js'
import { tinyImage } from './media.js'

export interface OpenRouterFakeOptions {
  /** The key the fake accepts. Defaults to `sk-or-v1-fake-openrouter-0123456789`. */
  apiKey?: string
  /** Wait this long before answering every request. Defaults to 0. */
  latencyMs?: number
  /** `Retry-After` seconds on the `[rate_limited]` 429 and `[unavailable]` 503; `null` sends none. Defaults to 2. */
  retryAfterSeconds?: number | null
}

export interface OpenRouterFake extends FakeServer {
  readonly apiKey: string
  /** What an adapter takes as its base URL: `<url>/api/v1`. */
  readonly baseUrl: string
}

interface FakeModel {
  /** `fixed`: Gemini 2.5 Flash Image's own ~1 MP sizes; `tiers`: our 1K/2K/4K table via `image_size`. */
  sizing: 'fixed' | 'tiers'
  maxInputImages: number
  /** USD per output token (Gemini rates, providers.md §1.11). */
  usdPerOutputToken: number
}

const GEMINI_25: FakeModel = { sizing: 'fixed', maxInputImages: 3, usdPerOutputToken: 30 / 1_000_000 }

export const OPENROUTER_FAKE_MODELS: Readonly<Record<string, FakeModel>> = {
  'google/gemini-2.5-flash-image': GEMINI_25,
  'google/gemini-2.5-flash-image-preview': GEMINI_25,
  'google/gemini-3-pro-image-preview': {
    sizing: 'tiers',
    maxInputImages: 14,
    usdPerOutputToken: 120 / 1_000_000,
  },
}

/** Gemini 2.5 Flash Image pixel sizes per aspect ratio (providers.md §1.2). */
const GEMINI_25_SIZES: Readonly<Record<AspectRatio, [number, number]>> = {
  '1:1': [1024, 1024],
  '16:9': [1344, 768],
  '9:16': [768, 1344],
  '4:3': [1184, 864],
  '3:4': [864, 1184],
  '3:2': [1248, 832],
  '2:3': [832, 1248],
  '4:5': [896, 1152],
  '5:4': [1152, 896],
  '21:9': [1536, 672],
}

const error = (status: number, message: string, metadata?: unknown, headers: Record<string, string> = {}) =>
  ({
    status,
    headers,
    json: { error: { code: status, message, ...(metadata === undefined ? {} : { metadata }) } },
  }) satisfies FakeResponse

/**
 * Starts the OpenRouter fake on 127.0.0.1 (random port); point an adapter at `fake.baseUrl`.
 *
 * Magic tokens in the last user message: `[moderated]` (403 with moderation `metadata`), `[no_credits]` (402),
 * `[rate_limited]` (429 + Retry-After), `[unavailable]` (503 + Retry-After), `[error_in_200]` (HTTP 200 with
 * `{"error":{"code":502,…}}`), `[blocked]` (200, `finish_reason: content_filter`, no image), `[empty]` (200, a
 * text-only answer), `[hang]` (never answers).
 * @example
 * const fake = await startOpenRouterFake()
 * const { image } = createOpenRouterProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl })
 */
export async function startOpenRouterFake(options: OpenRouterFakeOptions = {}): Promise<OpenRouterFake> {
  const apiKey = options.apiKey ?? 'sk-or-v1-fake-openrouter-0123456789'
  const latencyMs = options.latencyMs ?? 0
  const retryAfterSeconds = options.retryAfterSeconds === undefined ? 2 : options.retryAfterSeconds
  const retryAfter: Record<string, string> =
    retryAfterSeconds === null ? {} : { 'retry-after': String(retryAfterSeconds) }
  const dataUrls = new Map<string, Promise<string>>()
  let generation = 0

  function dataUrlOf(width: number, height: number): Promise<string> {
    const key = `${width}x${height}`
    let cached = dataUrls.get(key)
    if (!cached) {
      cached = tinyImage({ width, height, format: 'png', color: '#7b3ad5' }).then(
        (bytes) => `data:image/png;base64,${bytes.toString('base64')}`,
      )
      dataUrls.set(key, cached)
    }
    return cached
  }

  async function handle(request: RecordedRequest): Promise<FakeResponse> {
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs))
    if (request.method !== 'POST' || request.path !== '/api/v1/chat/completions') {
      return error(404, `Not Found (${request.method} ${request.path})`)
    }
    const authorization = request.headers.authorization
    if (!authorization?.startsWith('Bearer ')) return error(401, 'No auth credentials found')
    if (authorization.slice('Bearer '.length) !== apiKey) return error(401, 'User not found.')

    const body = request.body as Record<string, unknown> | undefined
    if (!body || typeof body !== 'object') return error(400, 'Invalid JSON body')
    const modelId = body.model
    const model = typeof modelId === 'string' ? OPENROUTER_FAKE_MODELS[modelId] : undefined
    if (!model) return error(400, `${String(modelId)} is not a valid model ID`)
    const messages = body.messages
    if (!Array.isArray(messages) || messages.length === 0)
      return error(400, 'Input required: specify "messages"')
    const modalities = body.modalities
    if (!Array.isArray(modalities) || !modalities.includes('image')) {
      return error(400, 'This model outputs images: set "modalities" to ["image", "text"]')
    }
    const imageConfig = (body.image_config ?? {}) as Record<string, unknown>
    const aspectRatio = (imageConfig.aspect_ratio ?? '1:1') as AspectRatio
    if (!ASPECT_RATIOS.includes(aspectRatio))
      return error(400, `Invalid image_config.aspect_ratio: ${String(aspectRatio)}`)
    const imageSize = (imageConfig.image_size ?? '1K') as Resolution
    if (!RESOLUTIONS.includes(imageSize)) {
      return error(400, `Invalid image_config.image_size: ${String(imageSize)} (use 1K, 2K or 4K)`)
    }

    const last = messages.at(-1) as { role?: unknown; content?: unknown } | undefined
    if (last?.role !== 'user') return error(400, 'The last message must be from the user')
    const parts = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content
    if (!Array.isArray(parts)) return error(400, 'Invalid message content')
    const prompt = parts
      .filter(
        (part): part is { type: 'text'; text: string } =>
          part?.type === 'text' && typeof part.text === 'string',
      )
      .map((part) => part.text)
      .join('\n')
    const images = parts.filter((part) => part?.type === 'image_url')
    if (images.length > model.maxInputImages) {
      return error(400, `Too many input images: ${images.length} (at most ${model.maxInputImages})`)
    }
    for (const image of images) {
      const url = (image as { image_url?: { url?: unknown } }).image_url?.url
      if (
        typeof url !== 'string' ||
        !/^(data:image\/[a-z+.-]+;base64,[A-Za-z0-9+/=]+|https:\/\/)/.test(url)
      ) {
        return error(400, 'Invalid image_url: expected a data:image/...;base64 URL or an https URL')
      }
    }

    if (prompt.includes('[hang]')) return new Promise<FakeResponse>(() => {})
    if (prompt.includes('[moderated]')) {
      return error(403, `${modelId} requires moderation on Google. Your input was flagged for "violence".`, {
        reasons: ['violence'],
        flagged_input: prompt.slice(0, 100),
        provider_name: 'Google',
        model_slug: modelId,
      })
    }
    if (prompt.includes('[no_credits]')) {
      return error(402, 'Insufficient credits. Add more using https://openrouter.ai/settings/credits')
    }
    if (prompt.includes('[rate_limited]')) {
      return error(429, `Rate limit exceeded: ${String(modelId)}`, { provider_name: 'Google' }, retryAfter)
    }
    if (prompt.includes('[unavailable]')) return error(503, 'No instances available', undefined, retryAfter)
    if (prompt.includes('[error_in_200]')) {
      return {
        status: 200,
        json: {
          error: { code: 502, message: 'Provider returned error', metadata: { provider_name: 'Google' } },
        },
      }
    }

    const id = `gen-${Date.now()}-${++generation}`
    const created = Math.floor(Date.now() / 1000)
    const promptTokens = Math.ceil(prompt.length / 4) + images.length * 258
    const completion = (
      message: Record<string, unknown>,
      finish: [string, string],
      completionTokens: number,
    ) => ({
      id,
      provider: 'Google',
      model: modelId,
      object: 'chat.completion',
      created,
      choices: [
        { logprobs: null, finish_reason: finish[0], native_finish_reason: finish[1], index: 0, message },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        cost: Math.round(completionTokens * model.usdPerOutputToken * 1e6) / 1e6,
        completion_tokens_details: { image_tokens: completionTokens > 100 ? completionTokens : 0 },
      },
    })
    if (prompt.includes('[blocked]')) {
      return {
        json: completion(
          { role: 'assistant', content: '', refusal: null },
          ['content_filter', 'IMAGE_SAFETY'],
          0,
        ),
      }
    }
    if (prompt.includes('[empty]')) {
      return {
        json: completion(
          { role: 'assistant', content: "I can't create that image, but I can describe it.", refusal: null },
          ['stop', 'STOP'],
          12,
        ),
      }
    }

    const [width, height] =
      model.sizing === 'fixed'
        ? GEMINI_25_SIZES[aspectRatio]
        : [PIXEL_SIZES[imageSize][aspectRatio].width, PIXEL_SIZES[imageSize][aspectRatio].height]
    const imageTokens = model.sizing === 'fixed' ? 1290 : imageSize === '4K' ? 2000 : 1120
    return {
      json: completion(
        {
          role: 'assistant',
          content: 'Here is the image you asked for.',
          refusal: null,
          images: [{ type: 'image_url', image_url: { url: await dataUrlOf(width, height) }, index: 0 }],
        },
        ['stop', 'STOP'],
        imageTokens,
      ),
    }
  }

  const fake = await startFakeServer(handle)
  return { ...fake, apiKey, baseUrl: `${fake.url}/api/v1` }
}
