/**
 * @module The Runway video adapter (providers.md §4): `POST /v1/text_to_video` or `/v1/image_to_video`
 * (first frame as a `data:` URI), `GET /v1/tasks/{id}` per poll, `DELETE /v1/tasks/{id}` to cancel, and
 * the `output[0]` clip downloaded. The task id is Runway's own, so polling resumes after a restart.
 */
import type {
  ProviderWarning,
  VideoAspectRatio,
  VideoProvider,
  VideoResolution,
  VideoTaskStatus,
} from '../../types.js'
import { ProviderError } from '../../types.js'
import { type AdapterConfig, withOverrides } from '../adapter-config.js'
import { createRunwayTask, deleteRunwayTask, getRunwayTask, type RunwayClient } from './runway-api.js'
import { runwayTaskCancelledError, runwayTaskFailedError } from './runway-error.js'
import { downloadRunwayOutput, openRunwayOutput, toRunwayDataUri } from './runway-media.js'
import {
  RUNWAY_DEFAULT_POLL_INTERVAL_MS,
  RUNWAY_DEFAULT_VIDEO_MODEL,
  RUNWAY_USD_PER_CREDIT,
  type RunwayVideoRatios,
  runwayVideoModel,
} from './runway-options.js'

interface SubmittedVideo {
  durationSec: number
  resolution: VideoResolution
}

// What we asked for, per task id, to price a finished clip (Runway's task does not echo it back).
const REMEMBERED_TASKS = 1_000

