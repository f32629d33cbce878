/**
 * @module The `flux` provider: Black Forest Labs' FLUX API over REST (no official SDK). Submit `POST /v1/{model}`,
 * poll the returned `polling_url` until `Ready`, download `result.sample`, resize to our exact pixel size.
 */
import { allOrAbort } from '../../http/batch.js'
import { downloadMedia } from '../../http/download.js'
import { pollUntilDone } from '../../http/poll.js'
import { providerErrorFromThrown, readBody } from '../../http/provider-errors.js'
import { type PixelSize, pixelSize } from '../../sizes.js'
import {
  type ImageGenerationRequest,
  type ImageGenerationResult,
  type ImageProvider,
  type OutputFormat,
  ProviderError,
  type ProviderPricing,
  type ProviderWarning,
  type ReferenceImage,
} from '../../types.js'
import { type AdapterConfig, fetchFor, withOverrides } from '../adapter-config.js'
import { convertedWarning, type FittedImage, fitImage, resizedWarning } from '../image-output.js'
import {
  FLUX_STATUS,
  fluxPollResponseSchema,
  fluxSubmitResponseSchema,
  trustedPollingUrl,
} from './flux-api.js'
import { fluxErrorFromResponse, fluxErrorFromStatus } from './flux-error.js'
import {
  FLUX_DEFAULT_MODEL,
  FLUX_USD_PER_CREDIT,
  type FluxModelId,
  type FluxModelSpec,
  fluxDimensions,
  fluxModelSpec,
} from './flux-options.js'

/** BFL's global API host (bare host: paths start with `/v1`). */
export const FLUX_DEFAULT_BASE_URL = 'https://api.bfl.ai'
/** providers.md "polling cadence": every 0.5–2 s. */
export const FLUX_DEFAULT_POLL_INTERVAL_MS = 500
/** providers.md: cap the total wait at ~2–5 min. */
export const FLUX_DEFAULT_MAX_POLL_WAIT_MS = 120_000

export interface FluxProviderConfig extends AdapterConfig {
  model?: FluxModelId
  /** BFL `safety_tolerance`, 0 (strict) … 6 (lenient); omitted → BFL's default (2). */
  safetyTolerance?: number
}

/** What BFL can encode; webp is made from png. */
const FLUX_OUTPUT_FORMATS: Record<OutputFormat, 'png' | 'jpeg'> = { png: 'png', jpeg: 'jpeg', webp: 'png' }

/**
 * Creates the `flux` image provider (BFL FLUX API). One image per BFL task: `count` images are `count` parallel
 * tasks (with `seed`, image i gets `seed + i` so they differ). Sizes our API's pixel sizes cannot be made exactly
 * (multiples of 32 / 16, model caps, aspect-ratio-only models) are resized with sharp and reported as `adjusted`.
 * @example
 * const { image } = createFluxProvider({ apiKey: process.env.PROVIDER_BFL_API_KEY!, model: 'flux-pro-1.1' })
 * const result = await image.generateImage({ prompt: 'a lighthouse at dusk', resolution: '1K',
 *   aspectRatio: '16:9', count: 1, outputFormat: 'png', referenceImages: [], searchGrounding: false })
 * // result.images[0]: 1376x768 PNG bytes
 */
export function createFluxProvider(config: FluxProviderConfig): { image: ImageProvider } {
  const model = config.model ?? FLUX_DEFAULT_MODEL
  const spec = fluxModelSpec(model)
  const capabilities = withOverrides(spec.capabilities, config.overrides?.capabilities)
  const pricing = withOverrides(spec.pricing, config.overrides?.pricing)
  const profile = withOverrides(spec.profile, config.overrides?.profile)
  const settings: FluxSettings = {
    apiKey: config.apiKey,
    baseUrl: (config.baseUrl ?? FLUX_DEFAULT_BASE_URL).replace(/\/+$/, ''),
    fetch: fetchFor(config),
    model,
    spec,
    maxReferenceImages: capabilities.maxReferenceImages,
    pricing,
    pollIntervalMs: config.pollIntervalMs ?? FLUX_DEFAULT_POLL_INTERVAL_MS,
    maxPollWaitMs: config.maxPollWaitMs ?? FLUX_DEFAULT_MAX_POLL_WAIT_MS,
    safetyTolerance: config.safetyTolerance,
  }
  const image: ImageProvider = {
    specificationVersion: 'v1',
    name: 'flux',
    defaultModel: model,
    capabilities,
    pricing,
    profile,
    generateImage: (request, options) => generateFluxImages(settings, request, options?.signal),
  }
  return { image }
}

