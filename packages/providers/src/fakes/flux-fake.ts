/**
 * @module A contract fake of the BFL FLUX API (providers.md §3, §7.2): `POST /v1/{model}` and
 * `GET /v1/get_result?id=`, `x-key` auth on both, Pending polls then Ready with a signed-looking `result.sample`
 * on the fake itself that expires, and BFL-shaped failures selectable per test.
 *
 * Magic tokens in the prompt: `[slow:N]` N Pending polls; `[moderated]` Request Moderated; `[content-moderated]`
 * Content Moderated; `[error]` Error; `[lost]` Task not found; `[empty]` Ready without `result.sample`;
 * `[expired]` the sample URL is already expired; `[quota]` 402; `[rate-limit]` 429 with `Retry-After: 2`;
 * `[invalid]` 422; `[server-error]` 500.
 */
import { randomUUID } from 'node:crypto'
import { type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer } from './fake-server.js'
import { tinyImage } from './media.js'

export interface FluxFakeOptions {
  /** The accepted `x-key`. Defaults to `bfl-test-key`. */
  apiKey?: string
  /** `Pending` polls before `Ready` (a prompt's `[slow:N]` wins). Defaults to 1. */
  pendingPolls?: number
  /** How long a `result.sample` URL works, in ms (BFL: 10 min). Defaults to 600 000. */
  sampleTtlMs?: number
  /** In-flight tasks per key before 429 (BFL: ~24). Defaults to 24. */
  maxConcurrentTasks?: number
  /** Whether the submit response carries `cost` in credits. Defaults to true. */
  reportCost?: boolean
}

export interface FluxFake extends FakeServer {
  readonly apiKey: string
  /** Mutable knobs (same meaning as the options), read on each request. */
  readonly settings: Required<FluxFakeOptions>
  /** Makes every sample URL handed out so far expire now. */
  expireSamples(): void
}

type Sizing =
  | { kind: 'dimensions'; multiple: number; min: number; max: number; maxPixels: number }
  | {
      kind: 'aspect_ratio'
      megapixels: number
    }

interface FakeModel {
  sizing: Sizing
  credits: number
  /** Body fields that carry base64 images. */
  imageFields: readonly string[]
}

const PRO_DIMENSIONS: Sizing = {
  kind: 'dimensions',
  multiple: 32,
  min: 256,
  max: 1440,
  maxPixels: 1440 * 1440,
}
const FLUX_2_DIMENSIONS: Sizing = {
  kind: 'dimensions',
  multiple: 16,
  min: 64,
  max: 4096,
  maxPixels: 2048 * 2048,
}
const NUMBERED_INPUTS = [
  'input_image',
  ...Array.from({ length: 7 }, (_, index) => `input_image_${index + 2}`),
]

const MODELS: Record<string, FakeModel> = {
  'flux-pro-1.1': { sizing: PRO_DIMENSIONS, credits: 4, imageFields: ['image_prompt'] },
  'flux-pro-1.1-ultra': {
    sizing: { kind: 'aspect_ratio', megapixels: 4 },
    credits: 6,
    imageFields: ['image_prompt'],
  },
  'flux-kontext-pro': {
    sizing: { kind: 'aspect_ratio', megapixels: 1 },
    credits: 4,
    imageFields: ['input_image'],
  },
  'flux-kontext-max': {
    sizing: { kind: 'aspect_ratio', megapixels: 1 },
    credits: 8,
    imageFields: ['input_image'],
  },
  'flux-2-pro': { sizing: FLUX_2_DIMENSIONS, credits: 3, imageFields: NUMBERED_INPUTS },
  'flux-2-max': { sizing: FLUX_2_DIMENSIONS, credits: 7, imageFields: NUMBERED_INPUTS },
  'flux-2-flex': { sizing: FLUX_2_DIMENSIONS, credits: 5, imageFields: NUMBERED_INPUTS },
  'flux-2-klein-4b': { sizing: FLUX_2_DIMENSIONS, credits: 1.4, imageFields: NUMBERED_INPUTS.slice(0, 4) },
  'flux-2-klein-9b': { sizing: FLUX_2_DIMENSIONS, credits: 1.5, imageFields: NUMBERED_INPUTS.slice(0, 4) },
}

/** Pending tasks not polled for this long no longer hold a concurrency slot. */
const ABANDONED_AFTER_MS = 30_000

type Outcome = 'ready' | 'Request Moderated' | 'Content Moderated' | 'Error' | 'Task not found' | 'empty'

interface FakeTask {
  id: string
  pendingPolls: number
  outcome: Outcome
  width: number
  height: number
  format: 'png' | 'jpeg'
  /** Set when the task turns Ready: the sample works until then. */
  sampleExpiresAt?: number
  /** Last submit or poll: a task nobody polls for a while stops counting as in flight (abandoned). */
  lastSeenAt: number
  expired: boolean
}

