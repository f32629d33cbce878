/**
 * @module The Kling video adapter (providers.md §5): `POST /v1/videos/text2video` or `/image2video`
 * (`duration` as the STRING "5"/"10", first frame as raw base64), `GET …/{task_id}` per poll, and the
 * `task_result.videos[0].url` clip downloaded. Kling has no cancel endpoint.
 *
 * Our task id is `<endpoint>:<resolution>:<Kling task id>`: the poll path depends on the endpoint and the
 * price on the resolution, so polling and pricing survive a restart.
 */
import {
  ProviderError,
  type ProviderWarning,
  VIDEO_RESOLUTIONS,
  type VideoProvider,
  type VideoResolution,
  type VideoTaskStatus,
} from '../../types.js'
import { withOverrides } from '../adapter-config.js'
import { createKlingTask, getKlingTask, type KlingClient } from './kling-api.js'
import { klingTaskFailedError } from './kling-error.js'
import { downloadKlingOutput, openKlingOutput, toKlingBase64 } from './kling-media.js'
import {
  KLING_DEFAULT_POLL_INTERVAL_MS,
  KLING_DEFAULT_VIDEO_MODEL,
  klingVideoModel,
} from './kling-options.js'

type Endpoint = 'text2video' | 'image2video'

/** The Kling VideoProvider; built by `createKlingProvider`. */
export function createKlingVideoProvider(client: KlingClient): VideoProvider {
  const { config } = client
  const modelId = config.videoModel ?? KLING_DEFAULT_VIDEO_MODEL
  const model = klingVideoModel(modelId)
  const capabilities = withOverrides(model.capabilities, config.overrides?.videoCapabilities)
  const pricing = withOverrides(model.pricing, config.overrides?.videoPricing)
  const profile = withOverrides(model.profile, config.overrides?.videoProfile)

  return {
    specificationVersion: 'v1',
    name: 'kling',
    defaultModel: modelId,
    capabilities,
    pricing,
    profile,
    pollIntervalMs: config.pollIntervalMs ?? KLING_DEFAULT_POLL_INTERVAL_MS,

    async startVideo(request, options) {
      const warnings: ProviderWarning[] = []
      const endpoint: Endpoint = request.image ? 'image2video' : 'text2video'
      if (endpoint === 'text2video' ? !capabilities.textToVideo : !capabilities.imageToVideo) {
        throw new ProviderError({
          provider: 'kling',
          errorClass: 'invalid_request',
          message: `kling: ${modelId} cannot make a video ${request.image ? 'from an image' : 'from text alone'}`,
        })
      }
      let aspectRatio = request.aspectRatio
      if (!capabilities.aspectRatios.includes(aspectRatio)) {
        aspectRatio = capabilities.aspectRatios[0] ?? '16:9'
        warnings.push({
          type: 'adjusted',
          feature: 'aspectRatio',
          details: `${modelId} has no ${request.aspectRatio}; made ${aspectRatio}`,
        })
      }
      let resolution = request.resolution
      if (!capabilities.resolutions.includes(resolution)) {
        resolution = capabilities.resolutions[0] ?? '720p'
        warnings.push({
          type: 'adjusted',
          feature: 'resolution',
          details: `${modelId} makes ${capabilities.resolutions.join('/')}; made ${resolution}`,
        })
      }
      const durationSec = nearest(capabilities.durations, request.durationSec)
      if (durationSec !== request.durationSec) {
        warnings.push({
          type: 'adjusted',
          feature: 'durationSec',
          details: `${modelId} makes ${capabilities.durations.join('/')} s clips; made ${durationSec} s`,
        })
      }
      if (request.seed !== undefined) warnings.push({ type: 'unsupported', feature: 'seed' })

      let image: string | undefined
      if (request.image) {
        const encoded = await toKlingBase64(request.image)
        image = encoded.base64
        if (encoded.adjusted) warnings.push({ type: 'adjusted', feature: 'image', details: encoded.adjusted })
      }
      const mode = model.modes?.[resolution]
      const body: Record<string, unknown> = {
        model_name: modelId,
        prompt: request.prompt,
        ...(image ? { image } : {}),
        ...(mode ? { mode } : {}),
        aspect_ratio: aspectRatio,
        // Kling wants the duration as a string.
        duration: String(durationSec),
      }
      const id = await createKlingTask(client, `/v1/videos/${endpoint}`, body, options?.signal)
      return { taskId: `${endpoint}:${resolution}:${id}`, model: modelId, warnings }
    },

    async getVideoTask(taskId, options): Promise<VideoTaskStatus> {
      const { endpoint, resolution, id } = parseTaskId(taskId)
      const task = await getKlingTask(client, `/v1/videos/${endpoint}`, id, options?.signal)
      switch (task.task_status) {
        case 'submitted':
          return { status: 'pending' }
        case 'failed':
          return { status: 'failed', error: klingTaskFailedError(id, task.task_status_msg) }
        case 'succeed': {
          const [clip] = task.task_result?.videos ?? []
          if (!clip?.url) {
            return {
              status: 'failed',
              error: new ProviderError({
                provider: 'kling',
                errorClass: 'task_failed',
                message: `kling: task ${id} succeeded with no video in its result`,
              }),
            }
          }
          // Kling reports the real length ("5.1"); bill the nominal clip length it was asked for.
          const durationSec = nearest(
            capabilities.durations,
            Number(clip.duration ?? capabilities.durations[0]),
          )
          return {
            status: 'succeeded',
            output: { url: clip.url },
            durationSec,
            costUsd: pricing.perSecondUsd[resolution] * durationSec,
          }
        }
        default:
          // `processing`, and any status Kling adds later: keep polling.
          return { status: 'running' }
      }
    },

    async downloadVideo(output, options) {
      if ('data' in output) return { data: output.data, mimeType: output.mimeType }
      const { data, contentType } = await downloadKlingOutput(client, output.url, options?.signal)
      return { data, mimeType: contentType?.startsWith('video/') ? contentType : 'video/mp4' }
    },

    async openVideo(output, options) {
      const { body, contentType } = await openKlingOutput(client, output.url, options?.signal)
      return { body, mimeType: contentType?.startsWith('video/') ? contentType : 'video/mp4' }
    },
  }
}

function parseTaskId(taskId: string): { endpoint: Endpoint; resolution: VideoResolution; id: string } {
  const match = /^(text2video|image2video):(\w+):(.+)$/.exec(taskId)
  const resolution = match?.[2] as VideoResolution | undefined
  if (!match?.[3] || !resolution || !VIDEO_RESOLUTIONS.includes(resolution)) {
    throw new ProviderError({
      provider: 'kling',
      errorClass: 'invalid_request',
      message: `kling: "${taskId}" is not a task id this adapter issued`,
    })
  }
  return { endpoint: match[1] as Endpoint, resolution, id: match[3] }
}

function nearest(values: readonly number[], wanted: number): number {
  let best = values[0] ?? wanted
  if (!Number.isFinite(wanted)) return best
  for (const value of values) if (Math.abs(value - wanted) < Math.abs(best - wanted)) best = value
  return best
}
