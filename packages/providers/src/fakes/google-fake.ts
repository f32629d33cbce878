/**
 * @module A contract fake of the Gemini API (providers.md §1, §7.2): `generateContent` for the image models
 * ("Nano Banana"), Veo's `predictLongRunning` + operation polling + file download, with Google's auth,
 * validation and error shapes. Provider-shaped failures are picked by magic tokens in the prompt:
 *
 * | token | answer |
 * |---|---|
 * | `[blocked]` | 200, no candidates, `promptFeedback.blockReason: PROHIBITED_CONTENT` |
 * | `[image-safety]` | 200, candidate `finishReason: IMAGE_SAFETY`, no content |
 * | `[no-image]` | 200, `finishReason: STOP` with only a text part (soft refusal) |
 * | `[malformed]` | 200, a body without the generateContent shape |
 * | `[jpeg]` | the final image is a JPEG |
 * | `[no-thoughts]` | no `thought: true` parts on a Gemini 3 answer |
 * | `[rate-limited]` | 429 `RESOURCE_EXHAUSTED`, per-minute `QuotaFailure`, `RetryInfo.retryDelay: "1.5s"`, no Retry-After |
 * | `[daily-quota]` | 429 `RESOURCE_EXHAUSTED` whose `QuotaFailure` names a per-day quota |
 * | `[invalid]` / `[denied]` / `[internal]` / `[unavailable]` | 400 / 403 / 500 / 503 in Google's error envelope |
 * | `[slow:N]` (Veo) | N polls answer not-done before the operation ends |
 * | `[rai]` (Veo) | done, no samples, `raiMediaFilteredCount: 1` |
 * | `[op-error]` (Veo) | done with an operation `error` |
 * | `[expired]` (Veo) | the clip's download answers 404 |
 *
 * Transport failures (hang, reset, delay, any status) come from the harness's `inject` / `setRandomFaults`.
 */
import { createHash } from 'node:crypto'
import { GEMINI_25_FLASH_PIXEL_SIZES } from '../adapters/google/google-options.js'
import { PIXEL_SIZES, type PixelSize } from '../sizes.js'
import type { AspectRatio } from '../types.js'
import { type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer } from './fake-server.js'
import { tinyImage } from './media.js'

/** The key the fake accepts unless told otherwise. */
export const GOOGLE_FAKE_API_KEY = 'fake-google-api-key-3f9c'

export interface GoogleFakeOptions {
  /** The only key accepted (header `x-goog-api-key` or `?key=`). Defaults to GOOGLE_FAKE_API_KEY. */
  apiKey?: string
  /** How many Veo polls answer not-done before the operation ends. Defaults to 2. */
  pendingPolls?: number
  /** Whether Gemini 3 answers start with `thought: true` parts (draft text and an interim image). Defaults to true. */
  thoughts?: boolean
  /** Whether a file download redirects (302) to the storage host instead of answering with the bytes. Defaults to true. */
  redirectDownloads?: boolean
}

export interface GoogleFake extends FakeServer {
  readonly apiKey: string
  /** A second origin standing for Google's storage host, where downloads are redirected; it records its requests too. */
  readonly storage: FakeServer
  /** Knobs, changeable between tests. */
  pendingPolls: number
  thoughts: boolean
  redirectDownloads: boolean
}

interface ImageModelSpec {
  sizes: readonly string[]
  extraRatios: readonly string[]
  maxImages: number
  search: boolean
  thinks: boolean
  /** Rejects a model turn whose images lack our thought signatures. */
  enforcesSignatures: boolean
  fixed: boolean
}

const GEMINI_3_PRO: ImageModelSpec = {
  sizes: ['1K', '2K', '4K'],
  extraRatios: [],
  maxImages: 14,
  search: true,
  thinks: true,
  enforcesSignatures: false,
  fixed: false,
}
const GEMINI_31_FLASH: ImageModelSpec = {
  sizes: ['512', '1K', '2K', '4K'],
  extraRatios: ['1:4', '4:1', '1:8', '8:1'],
  maxImages: 14,
  search: true,
  thinks: true,
  enforcesSignatures: true,
  fixed: false,
}
const IMAGE_MODELS: Readonly<Record<string, ImageModelSpec>> = {
  'gemini-3-pro-image-preview': GEMINI_3_PRO,
  'gemini-3-pro-image': GEMINI_3_PRO,
  'gemini-3.1-flash-image': GEMINI_31_FLASH,
  'gemini-3.1-flash-image-preview': GEMINI_31_FLASH,
  'gemini-2.5-flash-image': {
    sizes: [],
    extraRatios: [],
    maxImages: 3,
    search: false,
    thinks: false,
    enforcesSignatures: false,
    fixed: true,
  },
}