const detail = (status: number, message: string, headers?: Record<string, string>): FakeResponse => ({
  status,
  json: { detail: message },
  ...(headers ? { headers } : {}),
})

function validationError(loc: string[], msg: string, type = 'value_error'): FakeResponse {
  return { status: 422, json: { detail: [{ loc: ['body', ...loc], msg, type }] } }
}

/**
 * Starts the BFL fake on a random loopback port. Point the adapter's `baseUrl` at `fake.url`.
 * @example
 * const fake = await startFluxFake({ pendingPolls: 2 })
 * const { image } = createFluxProvider({ apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 2 })
 */
export async function startFluxFake(options: FluxFakeOptions = {}): Promise<FluxFake> {
  const settings: Required<FluxFakeOptions> = {
    apiKey: options.apiKey ?? 'bfl-test-key',
    pendingPolls: options.pendingPolls ?? 1,
    sampleTtlMs: options.sampleTtlMs ?? 600_000,
    maxConcurrentTasks: options.maxConcurrentTasks ?? 24,
    reportCost: options.reportCost ?? true,
  }
  const tasks = new Map<string, FakeTask>()
  const inFlight = () => {
    const now = Date.now()
    return [...tasks.values()].filter(
      (task) => task.sampleExpiresAt === undefined && now - task.lastSeenAt < ABANDONED_AFTER_MS,
    ).length
  }

  function handle(request: RecordedRequest, fake: FakeServer): FakeResponse | Promise<FakeResponse> {
    const sample = /^\/results\/([\w-]+)\/sample\.(png|jpeg)$/.exec(request.path)
    if (request.method === 'GET' && sample) return serveSample(sample[1]!)

    // BFL checks the key on every API call, submit and poll alike (FastAPI's APIKeyHeader: 403 when missing).
    const key = request.headers['x-key']
    if (key === undefined || key === '') return detail(403, 'Not authenticated')
    if (key !== settings.apiKey) return detail(401, 'Invalid API key')

    if (request.method === 'GET' && request.path === '/v1/get_result') return poll(request)
    const submitPath = /^\/v1\/([\w.-]+)$/.exec(request.path)
    if (request.method === 'POST' && submitPath) return submit(submitPath[1]!, request, fake)
    return detail(404, 'Not Found')
  }

  function submit(modelId: string, request: RecordedRequest, fake: FakeServer): FakeResponse {
    const model = MODELS[modelId]
    if (!model) return detail(404, 'Not Found')
    const body = request.body
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return validationError([], 'Input should be a valid dictionary', 'dict_type')
    }
    const input = body as Record<string, unknown>
    const prompt = input.prompt
    if (typeof prompt !== 'string') return validationError(['prompt'], 'Field required', 'missing')

    if (prompt.includes('[quota]')) {
      return detail(402, 'Insufficient credits. Please add credits at https://dashboard.bfl.ai')
    }
    if (prompt.includes('[rate-limit]') || inFlight() >= settings.maxConcurrentTasks) {
      return detail(429, 'You have exceeded the number of allowed concurrent tasks', { 'retry-after': '2' })
    }
    if (prompt.includes('[server-error]')) return detail(500, 'Internal Server Error')
    if (prompt.includes('[invalid]')) return validationError(['prompt'], 'Value error, prompt is not allowed')

    const format = input.output_format ?? 'jpeg'
    if (format !== 'jpeg' && format !== 'png') {
      return validationError(['output_format'], "Input should be 'jpeg' or 'png'", 'enum')
    }
    if (input.seed !== undefined && !Number.isInteger(input.seed)) {
      return validationError(['seed'], 'Input should be a valid integer', 'int_type')
    }
    for (const field of Object.keys(input)) {
      if (/^(image_prompt|input_image(_\d+)?)$/.test(field) && !model.imageFields.includes(field)) {
        return validationError([field], 'Extra inputs are not permitted', 'extra_forbidden')
      }
      if (model.imageFields.includes(field) && typeof input[field] !== 'string') {
        return validationError([field], 'Input should be a valid string', 'string_type')
      }
    }
    const size = sizeFor(model.sizing, input)
    if ('problem' in size) return size.problem

    const id = randomUUID()
    const slow = /\[slow:(\d+)\]/.exec(prompt)
    tasks.set(id, {
      id,
      pendingPolls: slow ? Number(slow[1]) : settings.pendingPolls,
      outcome: outcomeFor(prompt),
      width: size.width,
      height: size.height,
      format,
      expired: prompt.includes('[expired]'),
      lastSeenAt: Date.now(),
    })
    return {
      json: {
        id,
        polling_url: `${fake.url}/v1/get_result?id=${id}`,
        ...(settings.reportCost ? { cost: model.credits } : {}),
      },
    }
  }

  function poll(request: RecordedRequest): FakeResponse {
    const id = request.url.searchParams.get('id') ?? ''
    const task = tasks.get(id)
    if (!task || task.outcome === 'Task not found') {
      return { json: { id, status: 'Task not found', result: null } }
    }
    task.lastSeenAt = Date.now()
    if (task.pendingPolls > 0) {
      task.pendingPolls--
      return { json: { id, status: 'Pending', result: null, progress: task.pendingPolls === 0 ? 0.9 : 0.4 } }
    }
    if (task.outcome !== 'ready' && task.outcome !== 'empty') {
      task.sampleExpiresAt ??= Date.now()
      return { json: { id, status: task.outcome, result: null } }
    }
    task.sampleExpiresAt ??= Date.now() + settings.sampleTtlMs
    if (task.outcome === 'empty') return { json: { id, status: 'Ready', result: { prompt: 'empty' } } }
    // Shaped like BFL's signed delivery URLs (`?se=…&sig=…`), rewritten to the fake.
    const expiry = new Date(task.sampleExpiresAt).toISOString()
    return {
      json: {
        id,
        status: 'Ready',
        result: {
          sample: `${request.url.origin}/results/${id}/sample.${task.format}?se=${encodeURIComponent(expiry)}&sig=fake`,
          seed: 42,
          start_time: 1767225600.1,
          end_time: 1767225604.9,
          duration: 4.8,
        },
      },
    }
  }

  async function serveSample(id: string): Promise<FakeResponse> {
    const task = tasks.get(id)
    if (!task || task.sampleExpiresAt === undefined) {
      return {
        status: 404,
        headers: { 'content-type': 'application/xml' },
        body: '<Error><Code>BlobNotFound</Code></Error>',
      }
    }
    if (task.expired || Date.now() >= task.sampleExpiresAt) {
      return {
        status: 403,
        headers: { 'content-type': 'application/xml' },
        body: '<Error><Code>AuthenticationFailed</Code><Message>Signed expiry time has passed</Message></Error>',
      }
    }
    const data = await tinyImage({ width: task.width, height: task.height, format: task.format })
    return { headers: { 'content-type': `image/${task.format}` }, body: data }
  }

  const server = await startFakeServer(handle)
  const resetRecorded = server.reset
  return Object.assign(server, {
    apiKey: settings.apiKey,
    settings,
    /** Also forgets every task. */
    reset() {
      resetRecorded()
      tasks.clear()
    },
    expireSamples() {
      for (const task of tasks.values()) task.expired = true
    },
  })
}

