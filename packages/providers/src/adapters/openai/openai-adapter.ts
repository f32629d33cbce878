/**
 * @module The `openai` image provider: the OpenAI Images API (providers.md §2) through the official `openai`
 * SDK with its retries off (the router owns retries). Text-to-image is `POST /images/generations`; with
 * reference images it is `POST /images/edits` (multipart, repeated `image[]`).
 */
import type OpenAI from 'openai'
import { requiredCapabilitiesFor, unmetCapability } from '../../capabilities.js'
import { downloadMedia } from '../../http/download.js'
import { throwIfAborted } from '../../http/provider-errors.js'
import { pixelSize } from '../../sizes.js'
import {
  type GeneratedImage,
  type GenerateOptions,
  type ImageGenerationRequest,
  type ImageGenerationResult,
  type ImageProvider,
  type ProviderCapabilities,
  ProviderError,
  type ProviderName,
  type ProviderWarning,
} from '../../types.js'
import { type AdapterConfig, fetchFor, withOverrides } from '../adapter-config.js'
import { fitImage } from '../image-output.js'
import { type OpenAIImagesResponse, openAIImagesResponseSchema } from './openai-api.js'
import { type OpenAIFamilyProvider, providerErrorFromOpenAISdk } from './openai-error.js'
import { postImagesGeneration } from './openai-images-http.js'
import {
  nativeSizeFor,
  OPENAI_DEFAULT_IMAGE_MODEL,
  type OpenAIImageModelId,
  type OpenAIModelEntry,
  openAIModelEntry,
} from './openai-options.js'
import { openAISdk } from './openai-sdk.js'

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1'

/** The SDK's own timeout per request; the router's per-attempt deadline (an AbortSignal) is usually shorter. */
export const OPENAI_DEFAULT_TIMEOUT_MS = 300_000

export interface OpenAIProviderConfig extends AdapterConfig {
  /** Defaults to `gpt-image-1`. */
  model?: OpenAIImageModelId
  /** SDK timeout per request, in ms. Defaults to 5 minutes (high quality can take 1-2 minutes). */
  timeoutMs?: number
}

/**
 * Creates the `openai` image provider. Resolutions map to OpenAI's native sizes and qualities as
 * `openai-options.ts` documents; results are resized to our exact pixel size with an `adjusted` warning.
 * @example
 * const { image } = createOpenAIProvider({ apiKey: process.env.PROVIDER_OPENAI_API_KEY! })
 * const result = await image.generateImage({ prompt: 'a red panda astronaut', resolution: '1K',
 *   aspectRatio: '16:9', count: 1, outputFormat: 'png', referenceImages: [], searchGrounding: false })
 * // result.images[0].width === 1376 (drawn at 1536x1024, centre-cropped), result.warnings[0].type === 'adjusted'
 */
export function createOpenAIProvider(config: OpenAIProviderConfig): { image: ImageProvider } {
  const modelId = config.model ?? OPENAI_DEFAULT_IMAGE_MODEL
  const entry = openAIModelEntry(modelId)
  const capabilities = withOverrides(entry.capabilities, config.overrides?.capabilities)
  const pricing = withOverrides(entry.pricing, config.overrides?.pricing)
  const profile = withOverrides(entry.profile, config.overrides?.profile)
  let client: OpenAI | undefined

  const image: ImageProvider = {
    specificationVersion: 'v1',
    name: 'openai',
    defaultModel: modelId,
    capabilities,
    pricing,
    profile,
    async generateImage(request, options = {}) {
      try {
        const apiKey = requireApiKey('openai', config)
        // Only edits (multipart) go through the SDK, made on first use.
        const sdk = async () => {
          client ??= await createOpenAIClient('openai', config, OPENAI_DEFAULT_BASE_URL, config.timeoutMs)
          return client
        }
        return await generateOpenAIImages({
          sdk,
          apiKey,
          config,
          modelId,
          entry,
          capabilities,
          request,
          options,
        })
      } catch (error) {
        throw providerErrorFromOpenAISdk('openai', error, { apiKey: config.apiKey, signal: options.signal })
      }
    },
  }
  return { image }
}

/** The configured API key; without one, the `auth` ProviderError before any request is made. */
function requireApiKey(provider: ProviderName, config: AdapterConfig): string {
  if (!config.apiKey) {
    throw new ProviderError({
      provider,
      errorClass: 'auth',
      message: `${provider}: no API key is configured`,
    })
  }
  return config.apiKey
}

/**
 * An `openai` SDK client for an OpenAI-compatible API: retries off, our transport, and none of the SDK's
 * environment fall-backs (OPENAI_ORG_ID / OPENAI_PROJECT_ID must not leak to another provider).
 * @throws ProviderError `auth` when no API key is configured.
 */
