/**
 * @module The Kling image adapter (providers.md §5): `POST /v1/images/generations` (`n` images, one
 * optional `image` as raw base64), `GET /v1/images/generations/{task_id}` until `succeed`/`failed`, the
 * result URLs downloaded and fitted to our exact pixel size.
 */
import { pollUntilDone } from '../../http/poll.js'
import { providerErrorFromThrown } from '../../http/provider-errors.js'
import { pixelSize } from '../../sizes.js'
import {
  type GenerateOptions,
  type ImageGenerationRequest,
  type ImageGenerationResult,
  type ImageProvider,
  ProviderError,
  type ProviderWarning,
  type VideoProvider,
} from '../../types.js'
import { withOverrides } from '../adapter-config.js'
import { fitImage, resizedWarning } from '../image-output.js'
import {
  createKlingClient,
  createKlingTask,
  getKlingTask,
  type KlingClient,
  type KlingConfig,
} from './kling-api.js'
import { klingTaskFailedError } from './kling-error.js'
import { downloadKlingOutput, toKlingBase64 } from './kling-media.js'
import {
  KLING_DEFAULT_IMAGE_MODEL,
  KLING_DEFAULT_MAX_POLL_WAIT_MS,
  KLING_DEFAULT_POLL_INTERVAL_MS,
  type KlingImageModel,
  klingAspectRatio,
  klingImageModel,
} from './kling-options.js'
import { createKlingVideoProvider } from './kling-video.js'

export type { KlingConfig } from './kling-api.js'
export { KLING_DEFAULT_BASE_URL } from './kling-options.js'

const IMAGES_PATH = '/v1/images/generations'

/**
 * Creates the Kling image and video providers (image model `kling-v2`, video model `kling-v2-5-turbo` by
 * default). Kling authenticates with a JWT the adapter signs from `accessKey` + `secretKey` (HS256, 30 min,
 * reused until a minute before expiry). Polls wait `pollIntervalMs` (default 5 s) up to `maxPollWaitMs`
 * (default 5 min).
 * @example
 * const kling = createKlingProvider({
 *   accessKey: process.env.PROVIDER_KLING_ACCESS_KEY!,
 *   secretKey: process.env.PROVIDER_KLING_SECRET_KEY!,
 * })
 * const { images } = await kling.image.generateImage({ prompt: 'a red fox', resolution: '1K',
 *   aspectRatio: '1:1', count: 2, outputFormat: 'png', referenceImages: [], searchGrounding: false })
 */
export function createKlingProvider(config: KlingConfig): { image: ImageProvider; video: VideoProvider } {
  const client = createKlingClient(config)
  return { image: createKlingImageProvider(client), video: createKlingVideoProvider(client) }
}

function createKlingImageProvider(client: KlingClient): ImageProvider {
  const { config } = client
  const modelId = config.model ?? KLING_DEFAULT_IMAGE_MODEL
  const model = klingImageModel(modelId)
  const capabilities = withOverrides(model.capabilities, config.overrides?.capabilities)
  const pricing = withOverrides(model.pricing, config.overrides?.pricing)
  const profile = withOverrides(model.profile, config.overrides?.profile)
  return {
    specificationVersion: 'v1',
    name: 'kling',
    defaultModel: modelId,
    capabilities,
    pricing,
    profile,
    async generateImage(request, options) {
      const result = await generateKlingImages(client, modelId, model, request, options)
      return { ...result, costUsd: pricing.perImageUsd[request.resolution] * result.images.length }
    },
  }
}

async function generateKlingImages(
  client: KlingClient,
  modelId: string,
  model: KlingImageModel,
  request: ImageGenerationRequest,
  options: GenerateOptions | undefined,
): Promise<Omit<ImageGenerationResult, 'costUsd'>> {
  const signal = options?.signal
  const { config } = client
  const warnings: ProviderWarning[] = []
  const target = pixelSize(request.resolution, request.aspectRatio)

  const aspectRatio = klingAspectRatio(request.aspectRatio)
  if (aspectRatio !== request.aspectRatio) {
    warnings.push({
      type: 'adjusted',
      feature: 'aspectRatio',
      details: `Kling has no ${request.aspectRatio}; generated at ${aspectRatio} and centre-cropped`,
    })
  }
  const resolution = model.capabilities.maxResolution === '1K' || request.resolution === '1K' ? '1k' : '2k'
  if (request.seed !== undefined) warnings.push({ type: 'unsupported', feature: 'seed' })
  if (request.searchGrounding) warnings.push({ type: 'unsupported', feature: 'searchGrounding' })
  if (request.history && request.history.length > 0)
    warnings.push({ type: 'unsupported', feature: 'history' })

  const [reference] = request.referenceImages
  if (request.referenceImages.length > 1) {
    warnings.push({
      type: 'adjusted',
      feature: 'referenceImages',
      details: `Kling takes one image; the first of ${request.referenceImages.length} was used`,
    })
  }
  let image: string | undefined
  if (reference) {
    const encoded = await toKlingBase64(reference)
    image = encoded.base64
    if (encoded.adjusted)
      warnings.push({ type: 'adjusted', feature: 'referenceImages', details: encoded.adjusted })
  }
  // Kling rejects negative_prompt together with an image.
  const negativePrompt = request.negativePrompt || undefined
  if (negativePrompt && image) {
    warnings.push({
      type: 'unsupported',
      feature: 'negativePrompt',
      details: 'not allowed with a reference image',
    })
  }

  const body: Record<string, unknown> = {
    model_name: modelId,
    prompt: request.prompt,
    ...(negativePrompt && !image ? { negative_prompt: negativePrompt } : {}),
    ...(image ? { image } : {}),
    ...(image && model.imageReference ? { image_reference: 'subject' } : {}),
    resolution,
    n: request.count,
    aspect_ratio: aspectRatio,
  }
  const taskId = await createKlingTask(client, IMAGES_PATH, body, signal)
  const urls = await pollUntilDone<string[]>({
    provider: 'kling',
    intervalMs: config.pollIntervalMs ?? KLING_DEFAULT_POLL_INTERVAL_MS,
    maxWaitMs: config.maxPollWaitMs ?? KLING_DEFAULT_MAX_POLL_WAIT_MS,
    ...(signal ? { signal } : {}),
    async check() {
      const task = await getKlingTask(client, IMAGES_PATH, taskId, signal)
      if (task.task_status === 'failed') throw klingTaskFailedError(taskId, task.task_status_msg)
      if (task.task_status !== 'succeed') return { done: false }
      const found = (task.task_result?.images ?? []).map((entry) => entry.url).filter(Boolean)
      if (found.length === 0) {
        throw new ProviderError({
          provider: 'kling',
          errorClass: 'task_failed',
          message: `kling: task ${taskId} succeeded with no image in its result`,
        })
      }
      return { done: true, value: found }
    },
  }).catch((error: unknown) => {
    // pollUntilDone's waits reject with the signal's reason when the caller aborts.
    throw providerErrorFromThrown('kling', error, signal)
  })

  if (urls.length < request.count) {
    warnings.push({
      type: 'adjusted',
      feature: 'count',
      details: `asked for ${request.count} images, Kling returned ${urls.length}`,
    })
  }
  const fitted = await Promise.all(
    urls.slice(0, request.count).map(async (url) => {
      const { data } = await downloadKlingOutput(client, url, signal)
      return fitImage('kling', data, target, request.outputFormat)
    }),
  )
  const resized = resizedWarning(fitted, target, 'Kling', '×')
  if (resized) warnings.push(resized)
  return { images: fitted.map((entry) => entry.image), model: modelId, warnings }
}