function outcomeFor(prompt: string): Outcome {
  if (prompt.includes('[content-moderated]')) return 'Content Moderated'
  if (prompt.includes('[moderated]')) return 'Request Moderated'
  if (prompt.includes('[error]')) return 'Error'
  if (prompt.includes('[lost]')) return 'Task not found'
  if (prompt.includes('[empty]')) return 'empty'
  return 'ready'
}

/** The size the model makes, or a FastAPI-style 422 for an invalid size. */
function sizeFor(
  sizing: Sizing,
  input: Record<string, unknown>,
): { width: number; height: number } | { problem: FakeResponse } {
  if (sizing.kind === 'dimensions') {
    if ('aspect_ratio' in input) {
      return {
        problem: validationError(['aspect_ratio'], 'Extra inputs are not permitted', 'extra_forbidden'),
      }
    }
    const width = input.width ?? 1024
    const height = input.height ?? 768
    for (const [name, value] of [
      ['width', width],
      ['height', height],
    ] as const) {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        return { problem: validationError([name], 'Input should be a valid integer', 'int_type') }
      }
      if (value < sizing.min || value > sizing.max || value % sizing.multiple !== 0) {
        return {
          problem: validationError(
            [name],
            `Value error, ${name} must be a multiple of ${sizing.multiple} between ${sizing.min} and ${sizing.max}`,
          ),
        }
      }
    }
    if ((width as number) * (height as number) > sizing.maxPixels) {
      return { problem: validationError(['width'], 'Value error, the image may have at most 4 megapixels') }
    }
    return { width: width as number, height: height as number }
  }
  if ('width' in input || 'height' in input) {
    return { problem: validationError(['width'], 'Extra inputs are not permitted', 'extra_forbidden') }
  }
  const ratio = input.aspect_ratio ?? '16:9'
  const match = typeof ratio === 'string' ? /^(\d+):(\d+)$/.exec(ratio) : null
  const value = match ? Number(match[1]) / Number(match[2]) : Number.NaN
  // Between 21:9 and 9:21 (providers.md §3.2).
  if (!match || !(value <= 21 / 9 + 1e-9 && value >= 9 / 21 - 1e-9)) {
    return {
      problem: validationError(['aspect_ratio'], 'Value error, aspect ratio must be between 21:9 and 9:21'),
    }
  }
  const pixels = sizing.megapixels * 1024 * 1024
  const round32 = (side: number) => Math.round(side / 32) * 32
  return { width: round32(Math.sqrt(pixels * value)), height: round32(Math.sqrt(pixels / value)) }
}
