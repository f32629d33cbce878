/**
 * @module The provider specification (v1): what every image/video adapter implements and what the
 * router depends on. The router never imports an adapter, only these types.
 */

export const RESOLUTIONS = ['1K', '2K', '4K'] as const
export type Resolution = (typeof RESOLUTIONS)[number]

export const ASPECT_RATIOS = [
  '1:1',
  '16:9',
  '9:16',
  '4:3',
  '3:4',
  '3:2',
  '2:3',
  '4:5',
  '5:4',
  '21:9',
] as const
export type AspectRatio = (typeof ASPECT_RATIOS)[number]

export const OUTPUT_FORMATS = ['png', 'jpeg', 'webp'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

export const PROVIDER_NAMES = [
  'google',
  'openai',
  'openrouter',
  'flux',
  'runway',
  'kling',
  'replicate',
  'local',
] as const
export type ProviderName = (typeof PROVIDER_NAMES)[number]

export const STRATEGIES = ['priority', 'cost', 'quality', 'speed', 'round_robin'] as const
export type Strategy = (typeof STRATEGIES)[number]

export const ERROR_CLASSES = [
  'rate_limited',
  'quota_exhausted',
  'content_policy',
  'invalid_request',
  'auth',
  'transient',
  'timeout',
  'task_failed',
] as const
export type ErrorClass = (typeof ERROR_CLASSES)[number]

/** A reference image, already resolved to bytes by the caller (the API layer fetches URLs and ids). */
export interface ReferenceImage {
  data: Uint8Array
  mimeType: string
}

/**
 * One earlier turn of a multi-turn conversation. A model turn is sent back as the provider made it:
 * its images and the opaque `providerMetadata` it returned (e.g. Gemini thought signatures).
 */
export interface ConversationTurn {
  role: 'user' | 'model'
  text?: string
  images: ReferenceImage[]
  /** Opaque, provider-specific; only the provider that wrote it reads it. */
  providerMetadata?: Record<string, unknown>
}

/** What the caller asks of an image provider. */
export interface ImageGenerationRequest {
  prompt: string
  negativePrompt?: string
  resolution: Resolution
  aspectRatio: AspectRatio
  /** Number of images, 1..4. */
  count: number
  seed?: number
  outputFormat: OutputFormat
  referenceImages: ReferenceImage[]
  /** Ground the generation in web search results (only providers with `searchGrounding`). */
  searchGrounding: boolean
  /** Earlier turns, oldest first, for multi-turn editing (only providers with `multiTurn`). */
  history?: ConversationTurn[]
}

/** What a request needs from a provider; the router filters candidates by it. */
export interface RequiredCapabilities {
  kind: 'image' | 'video'
  resolution: Resolution
  aspectRatio: AspectRatio
  referenceImages: number
  searchGrounding: boolean
  multiTurn: boolean
}

/** What a provider (or one of its models) can do. */
export interface ProviderCapabilities {
  kinds: ReadonlyArray<'image' | 'video'>
  maxResolution: Resolution
  aspectRatios: readonly AspectRatio[]
  maxReferenceImages: number
  searchGrounding: boolean
  multiTurn: boolean
  maxImagesPerCall: number
}

/** Defaults for a config table that operators may override; never constants in routing logic. */
export interface ProviderPricing {
  /** USD per image at each resolution. */
  perImageUsd: Record<Resolution, number>
  /** Extra USD per image when search grounding is on. */
  searchGroundingPerImageUsd?: number
}

export const VIDEO_ASPECT_RATIOS = ['16:9', '9:16', '1:1'] as const
export type VideoAspectRatio = (typeof VIDEO_ASPECT_RATIOS)[number]
export const VIDEO_RESOLUTIONS = ['720p', '1080p'] as const
export type VideoResolution = (typeof VIDEO_RESOLUTIONS)[number]

export interface VideoCapabilities {
  /** Clip lengths the model can make, in seconds. */
  durations: readonly number[]
  aspectRatios: readonly VideoAspectRatio[]
  resolutions: readonly VideoResolution[]
  textToVideo: boolean
  imageToVideo: boolean
}

export interface VideoPricing {
  perSecondUsd: Record<VideoResolution, number>
}

export interface ProviderProfile {
  /** 0..1, higher is better; used by the quality strategy. */
  qualityScore: number
  /** Declared typical latency, used as the speed strategy's prior. */
  typicalLatencyMs: number
}

/** An option the provider could not honour: reported, never silently dropped. */
export interface ProviderWarning {
  type: 'unsupported' | 'adjusted'
  feature: string
  details?: string
}

export interface GeneratedImage {
  data: Uint8Array
  mimeType: string
  width: number
  height: number
}

/** What a search-grounded generation looked up. */
export interface Grounding {
  queries: string[]
  sources: { title: string; url: string }[]
}

export interface ImageGenerationResult {
  images: GeneratedImage[]
  text?: string
  model: string
  costUsd: number
  warnings: ProviderWarning[]
  /** Present when the request asked for search grounding. */
  grounding?: Grounding
  /** To store with the turn and hand back in `history` (e.g. thought signatures). */
  providerMetadata?: Record<string, unknown>
}

export interface GenerateOptions {
  signal?: AbortSignal
}

/** An image provider adapter (spec v1). */
export interface ImageProvider {
  readonly specificationVersion: 'v1'
  readonly name: ProviderName
  readonly defaultModel: string
  readonly capabilities: ProviderCapabilities
  readonly pricing: ProviderPricing
  readonly profile: ProviderProfile
  generateImage(request: ImageGenerationRequest, options?: GenerateOptions): Promise<ImageGenerationResult>
}

const RETRYABLE_CLASSES: ReadonlySet<ErrorClass> = new Set(['rate_limited', 'transient', 'timeout'])

export interface ProviderErrorOptions {
  provider: ProviderName
  errorClass: ErrorClass
  message: string
  status?: number
  /** Defaults to true for rate_limited, transient and timeout. */
  retryable?: boolean
  /** From Retry-After (or a provider's own hint), when the provider sent one. */
  retryAfterMs?: number
  body?: unknown
  cause?: unknown
}

const PROVIDER_ERROR_MARKER = Symbol.for('nbl.providers.ProviderError')

/** The one error type every adapter throws for a provider failure. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError'
  readonly [PROVIDER_ERROR_MARKER] = true
  readonly provider: ProviderName
  readonly errorClass: ErrorClass
  readonly status: number | undefined
  readonly retryable: boolean
  readonly retryAfterMs: number | undefined
  readonly body: unknown

  constructor(options: ProviderErrorOptions) {
    super(options.message, { cause: options.cause })
    this.provider = options.provider
    this.errorClass = options.errorClass
    this.status = options.status
    this.retryable = options.retryable ?? RETRYABLE_CLASSES.has(options.errorClass)
    this.retryAfterMs = options.retryAfterMs
    this.body = options.body
  }

  /** Works across duplicate copies of this package (a marker symbol, not `instanceof`). */
  static isInstance(error: unknown): error is ProviderError {
    return typeof error === 'object' && error !== null && PROVIDER_ERROR_MARKER in error
  }
}

