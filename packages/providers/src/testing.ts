/**
 * @module Test doubles for code that uses providers (the router, the API layer): a scripted fake provider.
 */
import sharp from 'sharp'
import { pixelSize } from './sizes.js'
import {
  ASPECT_RATIOS,
  type GeneratedImage,
  type GenerateOptions,
  type ImageGenerationRequest,
  type ImageGenerationResult,
  type ImageProvider,
  type OutputFormat,
  type ProviderCapabilities,
  ProviderError,
  type ProviderName,
  type ProviderPricing,
  type ProviderProfile,
  VIDEO_ASPECT_RATIOS,
  VIDEO_RESOLUTIONS,
  type VideoCapabilities,
  type VideoGenerationRequest,
  type VideoProvider,
  type VideoTaskStatus,
} from './types.js'

/** One scripted call: succeed, or throw this error (a ProviderError, or anything else to simulate a bug). */
export type ScriptedOutcome = 'ok' | ProviderError | Error

export interface ScriptedProviderOptions extends Partial<ProviderCapabilities> {
  name: ProviderName
  /** Consumed one per call; when they run out, the last repeats. Defaults to `['ok']`. */
  outcomes?: readonly ScriptedOutcome[]
  /** Defaults to `<name>-scripted`. */
  model?: string
  /** Defaults to 0.01 USD per image at every resolution. */
  pricing?: ProviderPricing
  /** Defaults to `{ qualityScore: 0.5, typicalLatencyMs: 10 }`. */
  profile?: ProviderProfile
  /** Simulated latency before each outcome, in ms (abortable). Defaults to 0. */
  delayMs?: number
}

export interface ScriptedProvider extends ImageProvider {
  /** Every request received, in order (including the failed ones). */
  readonly calls: ImageGenerationRequest[]
}

const MIME_TYPES: Record<OutputFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' }

/**
 * A fake provider that plays a script of outcomes. Successful calls return real, solid-colour images of the
 * requested pixel size and format; capabilities default to "everything" and can be overridden.
 * @example
 * const flaky = createScriptedProvider({
 *   name: 'google',
 *   outcomes: [new ProviderError({ provider: 'google', errorClass: 'rate_limited', message: '429' }), 'ok'],
 *   maxResolution: '2K',
 * })
 */
export function createScriptedProvider(options: ScriptedProviderOptions): ScriptedProvider {
  const { name, outcomes = ['ok'], model = `${name}-scripted`, delayMs = 0 } = options
  const capabilities: ProviderCapabilities = {
    kinds: options.kinds ?? ['image'],
    maxResolution: options.maxResolution ?? '4K',
    aspectRatios: options.aspectRatios ?? ASPECT_RATIOS,
    maxReferenceImages: options.maxReferenceImages ?? 4,
    searchGrounding: options.searchGrounding ?? true,
    multiTurn: options.multiTurn ?? true,
    maxImagesPerCall: options.maxImagesPerCall ?? 4,
  }
  const pricing = options.pricing ?? { perImageUsd: { '1K': 0.01, '2K': 0.01, '4K': 0.01 } }
  const calls: ImageGenerationRequest[] = []

  return {
    specificationVersion: 'v1',
    name,
    defaultModel: model,
    capabilities,
    pricing,
    profile: options.profile ?? { qualityScore: 0.5, typicalLatencyMs: 10 },
    calls,
    async generateImage(request: ImageGenerationRequest, generateOptions: GenerateOptions = {}) {
      const outcome = outcomes[Math.min(calls.length, outcomes.length - 1)] ?? 'ok'
      calls.push(request)
      await delay(delayMs, name, generateOptions.signal)
      if (outcome !== 'ok') throw outcome
      const images = await Promise.all(Array.from({ length: request.count }, () => solidImage(request)))
      const result: ImageGenerationResult = {
        images,
        model,
        costUsd: pricing.perImageUsd[request.resolution] * request.count,
        warnings: [],
      }
      return result
    },
  }
}

// Every call with the same size and format returns the same bytes, so they are encoded once per process.
const solidImages = new Map<string, Promise<GeneratedImage>>()

async function solidImage(request: ImageGenerationRequest): Promise<GeneratedImage> {
  const key = `${request.resolution}|${request.aspectRatio}|${request.outputFormat}`
  let encoded = solidImages.get(key)
  if (encoded === undefined) {
    encoded = encodeSolidImage(request)
    solidImages.set(key, encoded)
    encoded.catch(() => solidImages.delete(key))
  }
  const image = await encoded
  // A copy, so a caller that mutates its bytes cannot corrupt later calls.
  return { ...image, data: image.data.slice() }
}

