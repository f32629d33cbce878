/**
 * @module The Google video adapter: Veo through a long-running operation (providers.md §1.10).
 * `POST /v1beta/models/{model}:predictLongRunning` → the operation name is the task id; `GET /v1beta/{name}`
 * polls it; the clip's `uri` is downloaded with the key only when it is on the configured origin.
 */

import { pollUntilDone } from '../../http/poll.js'
import {
  providerErrorFromResponse,
  providerErrorFromThrown,
  readBody,
  redact,
} from '../../http/provider-errors.js'
import {
  type DownloadedVideo,
  type GenerateOptions,
  type OpenedVideo,
  ProviderError,
  type ProviderWarning,
  type VideoCapabilities,
  type VideoGenerationRequest,
  type VideoPricing,
  type VideoProvider,
  type VideoResolution,
  type VideoTaskStatus,
} from '../../types.js'
import { fetchFor, withOverrides } from '../adapter-config.js'
import { operationSchema, type PredictLongRunningRequest } from './google-api.js'
import { type GoogleProviderConfig, googleBaseUrl, googleJsonRequest } from './google-config.js'
import { googleErrorFromResponse } from './google-error.js'
import {
  GOOGLE_DEFAULT_VIDEO_MODEL,
  GOOGLE_VIDEO_DEFAULT_RESOLUTION,
  GOOGLE_VIDEO_POLL_INTERVAL_MS,
  googleVideoModel,
} from './google-options.js'

/** A finished task: what `waitForVideo` resolves with. */
export type FinishedVideoTask = Extract<VideoTaskStatus, { status: 'succeeded' | 'failed' }>

/** The Veo adapter, plus a bounded wait for callers that do not poll themselves. */
export interface GoogleVideoProvider extends VideoProvider {
  /**
   * Polls `getVideoTask` every `pollIntervalMs` until the task ends; a `timeout` ProviderError after
   * `config.maxPollWaitMs` (default 10 minutes: Veo takes up to ~6 min at peak).
   */
  waitForVideo(taskId: string, options?: GenerateOptions): Promise<FinishedVideoTask>
}

const DEFAULT_MAX_POLL_WAIT_MS = 10 * 60_000
const MAX_REDIRECTS = 5
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])
/** `models/<model>/operations/<id>`, treated as opaque but kept to safe path characters. */
const OPERATION_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._~-]*(\/[A-Za-z0-9_-][A-Za-z0-9._~-]*)*$/
/** Tasks started by this process, so a poll knows the clip's length and resolution (the operation does not say). */
const REMEMBERED_TASKS_MAX = 1_000

interface StartedTask {
  model: string
  durationSec: number
  resolution: VideoResolution
}

/**
 * Creates the Google Veo provider (default model `veo-3.1-generate-preview`).
 *
 * - Durations are snapped to the model's (Veo 3.1: 4, 6, 8 s; a tie goes up) and 1080p is made 8 s long, as
 *   the API requires, each with an `adjusted` warning; `seed` is not sent (`unsupported` warning: the Gemini
 *   API's Veo seed is unverified and the official SDK refuses it).
 * - The task id is the operation name. Its length and resolution are remembered in memory to price the
 *   clip; after a restart a poll assumes the model's longest duration at 720p.
 * @example
 * const video = createGoogleVideoProvider({ apiKey: process.env.GOOGLE_API_KEY ?? '' })
 * const task = await video.startVideo({ prompt: 'a lighthouse at dusk', durationSec: 8, aspectRatio: '16:9', resolution: '720p' })
 * const done = await video.waitForVideo(task.taskId)
 * if (done.status === 'succeeded') await video.downloadVideo(done.output)
 */