export async function createOpenAIClient(
  provider: ProviderName,
  config: AdapterConfig,
  defaultBaseUrl: string,
  timeoutMs: number = OPENAI_DEFAULT_TIMEOUT_MS,
  defaultHeaders?: Record<string, string>,
): Promise<OpenAI> {
  const apiKey = requireApiKey(provider, config)
  const { default: OpenAISdkClient } = await openAISdk.load()
  return new OpenAISdkClient({
    apiKey,
    baseURL: config.baseUrl ?? defaultBaseUrl,
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    maxRetries: 0,
    timeout: timeoutMs,
    fetch: fetchFor(config),
    ...(defaultHeaders ? { defaultHeaders } : {}),
  })
}

interface GenerateContext {
  sdk: () => Promise<OpenAI>
  apiKey: string
  config: OpenAIProviderConfig
  modelId: string
  entry: OpenAIModelEntry
  capabilities: ProviderCapabilities
  request: ImageGenerationRequest
  options: GenerateOptions
}

async function generateOpenAIImages(context: GenerateContext): Promise<ImageGenerationResult> {
  const { sdk, apiKey, config, modelId, entry, capabilities, request, options } = context
  const { signal } = options
  throwIfAborted('openai', signal)
  validateImageRequest('openai', modelId, capabilities, request)

  const warnings = unsupportedWarnings(request)
  const target = pixelSize(request.resolution, request.aspectRatio)
  const size = nativeSizeFor(entry, target.width, target.height)
  const quality = entry.quality[request.resolution]
  const requestOptions = signal ? { signal } : {}
  const generate = (body: object) =>
    postImagesGeneration(body, {
      provider: 'openai',
      baseUrl: config.baseUrl ?? OPENAI_DEFAULT_BASE_URL,
      apiKey,
      timeoutMs: config.timeoutMs ?? OPENAI_DEFAULT_TIMEOUT_MS,
      signal,
    })

  let responses: unknown[]
  if (entry.family === 'dall-e') {
    // DALL·E 3 takes n = 1 only: one call per image, in parallel. It returns PNG; we ask for base64.
    responses = await Promise.all(
      Array.from({ length: request.count }, () =>
        generate({
          model: modelId,
          prompt: request.prompt,
          n: 1,
          size,
          quality,
          response_format: 'b64_json',
        }),
      ),
    )
  } else if (request.referenceImages.length > 0) {
    const { toFile } = await openAISdk.load()
    const images = await Promise.all(
      request.referenceImages.map((reference, index) =>
        toFile(reference.data, `reference-${index + 1}.${extensionFor(reference.mimeType)}`, {
          type: reference.mimeType,
        }),
      ),
    )
    responses = [
      await (await sdk()).images.edit(
        {
          model: modelId,
          prompt: request.prompt,
          // An array is sent as repeated `image[]` parts.
          image: images,
          n: request.count,
          size,
          quality: quality as 'medium' | 'high',
          output_format: request.outputFormat,
        },
        requestOptions,
      ),
    ]
  } else {
    // GPT image models always return b64_json and reject `response_format` (providers.md §2.1).
    responses = [
      await generate({
        model: modelId,
        prompt: request.prompt,
        n: request.count,
        size,
        quality,
        output_format: request.outputFormat,
      }),
    ]
  }

  const parsed = responses.map((response) => parseResponse(response))
  const encoded = (await Promise.all(parsed.map((response) => imageBytesOf(response, config, signal)))).flat()
  if (encoded.length === 0) {
    throw new ProviderError({
      provider: 'openai',
      errorClass: 'task_failed',
      message: 'openai: no image in response (empty `data`)',
      body: responses[0],
    })
  }
  if (encoded.length < request.count) {
    warnings.push({
      type: 'adjusted',
      feature: 'count',
      details: `asked for ${request.count} images, the API returned ${encoded.length}`,
    })
  }

  const fitted = await Promise.all(
    encoded.map((bytes) => fitImage('openai', bytes, target, request.outputFormat)),
  )
  throwIfAborted('openai', signal)
  const images: GeneratedImage[] = fitted.map((item) => item.image)
  const resized = fitted.find((item) => item.resized)
  if (resized) {
    warnings.push({
      type: 'adjusted',
      feature: 'resolution',
      details:
        `${modelId} draws ${resized.native.width}x${resized.native.height} (size ${size}, quality ${quality}); ` +
        `the image was centre-cropped and resized to ${target.width}x${target.height}`,
    })
  }

  return {
    images,
    model: modelId,
    costUsd: costOf({ config, entry, request, parsed, imageCount: images.length, size, quality }),
    warnings,
  }
}

