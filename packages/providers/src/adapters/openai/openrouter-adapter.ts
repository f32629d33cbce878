/**
 * @module The `openrouter` image provider (providers.md §2.7): OpenRouter's OpenAI-compatible
 * `POST /chat/completions` with `modalities: ["image","text"]`, through the official `openai` SDK pointed at
 * OpenRouter (retries off). Images come back as data URLs in `choices[0].message.images[].image_url.url`.
 */
import type OpenAI from 'openai'
import { throwIfAborted } from '../../http/provider-errors.js'
import { pixelSize } from '../../sizes.js'
import {
  type ConversationTurn,
  type GenerateOptions,
  type ImageGenerationRequest,
  type ImageGenerationResult,
  type ImageProvider,
  type ProviderCapabilities,
  ProviderError,
  type ProviderWarning,
} from '../../types.js'
import { type AdapterConfig, withOverrides } from '../adapter-config.js'
import { fitImage, parseDataUrl, toDataUrl } from '../image-output.js'
import { createOpenAIClient, downloadImage, validateImageRequest } from './openai-adapter.js'
import { type OpenRouterChatResponse, openRouterChatResponseSchema } from './openai-api.js'
import { openRouterErrorFromObject, providerErrorFromOpenAISdk } from './openai-error.js'
import {
  OPENROUTER_DEFAULT_IMAGE_MODEL,
  type OpenRouterImageModelId,
  type OpenRouterModelEntry,
  openRouterModelEntry,
} from './openrouter-options.js'

export const OPENROUTER_DEFAULT_BASE_URL = 'https://openrouter.ai/api/v1'

export interface OpenRouterProviderConfig extends AdapterConfig {
  /** Defaults to `google/gemini-2.5-flash-image`. */
  model?: OpenRouterImageModelId
  /** SDK timeout per request, in ms. Defaults to 5 minutes. */
  timeoutMs?: number
  /** Optional attribution: sent as `HTTP-Referer`. */
  appUrl?: string
  /** Optional attribution: sent as `X-Title`. */
  appTitle?: string
}

// Gemini's safety finish reasons, passed through as `native_finish_reason` (providers.md §1.7).
const SAFETY_FINISH_REASONS = new Set([
  'SAFETY',
  'PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
])

/**
 * Creates the `openrouter` image provider. Each image is one chat completion (no `n`), made in parallel;
 * earlier turns are resent as messages for multi-turn editing.
 * @example
 * const { image } = createOpenRouterProvider({ apiKey: process.env.PROVIDER_OPENROUTER_API_KEY!,
 *   model: 'google/gemini-3-pro-image-preview' })
 * const result = await image.generateImage({ prompt: 'a lighthouse at dusk', resolution: '2K',
 *   aspectRatio: '16:9', count: 1, outputFormat: 'png', referenceImages: [], searchGrounding: false })
 * // result.images[0].width === 2752, result.costUsd from OpenRouter's `usage.cost`
 */
export function createOpenRouterProvider(config: OpenRouterProviderConfig): { image: ImageProvider } {
  const modelId = config.model ?? OPENROUTER_DEFAULT_IMAGE_MODEL
  const entry = openRouterModelEntry(modelId)
  const capabilities = withOverrides(entry.capabilities, config.overrides?.capabilities)
  const pricing = withOverrides(entry.pricing, config.overrides?.pricing)
  const profile = withOverrides(entry.profile, config.overrides?.profile)
  const headers: Record<string, string> = {
    ...(config.appUrl ? { 'HTTP-Referer': config.appUrl } : {}),
    ...(config.appTitle ? { 'X-Title': config.appTitle } : {}),
  }
  let client: OpenAI | undefined

  const image: ImageProvider = {
    specificationVersion: 'v1',
    name: 'openrouter',
    defaultModel: modelId,
    capabilities,
    pricing,
    profile,
    async generateImage(request, options = {}) {
      try {
        client ??= await createOpenAIClient(
          'openrouter',
          config,
          OPENROUTER_DEFAULT_BASE_URL,
          config.timeoutMs,
          headers,
        )
        return await generateOpenRouterImages({
          client,
          config,
          modelId,
          entry,
          capabilities,
          request,
          options,
        })
      } catch (error) {
        throw providerErrorFromOpenAISdk('openrouter', error, {
          apiKey: config.apiKey,
          signal: options.signal,
        })
      }
    },
  }
  return { image }
}

interface GenerateContext {
  client: OpenAI
  config: OpenRouterProviderConfig
  modelId: string
  entry: OpenRouterModelEntry
  capabilities: ProviderCapabilities
  request: ImageGenerationRequest
  options: GenerateOptions
}