export function createGoogleVideoProvider(config: GoogleProviderConfig): GoogleVideoProvider {
  const model = config.videoModel ?? GOOGLE_DEFAULT_VIDEO_MODEL
  const entry = googleVideoModel(model)
  const capabilities = withOverrides(entry.capabilities, config.overrides?.videoCapabilities)
  const pricing = withOverrides(entry.pricing, config.overrides?.videoPricing)
  const profile = withOverrides(entry.profile, config.overrides?.videoProfile)
  const pollIntervalMs = config.pollIntervalMs ?? GOOGLE_VIDEO_POLL_INTERVAL_MS
  const started = new Map<string, StartedTask>()

  function pricingFor(taskModel: string): VideoPricing {
    return taskModel === model ? pricing : googleVideoModel(taskModel).pricing
  }

  const provider: GoogleVideoProvider = {
    specificationVersion: 'v1',
    name: 'google',
    defaultModel: model,
    capabilities,
    pricing,
    profile,
    pollIntervalMs,

    async startVideo(request, options = {}) {
      const { body, warnings, task } = buildStart(request, model, capabilities)
      const json = await googleJsonRequest(config, {
        method: 'POST',
        path: `models/${encodeURIComponent(model)}:predictLongRunning`,
        body,
        signal: options.signal,
      })
      const name = operationSchema.safeParse(json).data?.name
      if (name === undefined || !OPERATION_NAME.test(name)) {
        throw new ProviderError({
          provider: 'google',
          errorClass: 'task_failed',
          message: 'google: predictLongRunning answered without an operation name',
        })
      }
      started.set(name, task)
      if (started.size > REMEMBERED_TASKS_MAX) started.delete(started.keys().next().value as string)
      return { taskId: name, model, warnings }
    },

    async getVideoTask(taskId, options = {}) {
      if (!OPERATION_NAME.test(taskId)) {
        throw new ProviderError({
          provider: 'google',
          errorClass: 'invalid_request',
          message: 'google: the task id is not a Veo operation name',
        })
      }
      const json = await googleJsonRequest(config, { method: 'GET', path: taskId, signal: options.signal })
      const parsed = operationSchema.safeParse(json)
      if (!parsed.success) {
        throw new ProviderError({
          provider: 'google',
          errorClass: 'transient',
          message: 'google: the operation answer did not have the expected shape',
        })
      }
      const operation = parsed.data
      if (operation.done !== true) return { status: 'running' }
      if (operation.error !== undefined) {
        return failed(
          'task_failed',
          redact(
            `google: the video task failed: ${operation.error.message ?? 'no message'} (code ${operation.error.code ?? 'unknown'})`,
            config.apiKey,
          ),
          operation.error,
        )
      }
      const generated = operation.response?.generateVideoResponse
      const uri = generated?.generatedSamples?.find((sample) => sample.video?.uri)?.video?.uri
      if (uri === undefined) {
        const filtered = generated?.raiMediaFilteredCount ?? 0
        if (filtered > 0) {
          const reasons = (generated?.raiMediaFilteredReasons ?? []).join('; ')
          return failed(
            'content_policy',
            `google: the video was blocked by safety filters${reasons ? `: ${reasons}` : ''}`,
            generated,
          )
        }
        return failed('task_failed', 'google: the task finished with no video in response', generated)
      }
      if (!URL.canParse(uri) || !/^https?:$/.test(new URL(uri).protocol)) {
        return failed('task_failed', 'google: the video uri is not an http(s) URL', undefined)
      }
      const task = started.get(taskId) ?? assumedTask(taskId, model)
      const costUsd = pricingFor(task.model).perSecondUsd[task.resolution] * task.durationSec
      return {
        status: 'succeeded',
        output: { url: uri },
        durationSec: task.durationSec,
        costUsd: Math.round(costUsd * 1e6) / 1e6,
      }
    },

    async downloadVideo(output, options = {}) {
      if ('data' in output) return { data: output.data, mimeType: output.mimeType }
      return downloadVideoUrl(config, output.url, options.signal)
    },

    async openVideo(output, options = {}) {
      return openVideoUrl(config, output.url, options.signal)
    },

    async waitForVideo(taskId, options = {}) {
      const { signal } = options
      try {
        return await pollUntilDone<FinishedVideoTask>({
          provider: 'google',
          intervalMs: pollIntervalMs,
          maxWaitMs: config.maxPollWaitMs ?? DEFAULT_MAX_POLL_WAIT_MS,
          signal,
          check: async () => {
            const status = await provider.getVideoTask(taskId, signal ? { signal } : {})
            return status.status === 'succeeded' || status.status === 'failed'
              ? { done: true, value: status }
              : { done: false }
          },
        })
      } catch (error) {
        throw providerErrorFromThrown('google', error, signal)
      }
    },
  }
  return provider
}