/** What the caller asks of a video provider. */
export interface VideoGenerationRequest {
  prompt: string
  durationSec: number
  aspectRatio: VideoAspectRatio
  resolution: VideoResolution
  /** First frame, for image-to-video. */
  image?: ReferenceImage
  seed?: number
}

/** A submitted video task; `taskId` is persisted so polling resumes after a restart. */
export interface VideoTask {
  taskId: string
  model: string
  warnings: ProviderWarning[]
}

export type VideoTaskStatus =
  | { status: 'pending' | 'running'; progress?: number }
  | {
      status: 'succeeded'
      /** Where the finished clip is; pass it to `downloadVideo`. */
      output: { url: string } | { data: Uint8Array; mimeType: string }
      durationSec: number
      costUsd: number
    }
  | { status: 'failed'; error: ProviderError }

export interface DownloadedVideo {
  data: Uint8Array
  mimeType: string
}

/** A clip as it arrives, for storing without holding it whole. */
export interface OpenedVideo {
  body: ReadableStream<Uint8Array>
  mimeType: string
}

/** A video provider adapter (spec v1): submit, poll (by task id, resumable), cancel, download. */
export interface VideoProvider {
  readonly specificationVersion: 'v1'
  readonly name: ProviderName
  readonly defaultModel: string
  readonly capabilities: VideoCapabilities
  readonly pricing: VideoPricing
  readonly profile: ProviderProfile
  /** Suggested wait between polls for this provider (providers.md "polling cadence"). */
  readonly pollIntervalMs: number
  /**
   * False when tasks live only in this process (the offline provider): after a restart a task id
   * is unknown and the caller resubmits. Defaults to true (the provider keeps tasks).
   */
  readonly durableTasks?: boolean
  startVideo(request: VideoGenerationRequest, options?: GenerateOptions): Promise<VideoTask>
  getVideoTask(taskId: string, options?: GenerateOptions): Promise<VideoTaskStatus>
  cancelVideoTask?(taskId: string, options?: GenerateOptions): Promise<void>
  /** Fetches the clip; credentials go only to the provider's own origin. */
  downloadVideo(
    output: Extract<VideoTaskStatus, { status: 'succeeded' }>['output'],
    options?: GenerateOptions,
  ): Promise<DownloadedVideo>
  /**
   * Opens a clip the provider serves at a URL as a stream (credentials as for `downloadVideo`), so a
   * large clip goes to storage as it arrives. Adapters whose clips come inline leave it out.
   */
  openVideo?(output: { url: string }, options?: GenerateOptions): Promise<OpenedVideo>
}

/** One provider call made while serving a request. */
export interface Attempt {
  provider: ProviderName
  model: string
  outcome: 'succeeded' | 'failed' | 'skipped'
  errorClass?: ErrorClass
  message?: string
  latencyMs: number
}
