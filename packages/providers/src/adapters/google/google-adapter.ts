/**
 * @module The Google image adapter: Gemini "Nano Banana" models through
 * `POST /v1beta/models/{model}:generateContent` (providers.md §1.2–§1.8). One HTTP request per image (the
 * API has no count), multi-turn editing with thought signatures echoed, Google Search grounding.
 */
import { providerErrorFromThrown, redact } from '../../http/provider-errors.js'
import { pixelSize } from '../../sizes.js'
import {
  type ConversationTurn,
  type GeneratedImage,
  type Grounding,
  type ImageGenerationRequest,
  type ImageGenerationResult,
  type ImageProvider,
  type ProviderCapabilities,
  ProviderError,
  type ProviderWarning,
  RESOLUTIONS,
  type ReferenceImage,
} from '../../types.js'
import { withOverrides } from '../adapter-config.js'
import { loadSharp } from '../sharp-loader.js'
import {
  type GenerateContentRequest,
  type GenerateContentResponse,
  type GoogleContent,
  type GooglePart,
  type GoogleResponsePart,
  type GoogleTurnMetadata,
  type GoogleTurnPart,
  generateContentResponseSchema,
  googleTurnMetadataSchema,
} from './google-api.js'
import { type GoogleProviderConfig, googleJsonRequest } from './google-config.js'
import { GOOGLE_DEFAULT_IMAGE_MODEL, googleImageModel } from './google-options.js'

/**
 * Finish reasons of a candidate that was blocked rather than merely empty (providers.md §1.7). Others
 * without an image (`NO_IMAGE`, `IMAGE_OTHER`, `OTHER`, a `STOP` with only text) are `task_failed`.
 */
const BLOCKED_FINISH_REASONS: ReadonlySet<string> = new Set([
  'SAFETY',
  'PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
])

const MIME_BY_FORMAT: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
}

/**
 * Creates the Google image provider (default model `gemini-3-pro-image-preview`).
 *
 * - `count` N makes N parallel requests (request i sends `seed + i` when a seed is given); the cost is N
 *   images, and if only some succeed the rest is reported as an `adjusted` `count` warning.
 * - `negativePrompt` is not supported by the API: an `unsupported` warning, nothing folded into the prompt.
 * - `result.providerMetadata.google.parts` records the answer's parts and thought signatures; hand it back
 *   as `history[i].providerMetadata` and the model turn is resent verbatim.
 * @param config `baseUrl` is the bare host (default `https://generativelanguage.googleapis.com`).
 * @example
 * const image = createGoogleImageProvider({ apiKey: process.env.GOOGLE_API_KEY ?? '' })
 * const result = await image.generateImage({ prompt: 'a watercolor fox', resolution: '2K', aspectRatio: '16:9',
 *   count: 1, outputFormat: 'png', referenceImages: [], searchGrounding: false })
 * // result.images[0].width === 2752
 */