interface VideoModelSpec {
  durations: readonly number[]
  resolutions: readonly string[]
  /** 1080p and 4k need this duration. */
  fullHdDuration?: number
}
const VEO_31: VideoModelSpec = {
  durations: [4, 6, 8],
  resolutions: ['720p', '1080p', '4k'],
  fullHdDuration: 8,
}
const VIDEO_MODELS: Readonly<Record<string, VideoModelSpec>> = {
  'veo-3.1-generate-preview': VEO_31,
  'veo-3.1-fast-generate-preview': VEO_31,
  'veo-3.0-generate-001': { durations: [8], resolutions: ['720p', '1080p'] },
  'veo-3.0-fast-generate-001': { durations: [8], resolutions: ['720p', '1080p'] },
  'veo-2.0-generate-001': { durations: [5, 6, 7, 8], resolutions: ['720p'] },
}

const BASE_RATIOS = Object.keys(PIXEL_SIZES['1K'])
const THREE_ONE_512: Readonly<Record<string, PixelSize>> = {
  '1:1': { width: 512, height: 512 },
  '16:9': { width: 688, height: 384 },
  '9:16': { width: 384, height: 688 },
  '4:3': { width: 600, height: 448 },
  '3:4': { width: 448, height: 600 },
  '3:2': { width: 632, height: 424 },
  '2:3': { width: 424, height: 632 },
  '4:5': { width: 464, height: 576 },
  '5:4': { width: 576, height: 464 },
  '21:9': { width: 792, height: 168 },
}
const SIDE_BY_SIZE: Readonly<Record<string, number>> = { '512': 512, '1K': 1024, '2K': 2048, '4K': 4096 }
const OUTPUT_TOKENS: Readonly<Record<string, number>> = { '512': 747, '1K': 1120, '2K': 1120, '4K': 2000 }

const KNOWN_REQUEST_KEYS = new Set([
  'contents',
  'generationConfig',
  'tools',
  'toolConfig',
  'safetySettings',
  'systemInstruction',
  'cachedContent',
])
const KNOWN_GENERATION_KEYS = new Set([
  'responseModalities',
  'imageConfig',
  'seed',
  'temperature',
  'topP',
  'topK',
  'candidateCount',
  'maxOutputTokens',
  'stopSequences',
  'thinkingConfig',
  'responseMimeType',
  'presencePenalty',
  'frequencyPenalty',
  'mediaResolution',
])
// personGeneration, outputMimeType, outputCompressionQuality are Vertex-only (providers.md §1.3).
const KNOWN_IMAGE_CONFIG_KEYS = new Set(['aspectRatio', 'imageSize'])
const KNOWN_VIDEO_PARAMETER_KEYS = new Set([
  'aspectRatio',
  'resolution',
  'durationSeconds',
  'negativePrompt',
  'personGeneration',
  'sampleCount',
  'seed',
])
const INPUT_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'])
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** A tiny MP4: an `ftyp` box, a `free` box and an empty `mdat`, enough for MIME sniffing. */
const FAKE_MP4 = Buffer.concat([
  Buffer.from([0, 0, 0, 0x18]),
  Buffer.from('ftypisom', 'latin1'),
  Buffer.from([0, 0, 2, 0]),
  Buffer.from('isomiso2', 'latin1'),
  Buffer.from([0, 0, 0, 0x10]),
  Buffer.from('free', 'latin1'),
  Buffer.from('nano-banana!', 'latin1'),
  Buffer.from([0, 0, 0, 0x08]),
  Buffer.from('mdat', 'latin1'),
])

interface Operation {
  name: string
  pollsLeft: number
  outcome: 'ok' | 'rai' | 'error'
  fileId: string
}

type Json = Record<string, unknown>

/** Google's error envelope. */
function googleError(code: number, status: string, message: string, details?: unknown[]): FakeResponse {
  return { status: code, json: { error: { code, message, status, ...(details ? { details } : {}) } } }
}

const invalid = (message: string) => googleError(400, 'INVALID_ARGUMENT', message)

