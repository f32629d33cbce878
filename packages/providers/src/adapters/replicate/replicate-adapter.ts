/**
 * @module The `replicate` provider over REST: create a prediction with `Prefer: wait=N`, poll `urls.get` until
 * it is terminal (cancelling it when we give up), download the output files, resize to our exact pixel size.
 *
 * Not the `replicate` npm client (1.4): its `withAutomaticRetries` is always on (429 on every method, 5xx on
 * GET, `maxRetries || 5` so 0 means 5, and a thrown fetch is retried too) and fires back to back, and the
 * router owns retries (providers.md §6.4).
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
} from '../../types.js'
import { type AdapterConfig, fetchFor, withOverrides } from '../adapter-config.js'
import { convertedWarning, fitImage, resizedWarning, toDataUrl } from '../image-output.js'
import {
  outputSource,
  REPLICATE_TERMINAL_STATUSES,
  type ReplicatePrediction,
  replicateOutputUrls,
  replicatePredictionSchema,
  trustedApiUrl,
} from './replicate-api.js'
import { replicateErrorFromPrediction, replicateErrorFromResponse } from './replicate-error.js'
import {
  nearestAspectRatio,
  REPLICATE_DEFAULT_MODEL,
  type ReplicateModelId,
  type ReplicateModelSpec,
  type ReplicateOutputFormat,
  replicateCustomSize,
  replicateModelSpec,
} from './replicate-options.js'

/** Replicate's API root, with its `/v1`. */
export const REPLICATE_DEFAULT_BASE_URL = 'https://api.replicate.com/v1'
/** The official JS client polls every 500 ms (providers.md §6.4). */
export const REPLICATE_DEFAULT_POLL_INTERVAL_MS = 500
export const REPLICATE_DEFAULT_MAX_POLL_WAIT_MS = 120_000
/** Seconds a create may block for a finished prediction (`Prefer: wait=N`, 1–60). */
export const REPLICATE_DEFAULT_PREFER_WAIT_SECONDS = 30
/** How long a best-effort cancel may take after we gave up on a prediction. */
const CANCEL_TIMEOUT_MS = 2_000

export interface ReplicateProviderConfig extends AdapterConfig {
  /** `owner/name` (official model endpoint) or `owner/name:version` (pinned version). */
  model?: ReplicateModelId
  /** `Prefer: wait=N` on create, 1–60 s; 0 turns sync mode off. Defaults to 30. */
  preferWaitSeconds?: number
}

const REPLICATE_FORMATS: Record<OutputFormat, ReplicateOutputFormat> = {
  png: 'png',
  jpeg: 'jpg',
  webp: 'webp',
}
const MODEL_PATTERN = /^([\w.-]+)\/([\w.-]+)(?::([\w.-]+))?$/

/**
 * Creates the `replicate` image provider. Models taking `num_outputs` make `count` images in one prediction;
 * others get `count` parallel predictions (with `seed`, prediction i gets `seed + i`). Outputs are resized to
 * our exact pixel size when the model made another (an `adjusted` warning).
 * @example
 * const { image } = createReplicateProvider({ apiKey: process.env.PROVIDER_REPLICATE_API_KEY!,
 *   model: 'google/nano-banana' })
 * const result = await image.generateImage({ prompt: 'a lighthouse at dusk', resolution: '1K',
 *   aspectRatio: '16:9', count: 1, outputFormat: 'png', referenceImages: [], searchGrounding: false })
 */