export function createGoogleImageProvider(config: GoogleProviderConfig): ImageProvider {
  const model = config.model ?? GOOGLE_DEFAULT_IMAGE_MODEL
  const entry = googleImageModel(model)
  const capabilities = withOverrides(entry.capabilities, config.overrides?.capabilities)
  const pricing = withOverrides(entry.pricing, config.overrides?.pricing)
  const profile = withOverrides(entry.profile, config.overrides?.profile)

  return {
    specificationVersion: 'v1',
    name: 'google',
    defaultModel: model,
    capabilities,
    pricing,
    profile,
    async generateImage(request, options = {}) {
      const { signal } = options
      const problem = requestProblem(request, capabilities)
      if (problem !== undefined) {
        throw new ProviderError({
          provider: 'google',
          errorClass: 'invalid_request',
          message: `google: ${problem}`,
        })
      }

      const warnings: ProviderWarning[] = []
      if (request.negativePrompt !== undefined && request.negativePrompt !== '') {
        warnings.push({
          type: 'unsupported',
          feature: 'negativePrompt',
          details: 'the Gemini API has no negative prompt; phrase exclusions positively in the prompt',
        })
      }
      const search = request.searchGrounding && capabilities.searchGrounding
      if (request.searchGrounding && !search) {
        warnings.push({
          type: 'unsupported',
          feature: 'searchGrounding',
          details: `${model} has no Google Search grounding`,
        })
      }
      const history = request.history ?? []
      if (history.length > 0 && !capabilities.multiTurn) {
        warnings.push({
          type: 'unsupported',
          feature: 'history',
          details: `${model} takes no conversation history`,
        })
      }

      const contents = buildContents(request, capabilities.multiTurn ? history : [])
      const bodies = Array.from({ length: request.count }, (_, index): GenerateContentRequest => {
        return {
          contents,
          generationConfig: {
            responseModalities: ['TEXT', 'IMAGE'],
            imageConfig: {
              aspectRatio: request.aspectRatio,
              // Upper-case K as the API requires ("2K"); 2.5 Flash takes no size at all.
              ...(entry.takesImageSize ? { imageSize: request.resolution } : {}),
            },
            ...(request.seed === undefined ? {} : { seed: request.seed + index }),
          },
          ...(search ? { tools: [{ googleSearch: {} }] } : {}),
        }
      })

      const settled = await Promise.allSettled(bodies.map((body) => generateOne(config, model, body, signal)))
      const answers = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []))
      const failures = settled.flatMap((outcome) =>
        outcome.status === 'rejected' ? [providerErrorFromThrown('google', outcome.reason, signal)] : [],
      )
      if (signal?.aborted || answers.length === 0) {
        throw failures[0] ?? providerErrorFromThrown('google', signal?.reason, signal)
      }
      if (failures.length > 0) {
        warnings.push({
          type: 'adjusted',
          feature: 'count',
          details: `${answers.length} of ${request.count} images were made; ${failures[0]?.message ?? 'the rest failed'}`,
        })
      }

      const images = answers.map((answer) => answer.image)
      warnings.push(...sizeWarnings(images, request, model), ...formatWarnings(images, request))
      const texts = answers.map((answer) => answer.text).filter((text) => text.length > 0)
      const costPerImage =
        pricing.perImageUsd[request.resolution] + (search ? (pricing.searchGroundingPerImageUsd ?? 0) : 0)
      const metadata: GoogleTurnMetadata = { google: { model, parts: answers[0]!.parts } }

      const result: ImageGenerationResult = {
        images,
        model,
        costUsd: roundUsd(costPerImage * images.length),
        warnings,
        providerMetadata: metadata,
      }
      if (texts.length > 0) result.text = texts.join('\n\n')
      if (search) result.grounding = mergeGrounding(answers.map((answer) => answer.grounding))
      return result
    },
  }
}

function requestProblem(
  request: ImageGenerationRequest,
  capabilities: ProviderCapabilities,
): string | undefined {
  if (!RESOLUTIONS.includes(request.resolution)) return `unsupported resolution ${request.resolution}`
  if (!capabilities.aspectRatios.includes(request.aspectRatio)) {
    return `aspect ratio ${request.aspectRatio} is not supported`
  }
  const max = capabilities.maxImagesPerCall
  if (!Number.isInteger(request.count) || request.count < 1 || request.count > max) {
    return `count must be an integer from 1 to ${max}`
  }
  if (request.referenceImages.length > capabilities.maxReferenceImages) {
    return `${request.referenceImages.length} reference images exceed the maximum ${capabilities.maxReferenceImages}`
  }
  if (request.seed !== undefined && !Number.isInteger(request.seed)) return 'seed must be an integer'
  return undefined
}

// --- Request ----------------------------------------------------------------------------------------

function inlineImage(image: ReferenceImage): GooglePart {
  const data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength)
  // Base64 without a `data:` prefix (providers.md §1.3).
  return { inlineData: { mimeType: image.mimeType, data: data.toString('base64') } }
}

function plainParts(text: string | undefined, images: readonly ReferenceImage[]): GooglePart[] {
  return [...(text ? [{ text }] : []), ...images.map(inlineImage)]
}

