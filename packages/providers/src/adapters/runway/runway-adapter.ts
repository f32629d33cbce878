/**
 * @module The Runway image adapter (providers.md §4): `POST /v1/text_to_image` through the official SDK,
 * then `GET /v1/tasks/{id}` until terminal, the `output[]` URL downloaded and fitted to our exact size.
 * Runway has no `n`, so `count` images are `count` tasks run in parallel.
 */
import { allOrAbort } from '../../http/batch.js'
import { pollUntilDone } from '../../http/poll.js'
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
import { type AdapterConfig, withOverrides } from '../adapter-config.js'
import { fitImage, resizedWarning } from '../image-output.js'
import {
  cancelRunwayTaskQuietly,
  createRunwayClient,
  createRunwayTask,
  getRunwayTask,
  type RunwayClient,
} from './runway-api.js'
import { runwayErrorFromThrown, runwayTaskCancelledError, runwayTaskFailedError } from './runway-error.js'
import { downloadRunwayOutput, toRunwayDataUri } from './runway-media.js'
import {
  pickImageRatio,
  RUNWAY_DEFAULT_IMAGE_MODEL,
  RUNWAY_DEFAULT_MAX_POLL_WAIT_MS,
  RUNWAY_DEFAULT_POLL_INTERVAL_MS,
  type RunwayImageModel,
  ratioSize,
  runwayImageModel,
} from './runway-options.js'
import { createRunwayVideoProvider } from './runway-video.js'

export { RUNWAY_API_VERSION, RUNWAY_DEFAULT_BASE_URL } from './runway-options.js'

export type RunwayConfig = AdapterConfig

/**
 * Creates the Runway image and video providers (image model `gen4_image`, video model `gen4.5` by
 * default). `baseUrl` is the bare host (default `https://api.dev.runwayml.com`); polls wait
 * `pollIntervalMs` (default 5 s, as Runway asks) up to `maxPollWaitMs` (default 5 min).
 * @example
 * const runway = createRunwayProvider({ apiKey: process.env.PROVIDER_RUNWAY_API_KEY! })
 * const { images } = await runway.image.generateImage({ prompt: 'a lighthouse at dusk', resolution: '1K',
 *   aspectRatio: '16:9', count: 1, outputFormat: 'png', referenceImages: [], searchGrounding: false })
 * const task = await runway.video.startVideo({ prompt: 'waves', durationSec: 5, aspectRatio: '16:9',
 *   resolution: '720p' })
 */
export function createRunwayProvider(config: RunwayConfig): { image: ImageProvider; video: VideoProvider } {
  const client = createRunwayClient(config)
  return {
    image: createRunwayImageProvider(config, client),
    video: createRunwayVideoProvider(config, client),
  }
}

function createRunwayImageProvider(config: RunwayConfig, client: RunwayClient): ImageProvider {
  const modelId = config.model ?? RUNWAY_DEFAULT_IMAGE_MODEL
  const model = runwayImageModel(modelId)
  const capabilities = withOverrides(model.capabilities, config.overrides?.capabilities)
  const pricing = withOverrides(model.pricing, config.overrides?.pricing)
  const profile = withOverrides(model.profile, config.overrides?.profile)
  return {
    specificationVersion: 'v1',
    name: 'runway',
    defaultModel: modelId,
    capabilities,
    pricing,
    profile,
    async generateImage(request, options) {
      const result = await generateRunwayImages({ config, client, modelId, model, request, options })
      return { ...result, costUsd: pricing.perImageUsd[request.resolution] * request.count }
    },
  }
}

interface GenerateInput {
  config: RunwayConfig
  client: RunwayClient
  modelId: string
  model: RunwayImageModel
  request: ImageGenerationRequest
  options: GenerateOptions | undefined
}