/** snake_case keys → camelCase, recursively (the API accepts both spellings). */
function camelize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelize)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value as Json).map(([key, inner]) => [
      key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()),
      camelize(inner),
    ]),
  )
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function unknownKey(value: Json, known: ReadonlySet<string>, where: string): FakeResponse | undefined {
  const unknown = Object.keys(value).find((key) => !known.has(key))
  return unknown === undefined
    ? undefined
    : invalid(`Invalid JSON payload received. Unknown name "${unknown}" at '${where}': Cannot find field.`)
}

/** The error a magic token asks for, shared by both APIs. */
function tokenError(text: string): FakeResponse | undefined {
  if (text.includes('[rate-limited]')) {
    return googleError(
      429,
      'RESOURCE_EXHAUSTED',
      'You exceeded your current quota, please check your plan and billing details. Please retry in 1.5s.',
      [
        {
          '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
          violations: [
            {
              quotaMetric: 'generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count',
              quotaId: 'GenerateContentPaidTierInputTokensPerModelPerMinute',
            },
          ],
        },
        {
          '@type': 'type.googleapis.com/google.rpc.Help',
          links: [
            {
              description: 'Learn more about Gemini API quotas',
              url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
            },
          ],
        },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.5s' },
      ],
    )
  }
  if (text.includes('[daily-quota]')) {
    return googleError(
      429,
      'RESOURCE_EXHAUSTED',
      'You exceeded your current quota, please check your plan and billing details.',
      [
        {
          '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
          violations: [
            {
              quotaMetric: 'generativelanguage.googleapis.com/generate_requests_per_model_per_day',
              quotaId: 'GenerateRequestsPerDayPerProjectPerModel',
            },
          ],
        },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '43200s' },
      ],
    )
  }
  if (text.includes('[invalid]')) return invalid('Request contains an invalid argument.')
  if (text.includes('[denied]')) {
    return googleError(403, 'PERMISSION_DENIED', 'The caller does not have permission')
  }
  if (text.includes('[internal]')) {
    return googleError(
      500,
      'INTERNAL',
      'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
    )
  }
  if (text.includes('[unavailable]')) {
    return googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.')
  }
  return undefined
}

/**
 * Starts the Gemini API fake on 127.0.0.1 (plus a second "storage" origin for downloads).
 * @example
 * const fake = await startGoogleFake({ pendingPolls: 1 })
 * const google = createGoogleProvider({ apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 5 })
 * // ... await fake.close()
 */