interface FluxSettings {
  apiKey: string
  baseUrl: string
  fetch: typeof globalThis.fetch
  model: string
  spec: FluxModelSpec
  maxReferenceImages: number
  pricing: ProviderPricing
  pollIntervalMs: number
  maxPollWaitMs: number
  safetyTolerance: number | undefined
}

async function generateFluxImages(
  settings: FluxSettings,
  request: ImageGenerationRequest,
  signal: AbortSignal | undefined,
): Promise<ImageGenerationResult> {
  if (!Number.isInteger(request.count) || request.count < 1 || request.count > 4) {
    throw new ProviderError({
      provider: 'flux',
      errorClass: 'invalid_request',
      message: 'flux: count must be an integer from 1 to 4',
    })
  }
  const warnings: ProviderWarning[] = []
  const target = pixelSize(request.resolution, request.aspectRatio)
  const body = buildBody(settings, request, target, warnings)

  // One attempt = all `count` tasks; the first failure cancels the rest (their results would be discarded).
  const bodies = Array.from({ length: request.count }, (_, index) =>
    request.seed === undefined || index === 0 ? body : { ...body, seed: request.seed + index },
  )
  const outcomes = await allOrAbort(bodies, signal, (taskBody, batchSignal) =>
    runTask(settings, taskBody, target, request.outputFormat, batchSignal),
  ).catch((error: unknown) => {
    throw providerErrorFromThrown('flux', error, signal)
  })
  const fitted = outcomes.map((outcome) => outcome.fitted)
  for (const warning of [
    resizedWarning(fitted, target, settings.model),
    convertedWarning(fitted, request.outputFormat, 'BFL'),
  ]) {
    if (warning) warnings.push(warning)
  }
  const costUsd = outcomes.reduce(
    (sum, outcome) =>
      sum +
      (outcome.costCredits === undefined
        ? settings.pricing.perImageUsd[request.resolution]
        : outcome.costCredits * FLUX_USD_PER_CREDIT),
    0,
  )
  return {
    images: fitted.map((item) => item.image),
    model: settings.model,
    costUsd: Math.round(costUsd * 1e6) / 1e6,
    warnings,
  }
}

function buildBody(
  settings: FluxSettings,
  request: ImageGenerationRequest,
  target: PixelSize,
  warnings: ProviderWarning[],
): Record<string, unknown> {
  const { spec } = settings
  const body: Record<string, unknown> = { prompt: request.prompt }
  if (spec.sizing.kind === 'dimensions') {
    const size = fluxDimensions(target, spec.sizing)
    body.width = size.width
    body.height = size.height
  } else {
    body.aspect_ratio = request.aspectRatio
  }
  if (request.seed !== undefined) body.seed = request.seed
  body.output_format = FLUX_OUTPUT_FORMATS[request.outputFormat]
  if (spec.promptUpsampling) body.prompt_upsampling = false
  if (settings.safetyTolerance !== undefined) body.safety_tolerance = settings.safetyTolerance
  Object.assign(body, referenceFields(spec, settings.maxReferenceImages, request.referenceImages, warnings))

  if (request.negativePrompt !== undefined && request.negativePrompt !== '') {
    warnings.push({
      type: 'unsupported',
      feature: 'negativePrompt',
      details: 'BFL FLUX has no negative prompt',
    })
  }
  if (request.searchGrounding) warnings.push({ type: 'unsupported', feature: 'searchGrounding' })
  if (request.history !== undefined && request.history.length > 0) {
    warnings.push({
      type: 'unsupported',
      feature: 'history',
      details: 'FLUX is not multi-turn; earlier turns were not sent (pass an image as a reference instead)',
    })
  }
  return body
}