async function generateRunwayImages(input: GenerateInput): Promise<Omit<ImageGenerationResult, 'costUsd'>> {
  const { config, client, modelId, model, request } = input
  const signal = input.options?.signal
  const warnings: ProviderWarning[] = []
  const target = pixelSize(request.resolution, request.aspectRatio)

  if (request.referenceImages.length < model.minReferenceImages) {
    throw new ProviderError({
      provider: 'runway',
      errorClass: 'invalid_request',
      message: `runway: ${modelId} needs at least ${model.minReferenceImages} reference image(s)`,
    })
  }
  const maxReferences = model.capabilities.maxReferenceImages
  const references = request.referenceImages.slice(0, maxReferences)
  if (request.referenceImages.length > maxReferences) {
    warnings.push({
      type: 'adjusted',
      feature: 'referenceImages',
      details: `${modelId} takes at most ${maxReferences}; the first ${maxReferences} were used`,
    })
  }
  if (request.negativePrompt) warnings.push({ type: 'unsupported', feature: 'negativePrompt' })
  if (request.searchGrounding) warnings.push({ type: 'unsupported', feature: 'searchGrounding' })
  if (request.history && request.history.length > 0)
    warnings.push({ type: 'unsupported', feature: 'history' })
  if (request.seed !== undefined && !model.seed) warnings.push({ type: 'unsupported', feature: 'seed' })

  const ratio = pickImageRatio(model.ratios, target)
  const ratioPixels = ratioSize(ratio)
  const shapeChanged =
    Math.abs(Math.log(ratioPixels.width / ratioPixels.height) - Math.log(target.width / target.height)) >
    Math.log(1.03)
  if (shapeChanged) {
    warnings.push({
      type: 'adjusted',
      feature: 'aspectRatio',
      details: `${modelId} has no ${request.aspectRatio}; generated at ${ratio} and centre-cropped`,
    })
  }

  const encoded = await Promise.all(references.map(toRunwayDataUri))
  if (encoded.some((reference) => reference.shrunk)) {
    warnings.push({
      type: 'adjusted',
      feature: 'referenceImages',
      details: 'references over 5 MB as data URIs were re-encoded as JPEG',
    })
  }
  const referenceImages = encoded.map(({ uri }, index) =>
    model.referenceTags ? { uri, tag: `ref${index + 1}` } : { uri },
  )

  const bodies = Array.from(
    { length: request.count },
    (_, index): Record<string, unknown> => ({
      model: modelId,
      promptText: request.prompt,
      ratio,
      ...(referenceImages.length > 0 ? { referenceImages } : {}),
      // One task per image: distinct seeds keep a seeded batch reproducible without identical copies.
      ...(request.seed !== undefined && model.seed ? { seed: request.seed + index } : {}),
    }),
  )

  // Siblings stop (and their tasks are cancelled) as soon as one image fails.
  const fitted = await allOrAbort(bodies, signal, async (body, batchSignal) => {
    const data = await runImageTask(config, client, body, batchSignal, signal)
    return fitImage('runway', data, target, request.outputFormat)
  })
  const resized = resizedWarning(fitted, target, 'Runway', '×')
  if (resized) warnings.push(resized)
  const images = fitted.map((entry) => entry.image)
  return { images, model: modelId, warnings }
}

/** One `text_to_image` task: create, poll to a terminal status, download `output[0]`. */
async function runImageTask(
  config: RunwayConfig,
  client: RunwayClient,
  body: Record<string, unknown>,
  signal: AbortSignal,
  callerSignal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const taskId = await createRunwayTask(client, 'text_to_image', body, signal)
  let outputUrl: string
  try {
    outputUrl = await pollUntilDone<string>({
      provider: 'runway',
      intervalMs: config.pollIntervalMs ?? RUNWAY_DEFAULT_POLL_INTERVAL_MS,
      maxWaitMs: config.maxPollWaitMs ?? RUNWAY_DEFAULT_MAX_POLL_WAIT_MS,
      signal,
      async check() {
        const task = await getRunwayTask(client, taskId, signal)
        switch (task.status) {
          case 'PENDING':
          case 'THROTTLED':
          case 'RUNNING':
            return { done: false }
          case 'SUCCEEDED': {
            const url = task.output?.[0]
            if (!url) {
              throw new ProviderError({
                provider: 'runway',
                errorClass: 'task_failed',
                message: `runway: task ${taskId} succeeded with no image in its output`,
              })
            }
            return { done: true, value: url }
          }
          case 'FAILED':
            throw runwayTaskFailedError(task)
          case 'CANCELLED':
            throw runwayTaskCancelledError(taskId)
        }
      },
    })
  } catch (error) {
    const providerError = runwayErrorFromThrown(error, callerSignal ?? signal)
    // We stop waiting (deadline, abort, a sibling failed): cancel so the task is not billed to completion.
    if (providerError.errorClass === 'timeout' || signal.aborted) cancelRunwayTaskQuietly(client, taskId)
    throw providerError
  }
  const { data } = await downloadRunwayOutput(config, outputUrl, signal)
  return data
}