function failed(
  errorClass: 'task_failed' | 'content_policy',
  message: string,
  body: unknown,
): FinishedVideoTask {
  return { status: 'failed', error: new ProviderError({ provider: 'google', errorClass, message, body }) }
}

/** A task this process did not start (e.g. after a restart): its model from the name, the longest clip, 720p. */
function assumedTask(taskId: string, fallbackModel: string): StartedTask {
  const taskModel = /^models\/([^/]+)\/operations\//.exec(taskId)?.[1] ?? fallbackModel
  const durations = googleVideoModel(taskModel).capabilities.durations
  return {
    model: taskModel,
    durationSec: durations.length > 0 ? Math.max(...durations) : 8,
    resolution: GOOGLE_VIDEO_DEFAULT_RESOLUTION,
  }
}

/** The nearest duration the model makes; a tie goes to the longer clip (never less than asked). */
function nearestDuration(durations: readonly number[], wanted: number): number {
  let best = durations[0] ?? wanted
  for (const duration of durations) {
    const distance = Math.abs(duration - wanted)
    const bestDistance = Math.abs(best - wanted)
    if (distance < bestDistance || (distance === bestDistance && duration > best)) best = duration
  }
  return best
}

function buildStart(
  request: VideoGenerationRequest,
  model: string,
  capabilities: VideoCapabilities,
): { body: PredictLongRunningRequest; warnings: ProviderWarning[]; task: StartedTask } {
  const entry = googleVideoModel(model)
  const invalid = (message: string) =>
    new ProviderError({ provider: 'google', errorClass: 'invalid_request', message: `google: ${message}` })
  if (request.image ? !capabilities.imageToVideo : !capabilities.textToVideo) {
    throw invalid(`${model} does not make ${request.image ? 'image' : 'text'}-to-video clips`)
  }
  // Ratio and resolution are hard requirements the router filters by (capabilities.ts); no silent swap.
  if (!capabilities.aspectRatios.includes(request.aspectRatio)) {
    throw invalid(`aspect ratio ${request.aspectRatio} is not supported (Veo makes 16:9 and 9:16)`)
  }
  if (!capabilities.resolutions.includes(request.resolution)) {
    throw invalid(`resolution ${request.resolution} is not supported by ${model}`)
  }
  if (!Number.isFinite(request.durationSec) || request.durationSec <= 0) {
    throw invalid('durationSec must be a positive number')
  }

  const warnings: ProviderWarning[] = []
  let resolution = request.resolution
  if (
    resolution === '1080p' &&
    entry.fullHdAspectRatios &&
    !entry.fullHdAspectRatios.includes(request.aspectRatio)
  ) {
    resolution = '720p'
    warnings.push({
      type: 'adjusted',
      feature: 'resolution',
      details: `${model} makes 1080p only in ${entry.fullHdAspectRatios.join(', ')}: 720p instead`,
    })
  }
  let durationSec = nearestDuration(capabilities.durations, request.durationSec)
  let why = `${model} makes ${capabilities.durations.join(', ')} s clips`
  if (
    resolution === '1080p' &&
    entry.fullHdDurationSec !== undefined &&
    durationSec !== entry.fullHdDurationSec
  ) {
    durationSec = entry.fullHdDurationSec
    why = `${model} makes 1080p clips only ${entry.fullHdDurationSec} s long`
  }
  if (durationSec !== request.durationSec) {
    warnings.push({
      type: 'adjusted',
      feature: 'durationSec',
      details: `${request.durationSec} s → ${durationSec} s: ${why}`,
    })
  }
  if (request.seed !== undefined) {
    warnings.push({
      type: 'unsupported',
      feature: 'seed',
      details: 'Veo on the Gemini API takes no seed (the official SDK refuses to send one)',
    })
  }

  const image = request.image
  const body: PredictLongRunningRequest = {
    instances: [
      {
        prompt: request.prompt,
        ...(image
          ? {
              image: {
                bytesBase64Encoded: Buffer.from(
                  image.data.buffer,
                  image.data.byteOffset,
                  image.data.byteLength,
                ).toString('base64'),
                mimeType: image.mimeType,
              },
            }
          : {}),
      },
    ],
    parameters: { aspectRatio: request.aspectRatio, resolution, durationSeconds: durationSec },
  }
  return { body, warnings, task: { model, durationSec, resolution } }
}