export function createReplicateProvider(config: ReplicateProviderConfig): { image: ImageProvider } {
  const model = config.model ?? REPLICATE_DEFAULT_MODEL
  const spec = replicateModelSpec(model)
  const capabilities = withOverrides(spec.capabilities, config.overrides?.capabilities)
  const pricing = withOverrides(spec.pricing, config.overrides?.pricing)
  const profile = withOverrides(spec.profile, config.overrides?.profile)
  const preferWait = config.preferWaitSeconds ?? REPLICATE_DEFAULT_PREFER_WAIT_SECONDS
  const settings: ReplicateSettings = {
    apiKey: config.apiKey,
    baseUrl: (config.baseUrl ?? REPLICATE_DEFAULT_BASE_URL).replace(/\/+$/, ''),
    fetch: fetchFor(config),
    model,
    spec,
    maxReferenceImages: capabilities.maxReferenceImages,
    pricing,
    pollIntervalMs: config.pollIntervalMs ?? REPLICATE_DEFAULT_POLL_INTERVAL_MS,
    maxPollWaitMs: config.maxPollWaitMs ?? REPLICATE_DEFAULT_MAX_POLL_WAIT_MS,
    preferWaitSeconds: preferWait > 0 ? Math.min(60, Math.max(1, Math.ceil(preferWait))) : 0,
  }
  const image: ImageProvider = {
    specificationVersion: 'v1',
    name: 'replicate',
    defaultModel: model,
    capabilities,
    pricing,
    profile,
    generateImage: (request, options) => generateReplicateImages(settings, request, options?.signal),
  }
  return { image }
}

interface ReplicateSettings {
  apiKey: string
  baseUrl: string
  fetch: typeof globalThis.fetch
  model: string
  spec: ReplicateModelSpec
  maxReferenceImages: number
  pricing: ProviderPricing
  pollIntervalMs: number
  maxPollWaitMs: number
  preferWaitSeconds: number
}

function invalid(message: string): ProviderError {
  return new ProviderError({ provider: 'replicate', errorClass: 'invalid_request', message })
}

async function generateReplicateImages(
  settings: ReplicateSettings,
  request: ImageGenerationRequest,
  signal: AbortSignal | undefined,
): Promise<ImageGenerationResult> {
  if (!Number.isInteger(request.count) || request.count < 1 || request.count > 4) {
    throw invalid('replicate: count must be an integer from 1 to 4')
  }
  if (!MODEL_PATTERN.test(settings.model)) {
    throw invalid('replicate: the model must be "owner/name" or "owner/name:version"')
  }
  const warnings: ProviderWarning[] = []
  const target = pixelSize(request.resolution, request.aspectRatio)
  const input = buildInput(settings, request, target, warnings)
  const { batch } = settings.spec
  const inputs =
    batch && request.count <= batch.max
      ? [request.count > 1 ? { ...input, [batch.field]: request.count } : input]
      : Array.from({ length: request.count }, (_, index) =>
          index === 0 || input.seed === undefined
            ? input
            : { ...input, seed: (input.seed as number) + index },
        )

  // One attempt = every prediction; the first failure aborts (and cancels) the others.
  const outputs = await allOrAbort(inputs, signal, async (predictionInput, batchSignal) => {
    const urls = await runPrediction(settings, predictionInput, batchSignal)
    return Promise.all(urls.map((url) => downloadOutput(settings, url, batchSignal)))
  }).catch((error: unknown) => {
    throw providerErrorFromThrown('replicate', error, signal)
  })
  const files = outputs.flat()
  if (files.length < request.count) {
    warnings.push({
      type: 'adjusted',
      feature: 'count',
      details: `${settings.model} returned ${files.length} of ${request.count} images`,
    })
  }
  // `cover` keeps proportions: a model's own size for a ratio may differ slightly from ours, so trim, never stretch.
  const fitted = await Promise.all(
    files.slice(0, request.count).map((file) => fitImage('replicate', file, target, request.outputFormat)),
  )
  for (const warning of [
    resizedWarning(fitted, target, settings.model),
    convertedWarning(fitted, request.outputFormat, settings.model),
  ]) {
    if (warning) warnings.push(warning)
  }
  return {
    images: fitted.map((item) => item.image),
    model: settings.model,
    costUsd: Math.round(settings.pricing.perImageUsd[request.resolution] * fitted.length * 1e6) / 1e6,
    warnings,
  }
}