function referenceFields(
  spec: FluxModelSpec,
  maxReferenceImages: number,
  references: readonly ReferenceImage[],
  warnings: ProviderWarning[],
): Record<string, string> {
  // The numbered FLUX.2 fields stop at input_image_8 whatever an override says.
  const limit = Math.min(maxReferenceImages, spec.referenceField === 'numbered_input_images' ? 8 : 1)
  if (references.length > limit) {
    warnings.push({
      type: limit === 0 ? 'unsupported' : 'adjusted',
      feature: 'referenceImages',
      details:
        limit === 0
          ? 'this FLUX model takes no reference images; they were not sent'
          : `only the first ${limit} reference image(s) were sent`,
    })
  }
  const fields: Record<string, string> = {}
  references.slice(0, limit).forEach((reference, index) => {
    const base64 = Buffer.from(reference.data).toString('base64')
    if (spec.referenceField === 'numbered_input_images') {
      fields[index === 0 ? 'input_image' : `input_image_${index + 1}`] = base64
    } else {
      fields[spec.referenceField] = base64
    }
  })
  return fields
}

interface TaskOutcome {
  fitted: FittedImage
  costCredits: number | undefined
}

async function runTask(
  settings: FluxSettings,
  body: Record<string, unknown>,
  target: PixelSize,
  outputFormat: OutputFormat,
  signal: AbortSignal,
): Promise<TaskOutcome> {
  const submitted = await submit(settings, body, signal)
  const pollingUrl = trustedPollingUrl(submitted.polling_url, submitted.id, settings.baseUrl)
  const sample = await pollUntilDone<string>({
    provider: 'flux',
    intervalMs: settings.pollIntervalMs,
    maxWaitMs: settings.maxPollWaitMs,
    signal,
    check: async function pollFluxTask() {
      const response = await settings.fetch(pollingUrl, {
        headers: { 'x-key': settings.apiKey, accept: 'application/json' },
        signal,
      })
      const responseBody = await readBody(response)
      if (!response.ok) throw fluxErrorFromResponse(response, responseBody, 'polling the task')
      const parsed = fluxPollResponseSchema.safeParse(responseBody)
      if (!parsed.success) {
        throw new ProviderError({
          provider: 'flux',
          errorClass: 'transient',
          message: 'flux: malformed get_result response (no status)',
          body: responseBody,
        })
      }
      const { status, result } = parsed.data
      if (status === FLUX_STATUS.ready) {
        if (!result?.sample) {
          throw new ProviderError({
            provider: 'flux',
            errorClass: 'task_failed',
            message: 'flux: the task is Ready but has no image in response (result.sample missing)',
            body: responseBody,
          })
        }
        return { done: true, value: result.sample }
      }
      if (
        status === FLUX_STATUS.requestModerated ||
        status === FLUX_STATUS.contentModerated ||
        status === FLUX_STATUS.error ||
        status === FLUX_STATUS.taskNotFound
      ) {
        throw fluxErrorFromStatus(status)
      }
      // `Pending` (with progress), or a status BFL may add later: keep polling until the deadline.
      return { done: false }
    },
  })
  // `result.sample` is a signed URL that lives ~10 min, fetched without credentials; when it has expired a
  // new task would succeed, so the router may try again.
  const { data } = await downloadMedia(sample, {
    provider: 'flux',
    fetch: settings.fetch,
    baseUrl: settings.baseUrl,
    what: 'result image',
    retryable: true,
    signal,
  })
  // `cover` keeps proportions: an aspect-ratio model's size may differ slightly from ours, so trim, never stretch.
  const fitted = await fitImage('flux', data, target, outputFormat)
  return { fitted, costCredits: submitted.cost }
}

async function submit(settings: FluxSettings, body: Record<string, unknown>, signal: AbortSignal) {
  const response = await settings.fetch(`${settings.baseUrl}/v1/${encodeURIComponent(settings.model)}`, {
    method: 'POST',
    headers: { 'x-key': settings.apiKey, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    signal,
  })
  const responseBody = await readBody(response)
  if (!response.ok) throw fluxErrorFromResponse(response, responseBody, 'submitting the task')
  const parsed = fluxSubmitResponseSchema.safeParse(responseBody)
  if (!parsed.success) {
    throw new ProviderError({
      provider: 'flux',
      errorClass: 'transient',
      status: response.status,
      message: 'flux: malformed submit response (no task id)',
      body: responseBody,
    })
  }
  return parsed.data
}