/** Refuses what the model cannot do (a bad count, references it cannot take) as `invalid_request`. */
export function validateImageRequest(
  provider: OpenAIFamilyProvider,
  modelId: string,
  capabilities: ProviderCapabilities,
  request: ImageGenerationRequest,
): void {
  // Search grounding and history are not refused: they become `unsupported` warnings.
  const problem =
    !Number.isInteger(request.count) || request.count < 1 || request.count > 10
      ? 'count must be an integer from 1 to 10'
      : unmetCapability(capabilities, requiredCapabilitiesFor({ ...request, searchGrounding: false }))
  if (problem !== undefined) {
    throw new ProviderError({
      provider,
      errorClass: 'invalid_request',
      message: `${provider}: ${modelId}: ${problem}`,
    })
  }
}

function unsupportedWarnings(request: ImageGenerationRequest): ProviderWarning[] {
  const warnings: ProviderWarning[] = []
  if (request.negativePrompt) {
    warnings.push({
      type: 'unsupported',
      feature: 'negativePrompt',
      details: 'the Images API has no negative prompt',
    })
  }
  if (request.seed !== undefined) {
    warnings.push({ type: 'unsupported', feature: 'seed', details: 'the Images API has no seed' })
  }
  if (request.searchGrounding) warnings.push({ type: 'unsupported', feature: 'searchGrounding' })
  if (request.history && request.history.length > 0) {
    warnings.push({
      type: 'unsupported',
      feature: 'history',
      details: 'the Images API is single-turn; earlier turns were not sent',
    })
  }
  return warnings
}

function parseResponse(response: unknown): OpenAIImagesResponse {
  const parsed = openAIImagesResponseSchema.safeParse(response)
  if (!parsed.success) {
    throw new ProviderError({
      provider: 'openai',
      errorClass: 'task_failed',
      message: 'openai: no image in response (unexpected response shape)',
      body: response,
    })
  }
  return parsed.data
}

/** Base64 images, or (DALL·E without b64) URLs downloaded without credentials. */
async function imageBytesOf(
  response: OpenAIImagesResponse,
  config: OpenAIProviderConfig,
  signal: AbortSignal | undefined,
): Promise<Uint8Array[]> {
  return Promise.all(
    (response.data ?? []).flatMap((item) => {
      if (item.b64_json) return [Promise.resolve(Buffer.from(item.b64_json, 'base64'))]
      if (item.url) return [downloadImage('openai', item.url, config, OPENAI_DEFAULT_BASE_URL, signal)]
      return []
    }),
  )
}

/**
 * GETs an image URL the API returned (DALL·E's, OpenRouter's): a signed blob-storage URL, so no key goes with it.
 * A 4xx means it has expired or is unusable (`task_failed`); a 5xx is `transient`.
 */
export async function downloadImage(
  provider: OpenAIFamilyProvider,
  url: string,
  config: AdapterConfig,
  defaultBaseUrl: string,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const { data } = await downloadMedia(url, {
    provider,
    fetch: fetchFor(config),
    baseUrl: config.baseUrl ?? defaultBaseUrl,
    what: 'image',
    isExpired: (status) => status < 500,
    signal,
  })
  return data
}

interface CostInput {
  config: OpenAIProviderConfig
  entry: OpenAIModelEntry
  request: ImageGenerationRequest
  parsed: OpenAIImagesResponse[]
  imageCount: number
  size: string
  quality: string
}

/**
 * USD for the call: an operator's per-resolution price when overridden; else from `usage` tokens when the
 * model reports them and the catalog has token rates; else the catalog's per-image price for the size sent.
 */
function costOf(input: CostInput): number {
  const { config, entry, request, parsed, imageCount, size, quality } = input
  const overridden = config.overrides?.pricing?.perImageUsd
  if (overridden) return round(overridden[request.resolution] * imageCount)
  const rates = entry.tokenRatesUsdPerMillion
  if (rates && parsed.every((response) => typeof response.usage?.output_tokens === 'number')) {
    let usd = 0
    for (const { usage } of parsed) {
      const imageInput = usage?.input_tokens_details?.image_tokens ?? 0
      const textInput =
        usage?.input_tokens_details?.text_tokens ?? Math.max(0, (usage?.input_tokens ?? 0) - imageInput)
      usd +=
        (textInput * rates.textInput +
          imageInput * rates.imageInput +
          (usage?.output_tokens ?? 0) * rates.imageOutput) /
        1_000_000
    }
    return round(usd)
  }
  const perImage = entry.priceBySize[`${quality}:${size}`] ?? entry.pricing.perImageUsd[request.resolution]
  return round(perImage * imageCount)
}

function round(usd: number): number {
  return Math.round(usd * 1_000_000) / 1_000_000
}

function extensionFor(mimeType: string): string {
  if (mimeType === 'image/jpeg') return 'jpg'
  if (mimeType === 'image/webp') return 'webp'
  return 'png'
}