/** GETs the whole clip (see `requestVideo`). */
async function downloadVideoUrl(
  config: GoogleProviderConfig,
  uri: string,
  signal: AbortSignal | undefined,
): Promise<DownloadedVideo> {
  const response = await requestVideo(config, uri, signal)
  let data: Uint8Array
  try {
    data = new Uint8Array(await response.arrayBuffer())
  } catch (error) {
    throw providerErrorFromThrown('google', error, signal)
  }
  if (data.byteLength === 0) {
    throw new ProviderError({
      provider: 'google',
      errorClass: 'task_failed',
      message: 'google: the video is empty',
    })
  }
  return { data, mimeType: videoMimeType(response.headers.get('content-type'), data) }
}

/** The clip as it arrives (see `requestVideo`); Veo serves MP4, so that is assumed when undeclared. */
async function openVideoUrl(
  config: GoogleProviderConfig,
  uri: string,
  signal: AbortSignal | undefined,
): Promise<OpenedVideo> {
  const response = await requestVideo(config, uri, signal)
  if (!response.body) {
    throw new ProviderError({
      provider: 'google',
      errorClass: 'task_failed',
      message: 'google: the video is empty',
    })
  }
  const declared = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
  return { body: response.body, mimeType: declared?.startsWith('video/') ? declared : 'video/mp4' }
}

/**
 * GETs the clip up to an OK response, following redirects by hand so the key goes only to the configured
 * origin (the real API redirects to a storage host, which must not see it).
 */
async function requestVideo(
  config: GoogleProviderConfig,
  uri: string,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const trustedOrigin = new URL(googleBaseUrl(config)).origin
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw new ProviderError({
      provider: 'google',
      errorClass: 'invalid_request',
      message: 'google: not a video URL',
    })
  }
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new ProviderError({
        provider: 'google',
        errorClass: 'task_failed',
        message: `google: the video URL has an unsupported scheme ${url.protocol}`,
      })
    }
    const trusted = url.origin === trustedOrigin
    let response: Response
    try {
      response = await fetchFor(config)(url.href, {
        method: 'GET',
        headers: trusted ? { 'x-goog-api-key': config.apiKey } : {},
        redirect: 'manual',
        ...(signal ? { signal } : {}),
      })
    } catch (error) {
      throw providerErrorFromThrown('google', error, signal)
    }
    const location = response.headers.get('location')
    if (REDIRECT_STATUSES.has(response.status) && location) {
      await response.arrayBuffer().catch(() => undefined)
      url = new URL(location, url)
      continue
    }
    if (!response.ok) {
      const body = await readBody(response)
      if (response.status === 404 || response.status === 410 || (!trusted && response.status === 403)) {
        throw new ProviderError({
          provider: 'google',
          errorClass: 'task_failed',
          status: response.status,
          message: `google: the video is no longer available (HTTP ${response.status}; Veo keeps clips for 2 days)`,
          body,
        })
      }
      throw trusted
        ? googleErrorFromResponse(response, body, config.apiKey)
        : providerErrorFromResponse({
            provider: 'google',
            response,
            body,
            message: `google: video download failed with HTTP ${response.status}`,
          })
    }
    return response
  }
  throw new ProviderError({
    provider: 'google',
    errorClass: 'task_failed',
    message: `google: more than ${MAX_REDIRECTS} redirects on the video download`,
  })
}

function videoMimeType(contentType: string | null, data: Uint8Array): string {
  const declared = contentType?.split(';')[0]?.trim().toLowerCase()
  if (declared?.startsWith('video/')) return declared
  // ISO BMFF: bytes 4..8 are "ftyp" (MP4 / MOV); WebM starts with the EBML magic.
  const tag = Buffer.from(data.subarray(4, 8)).toString('latin1')
  if (tag === 'ftyp') return 'video/mp4'
  if (data[0] === 0x1a && data[1] === 0x45 && data[2] === 0xdf && data[3] === 0xa3) return 'video/webm'
  return declared || 'application/octet-stream'
}