/** The Runway VideoProvider; built by `createRunwayProvider`. */
export function createRunwayVideoProvider(config: AdapterConfig, client: RunwayClient): VideoProvider {
  const modelId = config.videoModel ?? RUNWAY_DEFAULT_VIDEO_MODEL
  const model = runwayVideoModel(modelId)
  const capabilities = withOverrides(model.capabilities, config.overrides?.videoCapabilities)
  const pricing = withOverrides(model.pricing, config.overrides?.videoPricing)
  const profile = withOverrides(model.profile, config.overrides?.videoProfile)
  const submitted = new Map<string, SubmittedVideo>()

  return {
    specificationVersion: 'v1',
    name: 'runway',
    defaultModel: modelId,
    capabilities,
    pricing,
    profile,
    pollIntervalMs: config.pollIntervalMs ?? RUNWAY_DEFAULT_POLL_INTERVAL_MS,

    async startVideo(request, options) {
      const signal = options?.signal
      const warnings: ProviderWarning[] = []
      const imageToVideo = request.image !== undefined
      const ratios = imageToVideo ? model.imageToVideoRatios : model.textToVideoRatios
      if (!ratios) {
        throw new ProviderError({
          provider: 'runway',
          errorClass: 'invalid_request',
          message: `runway: ${modelId} cannot make a video ${imageToVideo ? 'from an image' : 'from text alone'}`,
        })
      }
      const { ratio, resolution } = pickVideoRatio(ratios, request.aspectRatio, request.resolution, warnings)
      const durationSec = nearest(capabilities.durations, request.durationSec)
      if (durationSec !== request.durationSec) {
        warnings.push({
          type: 'adjusted',
          feature: 'durationSec',
          details: `${modelId} makes ${capabilities.durations.join('/')} s clips; asked ${request.durationSec} s, made ${durationSec} s`,
        })
      }
      if (request.seed !== undefined && !model.seed) warnings.push({ type: 'unsupported', feature: 'seed' })

      let promptImage: string | undefined
      if (request.image) {
        const encoded = await toRunwayDataUri(request.image)
        promptImage = encoded.uri
        if (encoded.shrunk) {
          warnings.push({ type: 'adjusted', feature: 'image', details: 're-encoded as JPEG to fit 5 MB' })
        }
      }
      const body: Record<string, unknown> = {
        model: modelId,
        ...(request.prompt ? { promptText: request.prompt } : {}),
        ratio,
        duration: durationSec,
        ...(promptImage ? { promptImage } : {}),
        ...(request.seed !== undefined && model.seed ? { seed: request.seed } : {}),
      }
      const taskId = await createRunwayTask(
        client,
        imageToVideo ? 'image_to_video' : 'text_to_video',
        body,
        signal,
      )
      submitted.set(taskId, { durationSec, resolution })
      if (submitted.size > REMEMBERED_TASKS) submitted.delete(submitted.keys().next().value as string)
      return { taskId, model: modelId, warnings }
    },

    async getVideoTask(taskId, options): Promise<VideoTaskStatus> {
      const task = await getRunwayTask(client, taskId, options?.signal)
      switch (task.status) {
        case 'PENDING':
        case 'THROTTLED':
          return { status: 'pending' }
        case 'RUNNING':
          return task.progress === undefined
            ? { status: 'running' }
            : { status: 'running', progress: task.progress }
        case 'FAILED':
          return { status: 'failed', error: runwayTaskFailedError(task) }
        case 'CANCELLED':
          return { status: 'failed', error: runwayTaskCancelledError(taskId) }
        case 'SUCCEEDED': {
          const url = task.output?.[0]
          if (!url) {
            return {
              status: 'failed',
              error: new ProviderError({
                provider: 'runway',
                errorClass: 'task_failed',
                message: `runway: task ${taskId} succeeded with no video in its output`,
              }),
            }
          }
          const known = submitted.get(taskId)
          const durationSec = known?.durationSec ?? capabilities.durations[0] ?? 5
          // A task submitted before a restart: Runway's reported credits are the best price we have.
          const costUsd = known
            ? pricing.perSecondUsd[known.resolution] * durationSec
            : task.cost
              ? task.cost.credits * RUNWAY_USD_PER_CREDIT
              : pricing.perSecondUsd['720p'] * durationSec
          return { status: 'succeeded', output: { url }, durationSec, costUsd }
        }
      }
    },

    async cancelVideoTask(taskId, options) {
      await deleteRunwayTask(client, taskId, options?.signal)
      submitted.delete(taskId)
    },

    async downloadVideo(output, options) {
      if ('data' in output) return { data: output.data, mimeType: output.mimeType }
      const { data, contentType } = await downloadRunwayOutput(config, output.url, options?.signal)
      return { data, mimeType: contentType?.startsWith('video/') ? contentType : 'video/mp4' }
    },

    async openVideo(output, options) {
      const { body, contentType } = await openRunwayOutput(config, output.url, options?.signal)
      return { body, mimeType: contentType?.startsWith('video/') ? contentType : 'video/mp4' }
    },
  }
}

/** The ratio string for an aspect ratio and resolution; the closest the model makes, with warnings. */
function pickVideoRatio(
  ratios: RunwayVideoRatios,
  aspectRatio: VideoAspectRatio,
  resolution: VideoResolution,
  warnings: ProviderWarning[],
): { ratio: string; resolution: VideoResolution } {
  let byResolution = ratios[aspectRatio]
  if (!byResolution) {
    const [fallback, entry] = Object.entries(ratios)[0] ?? []
    byResolution = entry
    warnings.push({
      type: 'adjusted',
      feature: 'aspectRatio',
      details: `not available for this model and mode; made ${fallback} instead of ${aspectRatio}`,
    })
  }
  const exact = byResolution?.[resolution]
  if (exact) return { ratio: exact, resolution }
  const [otherResolution, ratio] = (Object.entries(byResolution ?? {})[0] ?? ['720p', '1280:720']) as [
    VideoResolution,
    string,
  ]
  warnings.push({
    type: 'adjusted',
    feature: 'resolution',
    details: `${resolution} is not available for this model; made ${otherResolution}`,
  })
  return { ratio, resolution: otherResolution }
}

function nearest(values: readonly number[], wanted: number): number {
  let best = values[0] ?? wanted
  for (const value of values) if (Math.abs(value - wanted) < Math.abs(best - wanted)) best = value
  return best
}