/**
 * A model turn as Gemini made it: the recorded parts in order, each with its thought signature, the images
 * taken from the turn (providers.md §1.5). Without our metadata (another provider's turn), text then images.
 */
function modelTurnParts(turn: ConversationTurn): GooglePart[] {
  const metadata = googleTurnMetadataSchema.safeParse(turn.providerMetadata)
  if (!metadata.success) return plainParts(turn.text, turn.images)
  const used = new Set<number>()
  const parts: GooglePart[] = []
  for (const record of metadata.data.google.parts) {
    const signature =
      record.thoughtSignature === undefined ? {} : { thoughtSignature: record.thoughtSignature }
    if (record.kind === 'text') {
      parts.push({ text: record.text, ...signature })
      continue
    }
    const image = turn.images[record.index]
    if (image === undefined) continue
    used.add(record.index)
    parts.push({ ...inlineImage(image), ...signature })
  }
  // Images the record does not name (e.g. the other images of a count > 1 answer) still go along.
  turn.images.forEach((image, index) => {
    if (!used.has(index)) parts.push(inlineImage(image))
  })
  return parts
}

function buildContents(
  request: ImageGenerationRequest,
  history: readonly ConversationTurn[],
): GoogleContent[] {
  const contents: GoogleContent[] = []
  for (const turn of history) {
    const parts = turn.role === 'model' ? modelTurnParts(turn) : plainParts(turn.text, turn.images)
    if (parts.length > 0) contents.push({ role: turn.role, parts })
  }
  contents.push({ role: 'user', parts: plainParts(request.prompt, request.referenceImages) })
  return contents
}

// --- Response ---------------------------------------------------------------------------------------

interface Answer {
  image: GeneratedImage
  text: string
  parts: GoogleTurnPart[]
  grounding: Grounding
}

async function generateOne(
  config: GoogleProviderConfig,
  model: string,
  body: GenerateContentRequest,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  const json = await googleJsonRequest(config, {
    method: 'POST',
    path: `models/${encodeURIComponent(model)}:generateContent`,
    body,
    signal,
  })
  const parsed = generateContentResponseSchema.safeParse(json)
  if (!parsed.success) {
    throw new ProviderError({
      provider: 'google',
      errorClass: 'task_failed',
      status: 200,
      message: 'google: no image in response (the answer did not have the generateContent shape)',
    })
  }
  return readAnswer(parsed.data, config.apiKey)
}

async function readAnswer(response: GenerateContentResponse, apiKey: string): Promise<Answer> {
  const blockReason = response.promptFeedback?.blockReason
  if (blockReason !== undefined && blockReason !== 'BLOCK_REASON_UNSPECIFIED') {
    const why = response.promptFeedback?.blockReasonMessage
    throw contentPolicy(`the prompt was blocked (${blockReason})${why ? `: ${why}` : ''}`, response, apiKey)
  }
  const candidate = response.candidates?.[0]
  const parts = candidate?.content?.parts ?? []

  // Gemini 3 thinks first: `thought: true` parts hold drafts (even interim images). The answer is the
  // last non-thought image part (providers.md §1.4).
  const finalPart = parts.findLast((part) => part.thought !== true && isImagePart(part))
  const records: GoogleTurnPart[] = []
  const texts: string[] = []
  for (const part of parts) {
    if (part.thought === true) continue
    const signature = part.thoughtSignature === undefined ? {} : { thoughtSignature: part.thoughtSignature }
    if (part === finalPart) records.push({ kind: 'image', index: 0, ...signature })
    else if (part.text !== undefined && part.inlineData === undefined) {
      texts.push(part.text)
      records.push({ kind: 'text', text: part.text, ...signature })
    }
  }
  const text = texts.join('')

  const finishReason = candidate?.finishReason
  if (finalPart?.inlineData === undefined) {
    if (finishReason !== undefined && BLOCKED_FINISH_REASONS.has(finishReason)) {
      const why = candidate?.finishMessage
      throw contentPolicy(`the image was blocked (${finishReason})${why ? `: ${why}` : ''}`, response, apiKey)
    }
    const said = text.length > 0 ? `: "${text.length > 200 ? `${text.slice(0, 200)}…` : text}"` : ''
    throw new ProviderError({
      provider: 'google',
      errorClass: 'task_failed',
      status: 200,
      message: redact(`google: no image in response (finishReason ${finishReason ?? 'none'})${said}`, apiKey),
      body: { finishReason },
    })
  }

  const image = await decodeImage(finalPart.inlineData.data, finalPart.inlineData.mimeType)
  const metadata = candidate?.groundingMetadata
  return {
    image,
    text,
    parts: records,
    grounding: {
      queries: metadata?.webSearchQueries ?? [],
      sources: (metadata?.groundingChunks ?? []).flatMap((chunk) =>
        chunk.web?.uri ? [{ title: chunk.web.title ?? chunk.web.uri, url: chunk.web.uri }] : [],
      ),
    },
  }
}