export async function startGoogleFake(options: GoogleFakeOptions = {}): Promise<GoogleFake> {
  const apiKey = options.apiKey ?? GOOGLE_FAKE_API_KEY
  const operations = new Map<string, Operation>()
  const files = new Map<string, { expired: boolean }>()
  let sequence = 0
  // The knobs live on the returned object (tests change them between cases); handlers run only after it exists.
  let self: GoogleFake | undefined
  const knobs = () => self as GoogleFake

  const storage = await startFakeServer(function handleStorageRequest(request) {
    // A storage host must never see the API key: answer loudly if it does.
    if (request.headers['x-goog-api-key'] !== undefined || request.url.searchParams.has('key')) {
      return {
        status: 400,
        body: 'credentials sent to the storage host',
        headers: { 'content-type': 'text/plain' },
      }
    }
    const match = /^\/download\/([A-Za-z0-9_-]+)\.mp4$/.exec(request.path)
    const file = match?.[1] ? files.get(match[1]) : undefined
    if (!file || file.expired)
      return { status: 404, body: 'Not Found', headers: { 'content-type': 'text/plain' } }
    return { status: 200, body: FAKE_MP4, headers: { 'content-type': 'video/mp4' } }
  })

  function authError(request: RecordedRequest): FakeResponse | undefined {
    const key = request.headers['x-goog-api-key'] ?? request.url.searchParams.get('key') ?? undefined
    if (key === undefined || key === '') {
      return googleError(
        403,
        'PERMISSION_DENIED',
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      )
    }
    if (key !== apiKey) {
      return googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
      ])
    }
    return undefined
  }

  function signature(responseId: string, index: number): string {
    return Buffer.from(`fake-sig:${responseId}:${index}`).toString('base64')
  }
  const isOurSignature = (value: unknown) =>
    typeof value === 'string' && Buffer.from(value, 'base64').toString('utf8').startsWith('fake-sig:')

  async function generateContent(model: string, raw: unknown, fake: FakeServer): Promise<FakeResponse> {
    const spec = IMAGE_MODELS[model]
    if (!spec) {
      return googleError(
        404,
        'NOT_FOUND',
        `models/${model} is not found for API version v1beta, or is not supported for generateContent.`,
      )
    }
    if (!isObject(raw)) return invalid('Invalid JSON payload received.')
    const body = camelize(raw) as Json
    const unknown = unknownKey(body, KNOWN_REQUEST_KEYS, '')
    if (unknown) return unknown
    const contents = body.contents
    if (!Array.isArray(contents) || contents.length === 0)
      return invalid('* GenerateContentRequest.contents: contents is not specified')

    let lastUserText = ''
    let lastUserImages = 0
    for (const [contentIndex, content] of contents.entries()) {
      if (!isObject(content) || !Array.isArray(content.parts) || content.parts.length === 0) {
        return invalid(
          `* GenerateContentRequest.contents[${contentIndex}].parts: contents.parts must not be empty.`,
        )
      }
      const role = content.role ?? 'user'
      if (role !== 'user' && role !== 'model') {
        return invalid(`Please use a valid role: user, model.`)
      }
      const texts: string[] = []
      let images = 0
      for (const [partIndex, part] of content.parts.entries()) {
        if (!isObject(part)) return invalid(`contents[${contentIndex}].parts[${partIndex}] must be an object`)
        if (part.inlineData !== undefined) {
          const inline = part.inlineData
          if (!isObject(inline) || typeof inline.data !== 'string' || typeof inline.mimeType !== 'string') {
            return invalid(
              `* GenerateContentRequest.contents[${contentIndex}].parts[${partIndex}].inline_data: mime_type and data are required`,
            )
          }
          if (inline.data.startsWith('data:') || !BASE64.test(inline.data)) {
            return invalid(
              `Invalid value at 'contents[${contentIndex}].parts[${partIndex}].inline_data.data' (TYPE_BYTES), Base64 decoding failed for "${inline.data.slice(0, 24)}"`,
            )
          }
          if (!INPUT_IMAGE_TYPES.has(inline.mimeType)) {
            return invalid(`Unsupported MIME type: ${inline.mimeType}`)
          }
          images++
          if (role === 'model' && spec.enforcesSignatures && !isOurSignature(part.thoughtSignature)) {
            return invalid(
              `Image part is missing a thought_signature in content position ${contentIndex + 1}, part position ${partIndex + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
            )
          }
        } else if (typeof part.text === 'string') {
          texts.push(part.text)
        } else {
          return invalid(`contents[${contentIndex}].parts[${partIndex}]: a part needs text or inline_data`)
        }
      }
      if (role === 'user') {
        lastUserText = texts.join(' ')
        lastUserImages = images
      }
    }
    if (lastUserImages > spec.maxImages) {
      return invalid(`Too many input images: ${lastUserImages} (at most ${spec.maxImages} for ${model}).`)
    }

    const generation = body.generationConfig ?? {}
    if (!isObject(generation)) return invalid("Invalid value at 'generation_config'")
    const unknownGeneration = unknownKey(generation, KNOWN_GENERATION_KEYS, 'generation_config')
    if (unknownGeneration) return unknownGeneration
    const modalities = generation.responseModalities ?? ['TEXT', 'IMAGE']
    if (
      !Array.isArray(modalities) ||
      modalities.some((modality) => modality !== 'TEXT' && modality !== 'IMAGE')
    ) {
      return invalid("Invalid value at 'generation_config.response_modalities'")
    }
    if (generation.seed !== undefined && !Number.isInteger(generation.seed)) {
      return invalid(
        `Invalid value at 'generation_config.seed' (TYPE_INT32), ${JSON.stringify(generation.seed)}`,
      )
    }
    if (typeof generation.candidateCount === 'number' && generation.candidateCount > 1) {
      return invalid('Multiple candidates is not enabled for this model.')
    }
    const imageConfig = generation.imageConfig ?? {}
    if (!isObject(imageConfig)) return invalid("Invalid value at 'generation_config.image_config'")
    const unknownImage = unknownKey(imageConfig, KNOWN_IMAGE_CONFIG_KEYS, 'generation_config.image_config')
    if (unknownImage) return unknownImage
    const aspectRatio = imageConfig.aspectRatio ?? '1:1'
    if (typeof aspectRatio !== 'string' || ![...BASE_RATIOS, ...spec.extraRatios].includes(aspectRatio)) {
      return invalid(`Unsupported aspect ratio: ${String(aspectRatio)}`)
    }
    const imageSize = imageConfig.imageSize
    if (
      imageSize !== undefined &&
      (spec.fixed || typeof imageSize !== 'string' || !spec.sizes.includes(imageSize))
    ) {
      return invalid(
        spec.fixed
          ? `image_size is not supported for ${model}.`
          : `Invalid image_size: ${JSON.stringify(imageSize)}. Supported values are ${spec.sizes.map((size) => `"${size}"`).join(', ')}.`,
      )
    }
    const tools = body.tools ?? []
    if (!Array.isArray(tools)) return invalid("Invalid value at 'tools'")
    const search = tools.some((tool) => isObject(tool) && tool.googleSearch !== undefined)
    if (search && !spec.search) return invalid(`Search as tool is not enabled for ${model}.`)

    const failure = tokenError(lastUserText)
    if (failure) return failure

    sequence++
    const responseId = `fake-response-${sequence}`
    const usage = (candidates: number, thoughts: number) => ({
      promptTokenCount: Math.ceil(lastUserText.length / 4) + 258 * lastUserImages,
      candidatesTokenCount: candidates,
      totalTokenCount: Math.ceil(lastUserText.length / 4) + 258 * lastUserImages + candidates + thoughts,
      thoughtsTokenCount: thoughts,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: Math.ceil(lastUserText.length / 4) }],
      candidatesTokensDetails: [{ modality: candidates > 100 ? 'IMAGE' : 'TEXT', tokenCount: candidates }],
    })
    const envelope = { modelVersion: model, responseId }

    if (lastUserText.includes('[blocked]')) {
      return {
        json: {
          promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
          usageMetadata: usage(0, 0),
          ...envelope,
        },
      }
    }
    if (lastUserText.includes('[image-safety]')) {
      return {
        json: {
          candidates: [
            {
              finishReason: 'IMAGE_SAFETY',
              finishMessage:
                "Unable to show the generated image. The image was filtered out because it violated Google's Generative AI Prohibited Use policy.",
              index: 0,
            },
          ],
          usageMetadata: usage(0, 120),
          ...envelope,
        },
      }
    }
    if (lastUserText.includes('[malformed]')) return { json: { candidates: 'not a list', ...envelope } }

    const wantsImage = modalities.includes('IMAGE') && !lastUserText.includes('[no-image]')
    const size = imageSizeFor(spec, typeof imageSize === 'string' ? imageSize : '1K', aspectRatio)
    const format = lastUserText.includes('[jpeg]') ? 'jpeg' : 'png'
    const thinking = spec.thinks && knobs().thoughts && !lastUserText.includes('[no-thoughts]')

    const parts: Json[] = []
    if (thinking) {
      parts.push({ text: '**Composing the scene**\nPlanning layout, light and palette.', thought: true })
      const draft = await tinyImage({ width: 64, height: 64, color: '#808080' })
      parts.push({ inlineData: { mimeType: 'image/png', data: draft.toString('base64') }, thought: true })
    }
    const signed = spec.thinks
    const text = wantsImage
      ? 'Here is your image.'
      : "I can't make that image, but I can describe it instead."
    parts.push({ text, ...(signed ? { thoughtSignature: signature(responseId, parts.length) } : {}) })
    if (wantsImage) {
      const final = await tinyImage({ ...size, format, color: '#3a7bd5' })
      parts.push({
        inlineData: { mimeType: `image/${format}`, data: final.toString('base64') },
        ...(signed ? { thoughtSignature: signature(responseId, parts.length) } : {}),
      })
    }
    const imageTokens = wantsImage
      ? spec.fixed
        ? 1290
        : (OUTPUT_TOKENS[typeof imageSize === 'string' ? imageSize : '1K'] ?? 1120)
      : 12
    const digest = createHash('sha256').update(lastUserText).digest('hex').slice(0, 8)
    return {
      json: {
        candidates: [
          {
            content: { role: 'model', parts },
            finishReason: 'STOP',
            index: 0,
            ...(search
              ? {
                  groundingMetadata: {
                    webSearchQueries: [lastUserText.slice(0, 80)],
                    searchEntryPoint: { renderedContent: '<div class="fake-search-chips">search</div>' },
                    groundingChunks: [
                      {
                        web: { uri: `${fake.url}/grounding-api-redirect/${digest}-1`, title: 'example.com' },
                      },
                      {
                        web: { uri: `${fake.url}/grounding-api-redirect/${digest}-2`, title: 'example.org' },
                      },
                    ],
                    groundingSupports: [
                      {
                        segment: { startIndex: 0, endIndex: text.length, text },
                        groundingChunkIndices: [0, 1],
                      },
                    ],
                  },
                }
              : {}),
          },
        ],
        usageMetadata: usage(imageTokens, thinking ? 240 : 0),
        ...envelope,
      },
    }
  }

  function predictLongRunning(model: string, raw: unknown): FakeResponse {
    const spec = VIDEO_MODELS[model]
    if (!spec) {
      return googleError(
        404,
        'NOT_FOUND',
        `models/${model} is not found for API version v1beta, or is not supported for predictLongRunning.`,
      )
    }
    if (!isObject(raw)) return invalid('Invalid JSON payload received.')
    const body = camelize(raw) as Json
    const unknown = unknownKey(body, new Set(['instances', 'parameters']), '')
    if (unknown) return unknown
    const instance = Array.isArray(body.instances) ? body.instances[0] : undefined
    if (!isObject(instance) || !Array.isArray(body.instances) || body.instances.length !== 1) {
      return invalid('instances must hold exactly one instance.')
    }
    const prompt = typeof instance.prompt === 'string' ? instance.prompt : ''
    if (prompt === '' && instance.image === undefined) return invalid('A prompt or an image is required.')
    if (instance.image !== undefined) {
      const image = instance.image
      if (
        !isObject(image) ||
        typeof image.bytesBase64Encoded !== 'string' ||
        !BASE64.test(image.bytesBase64Encoded) ||
        typeof image.mimeType !== 'string' ||
        !INPUT_IMAGE_TYPES.has(image.mimeType)
      ) {
        return invalid(
          'instances[0].image needs bytesBase64Encoded (base64, no data: prefix) and an image mimeType.',
        )
      }
    }
    const parameters = body.parameters ?? {}
    if (!isObject(parameters)) return invalid("Invalid value at 'parameters'")
    const unknownParameter = unknownKey(parameters, KNOWN_VIDEO_PARAMETER_KEYS, 'parameters')
    if (unknownParameter) return unknownParameter
    const aspectRatio = parameters.aspectRatio ?? '16:9'
    if (aspectRatio !== '16:9' && aspectRatio !== '9:16') {
      return invalid(`Aspect ratio ${String(aspectRatio)} is not supported. Supported values: 16:9, 9:16.`)
    }
    const resolution = parameters.resolution ?? '720p'
    if (typeof resolution !== 'string' || !spec.resolutions.includes(resolution)) {
      return invalid(`Resolution ${String(resolution)} is not supported for ${model}.`)
    }
    // Durations are numbers from the SDK, quoted strings in the docs: both are accepted.
    const duration = Number(parameters.durationSeconds ?? Math.max(...spec.durations))
    if (!spec.durations.includes(duration)) {
      return invalid(`durationSeconds must be one of ${spec.durations.join(', ')} for ${model}.`)
    }
    if (resolution !== '720p' && spec.fullHdDuration !== undefined && duration !== spec.fullHdDuration) {
      return invalid(`${resolution} requires durationSeconds ${spec.fullHdDuration}.`)
    }
    const failure = tokenError(prompt)
    if (failure) return failure

    sequence++
    const id = `fakeop${sequence.toString(36)}${createHash('sha256').update(prompt).digest('hex').slice(0, 6)}`
    const fileId = `fakefile${sequence.toString(36)}`
    const slow = /\[slow:(\d+)\]/.exec(prompt)
    const operation: Operation = {
      name: `models/${model}/operations/${id}`,
      pollsLeft: slow?.[1] ? Number(slow[1]) : knobs().pendingPolls,
      outcome: prompt.includes('[rai]') ? 'rai' : prompt.includes('[op-error]') ? 'error' : 'ok',
      fileId,
    }
    operations.set(operation.name, operation)
    files.set(fileId, { expired: prompt.includes('[expired]') })
    return { json: { name: operation.name } }
  }

  function getOperation(name: string, fake: FakeServer): FakeResponse {
    const operation = operations.get(name)
    if (!operation) return googleError(404, 'NOT_FOUND', `Operation ${name} not found.`)
    if (operation.pollsLeft > 0) {
      operation.pollsLeft--
      // proto3 leaves `done: false` out.
      return { json: { name: operation.name } }
    }
    if (operation.outcome === 'error') {
      return {
        json: {
          name: operation.name,
          done: true,
          error: { code: 13, message: 'Video generation failed due to an internal error. Please try again.' },
        },
      }
    }
    const responseType = 'type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse'
    if (operation.outcome === 'rai') {
      return {
        json: {
          name: operation.name,
          done: true,
          response: {
            '@type': responseType,
            generateVideoResponse: {
              raiMediaFilteredCount: 1,
              raiMediaFilteredReasons: [
                "We encountered an issue with the audio for your prompt. You weren't charged for this attempt.",
              ],
            },
          },
        },
      }
    }
    return {
      json: {
        name: operation.name,
        done: true,
        response: {
          '@type': responseType,
          generateVideoResponse: {
            generatedSamples: [
              { video: { uri: `${fake.url}/v1beta/files/${operation.fileId}:download?alt=media` } },
            ],
          },
        },
      },
    }
  }

  function downloadFile(fileId: string, request: RecordedRequest): FakeResponse {
    if (request.url.searchParams.get('alt') !== 'media') return invalid('Download requires alt=media.')
    const file = files.get(fileId)
    if (!file || file.expired) return googleError(404, 'NOT_FOUND', `File ${fileId} not found.`)
    if (knobs().redirectDownloads) {
      return {
        status: 302,
        headers: { location: `${storage.url}/download/${fileId}.mp4?sig=fake-signature` },
      }
    }
    return { status: 200, body: FAKE_MP4, headers: { 'content-type': 'video/mp4' } }
  }

  const server = await startFakeServer(async function handleGoogleRequest(request, fake) {
    const { method, path } = request
    if (path.startsWith('/grounding-api-redirect/')) {
      return { status: 200, body: '<html>grounding source</html>', headers: { 'content-type': 'text/html' } }
    }
    if (!path.startsWith('/v1beta/')) return googleError(404, 'NOT_FOUND', `Path ${path} not found.`)
    const denied = authError(request)
    if (denied) return denied

    const generate = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(path)
    if (generate?.[1] && method === 'POST')
      return generateContent(decodeURIComponent(generate[1]), request.body, fake)
    const predict = /^\/v1beta\/models\/([^/:]+):predictLongRunning$/.exec(path)
    if (predict?.[1] && method === 'POST')
      return predictLongRunning(decodeURIComponent(predict[1]), request.body)
    const operation = /^\/v1beta\/(models\/[^/:]+\/operations\/[^/:]+)$/.exec(path)
    if (operation?.[1] && method === 'GET') return getOperation(operation[1], fake)
    const download = /^\/v1beta\/files\/([^/:]+):download$/.exec(path)
    if (download?.[1] && method === 'GET') return downloadFile(download[1], request)
    return googleError(404, 'NOT_FOUND', `Method ${method} ${path} not found.`)
  })

  self = {
    url: server.url,
    requests: server.requests,
    inject: server.inject,
    setRandomFaults: server.setRandomFaults,
    apiKey,
    storage,
    pendingPolls: options.pendingPolls ?? 2,
    thoughts: options.thoughts ?? true,
    redirectDownloads: options.redirectDownloads ?? true,
    reset() {
      server.reset()
      storage.reset()
    },
    async close() {
      await Promise.all([server.close(), storage.close()])
    },
  }
  return self
}

/** The real pixel size Gemini makes for (imageSize, aspectRatio) (providers.md §1.2). */
function imageSizeFor(spec: ImageModelSpec, imageSize: string, aspectRatio: string): PixelSize {
  if (spec.fixed)
    return GEMINI_25_FLASH_PIXEL_SIZES[aspectRatio as AspectRatio] ?? { width: 1024, height: 1024 }
  const table =
    imageSize === '512'
      ? THREE_ONE_512
      : (PIXEL_SIZES[imageSize as '1K' | '2K' | '4K'] as Record<string, PixelSize>)
  const known = table?.[aspectRatio]
  if (known) return known
  // 3.1 Flash's extra ratios (1:4, 4:1, 1:8, 8:1): about the same area, multiples of 16.
  const [w = 1, h = 1] = aspectRatio.split(':').map(Number)
  const side = SIDE_BY_SIZE[imageSize] ?? 1024
  const width = Math.round((side * Math.sqrt(w / h)) / 16) * 16
  const height = Math.round((side * Math.sqrt(h / w)) / 16) * 16
  return { width, height }
}