async function encodeSolidImage(request: ImageGenerationRequest): Promise<GeneratedImage> {
  const { width, height } = pixelSize(request.resolution, request.aspectRatio)
  const base = sharp({ create: { width, height, channels: 3, background: { r: 120, g: 140, b: 160 } } })
  const encoded =
    request.outputFormat === 'jpeg'
      ? base.jpeg()
      : request.outputFormat === 'webp'
        ? base.webp({ effort: 0 })
        : base.png({ compressionLevel: 9, adaptiveFiltering: false })
  const { data, info } = await encoded.toBuffer({ resolveWithObject: true })
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    mimeType: MIME_TYPES[request.outputFormat],
    width: info.width,
    height: info.height,
  }
}

function delay(ms: number, provider: ProviderName, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () =>
      new ProviderError({
        provider,
        errorClass: 'timeout',
        message: 'the request was aborted',
        cause: signal?.reason,
      })
    if (signal?.aborted === true) return reject(aborted())
    if (ms <= 0) return resolve()
    const onAbort = () => {
      clearTimeout(timer)
      reject(aborted())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** A complete image request with sensible defaults, for tests. */
export function imageRequest(overrides: Partial<ImageGenerationRequest> = {}): ImageGenerationRequest {
  return {
    prompt: 'a watercolor fox reading a map',
    resolution: '1K',
    aspectRatio: '1:1',
    count: 1,
    outputFormat: 'png',
    referenceImages: [],
    searchGrounding: false,
    ...overrides,
  }
}

export interface ScriptedVideoProviderOptions extends Partial<VideoCapabilities> {
  name: ProviderName
  /** Outcomes of `startVideo`, consumed one per call; the last repeats. */
  submitOutcomes?: readonly ScriptedOutcome[]
  /** How many `getVideoTask` polls answer `running` before the task ends. Defaults to 1. */
  runningPolls?: number
  /** How the task ends: succeed, or fail with this error. */
  result?: 'ok' | ProviderError
  model?: string
  profile?: ProviderProfile
  perSecondUsd?: number
}

export interface ScriptedVideoProvider extends VideoProvider {
  readonly submitted: VideoGenerationRequest[]
  readonly cancelled: string[]
}

/** A fake video provider: scripted submissions, N running polls, then a tiny clip or a failure. */
export function createScriptedVideoProvider(options: ScriptedVideoProviderOptions): ScriptedVideoProvider {
  const { name, submitOutcomes = ['ok'], runningPolls = 1, model = `${name}-video-scripted` } = options
  const submitted: VideoGenerationRequest[] = []
  const cancelled: string[] = []
  const polls = new Map<string, number>()
  const perSecondUsd = options.perSecondUsd ?? 0.05
  return {
    specificationVersion: 'v1',
    name,
    defaultModel: model,
    capabilities: {
      durations: options.durations ?? [5, 10],
      aspectRatios: options.aspectRatios ?? VIDEO_ASPECT_RATIOS,
      resolutions: options.resolutions ?? VIDEO_RESOLUTIONS,
      textToVideo: options.textToVideo ?? true,
      imageToVideo: options.imageToVideo ?? true,
    },
    pricing: { perSecondUsd: { '720p': perSecondUsd, '1080p': perSecondUsd } },
    profile: options.profile ?? { qualityScore: 0.5, typicalLatencyMs: 10 },
    pollIntervalMs: 1,
    submitted,
    cancelled,
    async startVideo(request) {
      const outcome = submitOutcomes[Math.min(submitted.length, submitOutcomes.length - 1)] ?? 'ok'
      submitted.push(request)
      if (outcome !== 'ok') throw outcome
      const taskId = `${name}-task-${submitted.length}`
      polls.set(taskId, 0)
      return { taskId, model, warnings: [] }
    },
    async getVideoTask(taskId): Promise<VideoTaskStatus> {
      const seen = polls.get(taskId)
      if (seen === undefined) {
        return {
          status: 'failed',
          error: new ProviderError({ provider: name, errorClass: 'task_failed', message: 'unknown task' }),
        }
      }
      polls.set(taskId, seen + 1)
      if (seen < runningPolls) return { status: 'running', progress: seen / (runningPolls + 1) }
      if (options.result && options.result !== 'ok') return { status: 'failed', error: options.result }
      const request = submitted[Number(taskId.split('-').pop()) - 1]
      const durationSec = request?.durationSec ?? 5
      return {
        status: 'succeeded',
        output: { data: new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112]), mimeType: 'video/mp4' },
        durationSec,
        costUsd: perSecondUsd * durationSec,
      }
    },
    async cancelVideoTask(taskId) {
      cancelled.push(taskId)
      polls.delete(taskId)
    },
    async downloadVideo(output) {
      if ('data' in output) return { data: output.data, mimeType: output.mimeType }
      throw new ProviderError({ provider: name, errorClass: 'task_failed', message: 'no bytes' })
    },
  }
}