function buildInput(
  settings: ReplicateSettings,
  request: ImageGenerationRequest,
  target: PixelSize,
  warnings: ProviderWarning[],
): Record<string, unknown> {
  const { spec } = settings
  const input: Record<string, unknown> = { prompt: request.prompt }
  if (spec.customSize) {
    const size = replicateCustomSize(target, spec.customSize)
    Object.assign(input, { aspect_ratio: 'custom', width: size.width, height: size.height })
  } else if (spec.aspectRatios.includes(request.aspectRatio)) {
    input.aspect_ratio = request.aspectRatio
  } else {
    const nearest = nearestAspectRatio(request.aspectRatio, spec.aspectRatios)
    if (nearest !== undefined) input.aspect_ratio = nearest
    warnings.push({
      type: 'adjusted',
      feature: 'aspectRatio',
      details: `${settings.model} has no ${request.aspectRatio}; made ${nearest ?? 'its default'} and cropped`,
    })
  }
  if (request.seed !== undefined) {
    if (spec.seed) input.seed = request.seed
    else warnings.push({ type: 'unsupported', feature: 'seed', details: `${settings.model} takes no seed` })
  }
  const wanted = REPLICATE_FORMATS[request.outputFormat]
  // A format the model cannot encode is asked as png (lossless) and converted (finishImage warns).
  input.output_format = spec.outputFormats.includes(wanted) ? wanted : 'png'
  Object.assign(input, spec.fixedInput)

  const references = request.referenceImages
  const reference = spec.referenceInput
  const limit = reference ? Math.min(settings.maxReferenceImages, reference.kind === 'single' ? 1 : 16) : 0
  if (references.length > limit) {
    warnings.push({
      type: limit === 0 ? 'unsupported' : 'adjusted',
      feature: 'referenceImages',
      details:
        limit === 0
          ? `${settings.model} takes no reference images; they were not sent`
          : `only the first ${limit} reference image(s) were sent`,
    })
  }
  const dataUris = references.slice(0, limit).map(toDataUrl)
  if (reference && dataUris.length > 0) {
    input[reference.field] = reference.kind === 'single' ? dataUris[0] : dataUris
  }

  if (request.negativePrompt !== undefined && request.negativePrompt !== '') {
    warnings.push({ type: 'unsupported', feature: 'negativePrompt', details: `${settings.model} has none` })
  }
  if (request.searchGrounding) warnings.push({ type: 'unsupported', feature: 'searchGrounding' })
  if (request.history !== undefined && request.history.length > 0) {
    warnings.push({
      type: 'unsupported',
      feature: 'history',
      details: 'Replicate models here are not multi-turn; earlier turns were not sent',
    })
  }
  return input
}

function authHeaders(settings: ReplicateSettings): Record<string, string> {
  return { authorization: `Bearer ${settings.apiKey}`, accept: 'application/json' }
}

/** Creates the prediction and waits for a terminal status; the output URLs of a success. */
async function runPrediction(
  settings: ReplicateSettings,
  input: Record<string, unknown>,
  signal: AbortSignal,
): Promise<string[]> {
  let prediction = await createPrediction(settings, input, signal)
  if (!REPLICATE_TERMINAL_STATUSES.has(prediction.status)) {
    const created = prediction
    const getUrl = trustedApiUrl(
      created.urls?.get,
      `${settings.baseUrl}/predictions/${encodeURIComponent(created.id)}`,
      settings.baseUrl,
    )
    try {
      prediction = await pollUntilDone<ReplicatePrediction>({
        provider: 'replicate',
        intervalMs: settings.pollIntervalMs,
        maxWaitMs: settings.maxPollWaitMs,
        signal,
        check: async function pollReplicatePrediction() {
          const current = await getPrediction(settings, getUrl, signal)
          return REPLICATE_TERMINAL_STATUSES.has(current.status)
            ? { done: true, value: current }
            : { done: false }
        },
      })
    } catch (error) {
      // We are giving up on a prediction that still runs (and bills): cancel it, best effort.
      await cancelPrediction(settings, created)
      throw error
    }
  }
  if (prediction.status !== 'succeeded') throw replicateErrorFromPrediction(prediction)
  const urls = replicateOutputUrls(prediction.output)
  if (urls.length === 0) {
    throw new ProviderError({
      provider: 'replicate',
      errorClass: 'task_failed',
      message: prediction.data_removed
        ? 'replicate: the prediction output was removed (Replicate deletes API outputs after 1 hour)'
        : 'replicate: the prediction succeeded with no image in response (empty output)',
      body: { id: prediction.id, status: prediction.status },
    })
  }
  return urls
}