/** An `inlineData` part holding an image (a missing mimeType is left to the decoder to judge). */
function isImagePart(part: GoogleResponsePart): boolean {
  return part.inlineData !== undefined && (part.inlineData.mimeType ?? 'image/').startsWith('image/')
}

function contentPolicy(reason: string, response: GenerateContentResponse, apiKey: string): ProviderError {
  return new ProviderError({
    provider: 'google',
    errorClass: 'content_policy',
    status: 200,
    message: redact(`google: ${reason}`, apiKey),
    body: {
      promptFeedback: response.promptFeedback,
      finishReason: response.candidates?.[0]?.finishReason,
    },
  })
}

async function decodeImage(base64: string, declaredMimeType: string | undefined): Promise<GeneratedImage> {
  const sharp = await loadSharp()
  const buffer = Buffer.from(base64, 'base64')
  try {
    const { width, height, format } = await sharp(buffer).metadata()
    if (!width || !height) throw new Error('no dimensions')
    return {
      data: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
      // The bytes decide; the declared type only names formats sharp has no short name for (HEIC).
      mimeType: MIME_BY_FORMAT[format ?? ''] ?? declaredMimeType ?? 'application/octet-stream',
      width,
      height,
    }
  } catch (error) {
    throw new ProviderError({
      provider: 'google',
      errorClass: 'task_failed',
      status: 200,
      message: 'google: no image in response (the image part could not be decoded)',
      cause: error,
    })
  }
}

function sizeWarnings(
  images: GeneratedImage[],
  request: ImageGenerationRequest,
  model: string,
): ProviderWarning[] {
  const expected = pixelSize(request.resolution, request.aspectRatio)
  const sizes = new Set(
    images
      .filter((image) => image.width !== expected.width || image.height !== expected.height)
      .map((image) => `${image.width}x${image.height}`),
  )
  if (sizes.size === 0) return []
  return [
    {
      type: 'adjusted',
      feature: 'resolution',
      details: `${model} made ${[...sizes].join(', ')} instead of ${expected.width}x${expected.height} (${request.resolution} ${request.aspectRatio})`,
    },
  ]
}

function formatWarnings(images: GeneratedImage[], request: ImageGenerationRequest): ProviderWarning[] {
  const wanted = MIME_BY_FORMAT[request.outputFormat]
  const other = [...new Set(images.map((image) => image.mimeType))].filter((mimeType) => mimeType !== wanted)
  if (other.length === 0) return []
  return [
    {
      type: 'adjusted',
      feature: 'outputFormat',
      details: `the Gemini API chooses the image format: got ${other.join(', ')}, not ${wanted}`,
    },
  ]
}

function mergeGrounding(groundings: Grounding[]): Grounding {
  const queries = [...new Set(groundings.flatMap((grounding) => grounding.queries))]
  const seen = new Set<string>()
  const sources = groundings
    .flatMap((grounding) => grounding.sources)
    .filter((source) => !seen.has(source.url) && seen.add(source.url))
  return { queries, sources }
}

/** Sub-cent float noise off (0.134 × 3 = 0.40200000000000002). */
function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6
}