async function generateOpenRouterImages(context: GenerateContext): Promise<ImageGenerationResult> {
  const { client, config, modelId, entry, capabilities, request, options } = context
  const { signal } = options
  throwIfAborted('openrouter', signal)
  validateImageRequest('openrouter', modelId, capabilities, request)
  const warnings = unsupportedWarnings(request, capabilities)

  const body = {
    model: modelId,
    messages: [
      ...(capabilities.multiTurn ? (request.history ?? []).map(turnToMessage) : []),
      {
        role: 'user',
        content: [
          { type: 'text', text: request.prompt },
          ...request.referenceImages.map((reference) => ({
            type: 'image_url',
            image_url: { url: toDataUrl(reference) },
          })),
        ],
      },
    ],
    modalities: entry.modalities,
    image_config: {
      aspect_ratio: request.aspectRatio,
      ...(entry.imageSize ? { image_size: request.resolution } : {}),
    },
    stream: false,
  }

  // No `n` on chat completions: one call per image.
  const calls = await Promise.all(
    Array.from({ length: request.count }, async () => {
      const raw = await client.post<unknown>('/chat/completions', { body, ...(signal ? { signal } : {}) })
      const response = parseResponse(raw, config.apiKey)
      const url = firstImageUrl(response, raw)
      return { response, bytes: await imageBytes(url, config, signal) }
    }),
  )

  const target = pixelSize(request.resolution, request.aspectRatio)
  const fitted = await Promise.all(
    calls.map(({ bytes }) => fitImage('openrouter', bytes, target, request.outputFormat)),
  )
  throwIfAborted('openrouter', signal)
  const resized = fitted.find((item) => item.resized)
  if (resized) {
    warnings.push({
      type: 'adjusted',
      feature: 'resolution',
      details:
        `${modelId} drew ${resized.native.width}x${resized.native.height}; ` +
        `the image was centre-cropped and resized to ${target.width}x${target.height}`,
    })
  }
  const text = calls
    .map(({ response }) => response.choices?.[0]?.message?.content?.trim())
    .find((content) => content)

  return {
    images: fitted.map((item) => item.image),
    ...(text ? { text } : {}),
    model: modelId,
    costUsd: costOf(
      config,
      entry,
      request,
      calls.map(({ response }) => response),
    ),
    warnings,
  }
}

function unsupportedWarnings(
  request: ImageGenerationRequest,
  capabilities: ProviderCapabilities,
): ProviderWarning[] {
  const warnings: ProviderWarning[] = []
  if (request.negativePrompt) {
    warnings.push({
      type: 'unsupported',
      feature: 'negativePrompt',
      details: 'image chat models take no negative prompt',
    })
  }
  // OpenRouter forwards `seed`, but whether Gemini image models honour it is unverified (providers.md §7.3).
  if (request.seed !== undefined) {
    warnings.push({
      type: 'unsupported',
      feature: 'seed',
      details: 'not sent: image models do not promise determinism',
    })
  }
  if (request.searchGrounding) warnings.push({ type: 'unsupported', feature: 'searchGrounding' })
  if (!capabilities.multiTurn && request.history && request.history.length > 0) {
    warnings.push({ type: 'unsupported', feature: 'history', details: 'earlier turns were not sent' })
  }
  return warnings
}

/** A user turn as text + image parts; a model turn as the assistant message OpenRouter returned (with `images`). */
function turnToMessage(turn: ConversationTurn) {
  const images = turn.images.map((image) => ({ type: 'image_url', image_url: { url: toDataUrl(image) } }))
  if (turn.role === 'model') {
    return { role: 'assistant', content: turn.text ?? '', ...(images.length > 0 ? { images } : {}) }
  }
  return { role: 'user', content: [...(turn.text ? [{ type: 'text', text: turn.text }] : []), ...images] }
}

function parseResponse(raw: unknown, apiKey: string): OpenRouterChatResponse {
  const parsed = openRouterChatResponseSchema.safeParse(raw)
  if (!parsed.success) {
    throw new ProviderError({
      provider: 'openrouter',
      errorClass: 'task_failed',
      message: 'openrouter: no image in response (unexpected response shape)',
      body: raw,
    })
  }
  const response = parsed.data
  // Failures after generation started arrive as HTTP 200 with an error object (top level or in the choice).
  const errorObject = response.error ?? response.choices?.[0]?.error
  if (errorObject) throw openRouterErrorFromObject(errorObject, { apiKey, body: raw })
  return response
}

function firstImageUrl(response: OpenRouterChatResponse, raw: unknown): string {
  const choice = response.choices?.[0]
  const url = choice?.message?.images?.find((image) => image.image_url?.url)?.image_url?.url
  if (url) return url
  const reason = choice?.native_finish_reason ?? choice?.finish_reason ?? undefined
  if (choice?.finish_reason === 'content_filter' || (reason && SAFETY_FINISH_REASONS.has(reason))) {
    throw new ProviderError({
      provider: 'openrouter',
      errorClass: 'content_policy',
      message: `openrouter: the image was blocked by the model's safety filter (${reason})`,
      body: raw,
    })
  }
  const text = choice?.message?.content?.trim()
  throw new ProviderError({
    provider: 'openrouter',
    errorClass: 'task_failed',
    message: `openrouter: no image in response${text ? `; the model said: ${text.slice(0, 200)}` : ''}`,
    body: raw,
  })
}

/** A data URL decoded, or an https URL downloaded without credentials (they go to OpenRouter only). */
async function imageBytes(url: string, config: OpenRouterProviderConfig, signal: AbortSignal | undefined) {
  return (
    parseDataUrl(url)?.data ?? downloadImage('openrouter', url, config, OPENROUTER_DEFAULT_BASE_URL, signal)
  )
}

/** OpenRouter's `usage.cost` (USD per call) when every call reports it; else the catalog price. */
function costOf(
  config: OpenRouterProviderConfig,
  entry: OpenRouterModelEntry,
  request: ImageGenerationRequest,
  responses: OpenRouterChatResponse[],
): number {
  const overridden = config.overrides?.pricing?.perImageUsd
  if (overridden) return round(overridden[request.resolution] * responses.length)
  const costs = responses.map((response) => response.usage?.cost)
  if (costs.every((cost): cost is number => typeof cost === 'number' && Number.isFinite(cost))) {
    return round(costs.reduce((sum, cost) => sum + cost, 0))
  }
  return round(entry.pricing.perImageUsd[request.resolution] * responses.length)
}

function round(usd: number): number {
  return Math.round(usd * 1_000_000) / 1_000_000
}