async function createPrediction(
  settings: ReplicateSettings,
  input: Record<string, unknown>,
  signal: AbortSignal,
): Promise<ReplicatePrediction> {
  const [, owner, name, version] = MODEL_PATTERN.exec(settings.model)!
  const url = version
    ? `${settings.baseUrl}/predictions`
    : `${settings.baseUrl}/models/${owner}/${name}/predictions`
  const headers: Record<string, string> = { ...authHeaders(settings), 'content-type': 'application/json' }
  if (settings.preferWaitSeconds > 0) headers.prefer = `wait=${settings.preferWaitSeconds}`
  const response = await settings.fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify(version ? { version, input } : { input }),
    signal,
  })
  return parsePrediction(response, await readBody(response), 'creating the prediction')
}

async function getPrediction(
  settings: ReplicateSettings,
  url: string,
  signal: AbortSignal,
): Promise<ReplicatePrediction> {
  const response = await settings.fetch(url, { headers: authHeaders(settings), signal })
  return parsePrediction(response, await readBody(response), 'polling the prediction')
}

function parsePrediction(response: Response, body: unknown, what: string): ReplicatePrediction {
  if (!response.ok) throw replicateErrorFromResponse(response, body, what)
  const parsed = replicatePredictionSchema.safeParse(body)
  if (!parsed.success) {
    throw new ProviderError({
      provider: 'replicate',
      errorClass: 'transient',
      status: response.status,
      message: `replicate: ${what} returned a malformed prediction (no id or status)`,
    })
  }
  return parsed.data
}

/** `POST /predictions/{id}/cancel`, never throwing: the caller already has the error to report. */
async function cancelPrediction(settings: ReplicateSettings, prediction: ReplicatePrediction): Promise<void> {
  const url = trustedApiUrl(
    prediction.urls?.cancel,
    `${settings.baseUrl}/predictions/${encodeURIComponent(prediction.id)}/cancel`,
    settings.baseUrl,
  )
  try {
    const response = await settings.fetch(url, {
      method: 'POST',
      headers: authHeaders(settings),
      signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS),
    })
    await response.arrayBuffer().catch(() => undefined)
  } catch {
    // Best effort: a cancel that fails leaves the prediction to finish on its own.
  }
}

/**
 * An output file's bytes: a `data:` URI decoded in place, else downloaded (the token only to the configured
 * origin). Outputs are deleted an hour after the prediction, so a failed download is retryable: a new
 * prediction would succeed.
 */
async function downloadOutput(
  settings: ReplicateSettings,
  value: string,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const source = outputSource(value, settings.baseUrl)
  if (!source) {
    throw new ProviderError({
      provider: 'replicate',
      errorClass: 'task_failed',
      message: 'replicate: an output is neither an https URL nor a data: URI; not downloaded',
    })
  }
  if (source.kind === 'data') return source.data
  const { data } = await downloadMedia(source.url.href, {
    provider: 'replicate',
    fetch: settings.fetch,
    baseUrl: settings.baseUrl,
    what: 'output file',
    credentials: () => ({ authorization: `Bearer ${settings.apiKey}` }),
    retryable: true,
    signal,
  })
  return data
}
