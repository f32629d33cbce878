/**
 * @module A contract fake of Replicate's prediction API (providers.md §6, §7.2): model and version creates
 * honouring `Prefer: wait[=N]`, `GET /v1/predictions/{id}` (starting → processing → succeeded), cancel, output
 * as a string or an array per model, output files on the fake that expire (`data_removed`), Bearer auth.
 *
 * Magic tokens in the prompt: `[slow:N]` N in-progress polls; `[nsfw]` fails with an E005 "flagged as
 * sensitive" error; `[fail]` fails with a non-safety error; `[canceled]` ends canceled; `[empty]` succeeds with
 * null output; `[expired]` the output is already removed; `[throttle]` 429 "Request was throttled…";
 * `[quota]` 402; `[invalid]` 422; `[server-error]` 500.
 */
import { randomBytes } from 'node:crypto'
import { type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer } from './fake-server.js'
import { tinyImage } from './media.js'

export interface ReplicateFakeOptions {
  /** The accepted Bearer token. Defaults to `r8_test_token`. */
  apiKey?: string
  /** In-progress `GET`s before a prediction ends (a prompt's `[slow:N]` wins). Defaults to 0. */
  pendingPolls?: number
  /** How long a finished prediction's output lasts, in ms (Replicate: 1 h). Defaults to 3 600 000. */
  outputTtlMs?: number
  /** How long a prediction runs, in ms; a create holds up to `min(this, wait)` for `Prefer: wait`. Defaults to 5. */
  runMs?: number
}

export interface ReplicateFake extends FakeServer {
  readonly apiKey: string
  /** Mutable knobs (same meaning as the options), read on each request. */
  readonly settings: Required<ReplicateFakeOptions>
  /** Removes every output now, as Replicate does after an hour. */
  expireOutputs(): void
}

interface FakeModel {
  output: 'string' | 'array'
  aspectRatios: readonly string[]
  outputFormats: readonly string[]
  defaultFormat: string
  /** Input fields that take image URIs (and whether as an array). */
  imageFields: Readonly<Record<string, 'single' | 'array'>>
  customSize: boolean
  batch: boolean
}

const FLUX_RATIOS = ['1:1', '16:9', '3:2', '2:3', '4:5', '5:4', '9:16', '3:4', '4:3']

const MODELS: Record<string, FakeModel> = {
  'black-forest-labs/flux-1.1-pro': {
    output: 'string',
    aspectRatios: ['custom', ...FLUX_RATIOS],
    outputFormats: ['webp', 'jpg', 'png'],
    defaultFormat: 'webp',
    imageFields: { image_prompt: 'single' },
    customSize: true,
    batch: false,
  },
  'google/nano-banana': {
    output: 'string',
    aspectRatios: ['match_input_image', ...FLUX_RATIOS, '21:9'],
    outputFormats: ['jpg', 'png'],
    defaultFormat: 'jpg',
    imageFields: { image_input: 'array' },
    customSize: false,
    batch: false,
  },
  'black-forest-labs/flux-schnell': {
    output: 'array',
    aspectRatios: [...FLUX_RATIOS, '21:9', '9:21'],
    outputFormats: ['webp', 'jpg', 'png'],
    defaultFormat: 'webp',
    imageFields: {},
    customSize: false,
    batch: true,
  },
}

/** Pinned-version creates (`POST /v1/predictions`) run as this model. */
const VERSION_MODEL = 'black-forest-labs/flux-1.1-pro'

type Ending = 'succeeded' | 'nsfw' | 'fail' | 'canceled' | 'empty'

interface FakePrediction {
  id: string
  model: string
  version: string
  input: Record<string, unknown>
  status: 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled'
  ending: Ending
  remainingPolls: number
  files: { width: number; height: number; format: 'png' | 'jpeg' | 'webp'; extension: string }[]
  output: unknown
  error: string | null
  completedAt?: number
  removed: boolean
  createdAt: string
}

const problem = (status: number, title: string, detail: string, extra: Record<string, unknown> = {}) => ({
  status,
  json: { title, detail, status, ...extra },
})

/**
 * Starts the Replicate fake on a random loopback port. Point the adapter's `baseUrl` at `${fake.url}/v1`.
 * @example
 * const fake = await startReplicateFake({ pendingPolls: 2 })
 * const { image } = createReplicateProvider({ apiKey: fake.apiKey, baseUrl: `${fake.url}/v1`, pollIntervalMs: 2 })
 */
export async function startReplicateFake(options: ReplicateFakeOptions = {}): Promise<ReplicateFake> {
  const settings: Required<ReplicateFakeOptions> = {
    apiKey: options.apiKey ?? 'r8_test_token',
    pendingPolls: options.pendingPolls ?? 0,
    outputTtlMs: options.outputTtlMs ?? 3_600_000,
    runMs: options.runMs ?? 5,
  }
  const predictions = new Map<string, FakePrediction>()

  async function handle(request: RecordedRequest, fake: FakeServer): Promise<FakeResponse> {
    const file = /^\/files\/(\w+)\/out-(\d+)\.(\w+)$/.exec(request.path)
    if (request.method === 'GET' && file) return serveFile(file[1]!, Number(file[2]))

    if (request.headers.authorization !== `Bearer ${settings.apiKey}`) {
      return problem(401, 'Unauthenticated', 'You did not pass a valid authentication token')
    }
    const modelCreate = /^\/v1\/models\/([\w.-]+)\/([\w.-]+)\/predictions$/.exec(request.path)
    if (request.method === 'POST' && modelCreate) {
      return create(`${modelCreate[1]}/${modelCreate[2]}`, request, fake)
    }
    if (request.method === 'POST' && request.path === '/v1/predictions') {
      const version = (request.body as { version?: unknown } | undefined)?.version
      if (typeof version !== 'string' || version === '') {
        return problem(422, 'Input validation failed', '- version: version is required')
      }
      return create(VERSION_MODEL, request, fake, version)
    }
    const get = /^\/v1\/predictions\/(\w+)$/.exec(request.path)
    if (request.method === 'GET' && get) return poll(get[1]!, fake)
    const cancel = /^\/v1\/predictions\/(\w+)\/cancel$/.exec(request.path)
    if (request.method === 'POST' && cancel) return cancelPrediction(cancel[1]!, fake)
    return { status: 404, json: { detail: 'Not found.', status: 404 } }
  }

  async function create(
    modelName: string,
    request: RecordedRequest,
    fake: FakeServer,
    version = 'hidden',
  ): Promise<FakeResponse> {
    const model = MODELS[modelName]
    if (!model) return problem(404, 'Not found', 'The requested resource could not be found.')
    const input = (request.body as { input?: unknown } | undefined)?.input
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      return problem(422, 'Input validation failed', '- input: input is required', {
        invalid_fields: [{ type: 'required', field: 'input', description: 'input is required' }],
      })
    }
    const fields = input as Record<string, unknown>
    const prompt = fields.prompt
    if (typeof prompt !== 'string' || prompt === '') {
      return invalidField('prompt', 'prompt is required')
    }
    if (prompt.includes('[throttle]')) {
      return {
        status: 429,
        json: { detail: 'Request was throttled. Your rate limit resets in ~30s.', status: 429 },
      }
    }
    if (prompt.includes('[quota]')) {
      return problem(
        402,
        'Insufficient credit',
        'You have insufficient credit to run this model. Go to https://replicate.com/account/billing#billing to purchase credit.',
      )
    }
    if (prompt.includes('[server-error]')) return { status: 500, json: { detail: 'Internal server error' } }
    if (prompt.includes('[invalid]')) return invalidField('prompt', 'prompt contains a forbidden word')

    const problemResponse = validateInput(model, fields)
    if (problemResponse) return problemResponse

    const format = String(fields.output_format ?? model.defaultFormat)
    const sharpFormat = format === 'jpg' ? 'jpeg' : (format as 'png' | 'webp')
    const size = outputSize(model, fields)
    const count = model.batch ? Number(fields.num_outputs ?? 1) : 1
    const slow = /\[slow:(\d+)\]/.exec(prompt)
    const id = randomBytes(13).toString('hex').slice(0, 26)
    const prediction: FakePrediction = {
      id,
      model: modelName,
      version,
      input: fields,
      status: 'starting',
      ending: endingFor(prompt),
      remainingPolls: slow ? Number(slow[1]) : settings.pendingPolls,
      files: Array.from({ length: count }, () => ({ ...size, format: sharpFormat, extension: format })),
      output: null,
      error: null,
      removed: prompt.includes('[expired]'),
      createdAt: new Date().toISOString(),
    }
    predictions.set(id, prediction)

    const wait = preferWaitSeconds(request.headers.prefer)
    if (wait !== undefined && prediction.remainingPolls === 0) {
      // Sync mode: hold the request while the prediction runs, up to the wait.
      await new Promise((resolve) => setTimeout(resolve, Math.min(settings.runMs, wait * 1000)))
      if (settings.runMs <= wait * 1000) finish(prediction, fake)
    }
    return { status: 201, json: view(prediction, fake) }
  }

  function poll(id: string, fake: FakeServer): FakeResponse {
    const prediction = predictions.get(id)
    if (!prediction) return { status: 404, json: { detail: 'Not found.', status: 404 } }
    if (prediction.status === 'starting' || prediction.status === 'processing') {
      if (prediction.remainingPolls > 0) {
        prediction.remainingPolls--
        prediction.status = 'processing'
      } else {
        finish(prediction, fake)
      }
    }
    return { json: view(prediction, fake) }
  }

  function cancelPrediction(id: string, fake: FakeServer): FakeResponse {
    const prediction = predictions.get(id)
    if (!prediction) return { status: 404, json: { detail: 'Not found.', status: 404 } }
    if (prediction.status === 'starting' || prediction.status === 'processing') {
      prediction.status = 'canceled'
      prediction.completedAt = Date.now()
    }
    return { json: view(prediction, fake) }
  }

  function finish(prediction: FakePrediction, fake: FakeServer): void {
    prediction.completedAt = Date.now()
    switch (prediction.ending) {
      case 'nsfw':
        prediction.status = 'failed'
        prediction.error =
          'The input or output was flagged as sensitive. Please try again with different inputs. (E005)'
        return
      case 'fail':
        prediction.status = 'failed'
        prediction.error = 'CUDA error: out of memory'
        return
      case 'canceled':
        prediction.status = 'canceled'
        return
      case 'empty':
        prediction.status = 'succeeded'
        prediction.output = null
        return
      case 'succeeded': {
        prediction.status = 'succeeded'
        // Rewritten from https://replicate.delivery/… to the fake.
        const urls = prediction.files.map(
          (file, index) => `${fake.url}/files/${prediction.id}/out-${index}.${file.extension}`,
        )
        prediction.output = MODELS[prediction.model]?.output === 'array' ? urls : urls[0]
      }
    }
  }

  function isRemoved(prediction: FakePrediction): boolean {
    return (
      prediction.removed ||
      (prediction.completedAt !== undefined && Date.now() >= prediction.completedAt + settings.outputTtlMs)
    )
  }

  function view(prediction: FakePrediction, fake: FakeServer): Record<string, unknown> {
    const removed = prediction.status === 'succeeded' && isRemoved(prediction)
    const base = `${fake.url}/v1/predictions/${prediction.id}`
    return {
      id: prediction.id,
      model: prediction.model,
      version: prediction.version,
      input: removed ? {} : prediction.input,
      logs: '',
      output: removed ? null : prediction.output,
      data_removed: removed,
      error: prediction.error,
      status: prediction.status,
      created_at: prediction.createdAt,
      started_at: prediction.status === 'starting' ? null : prediction.createdAt,
      completed_at:
        prediction.completedAt === undefined ? null : new Date(prediction.completedAt).toISOString(),
      metrics: prediction.completedAt === undefined ? {} : { predict_time: 0.005 },
      urls: {
        get: base,
        cancel: `${base}/cancel`,
        stream: `${fake.url}/stream/${prediction.id}`,
        web: `${fake.url}/p/${prediction.id}`,
      },
    }
  }

  async function serveFile(id: string, index: number): Promise<FakeResponse> {
    const prediction = predictions.get(id)
    const file = prediction?.files[index]
    if (!prediction || !file || prediction.status !== 'succeeded' || isRemoved(prediction)) {
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' }
    }
    const data = await tinyImage({ width: file.width, height: file.height, format: file.format })
    return { headers: { 'content-type': `image/${file.format}` }, body: data }
  }

  const server = await startFakeServer(handle)
  const resetRecorded = server.reset
  return Object.assign(server, {
    apiKey: settings.apiKey,
    settings,
    /** Also forgets every prediction. */
    reset() {
      resetRecorded()
      predictions.clear()
    },
    expireOutputs() {
      for (const prediction of predictions.values()) prediction.removed = true
    },
  })
}

function invalidField(field: string, description: string): FakeResponse {
  return problem(422, 'Input validation failed', `- input.${field}: ${description}`, {
    invalid_fields: [{ type: 'invalid', field: `input.${field}`, description }],
  })
}

function validateInput(model: FakeModel, input: Record<string, unknown>): FakeResponse | undefined {
  const ratio = input.aspect_ratio
  if (ratio !== undefined && (typeof ratio !== 'string' || !model.aspectRatios.includes(ratio))) {
    return invalidField('aspect_ratio', `aspect_ratio must be one of: ${model.aspectRatios.join(', ')}`)
  }
  if (ratio === 'custom') {
    for (const side of ['width', 'height'] as const) {
      const value = input[side]
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 256 || value > 1440) {
        return invalidField(side, `${side} must be an integer from 256 to 1440`)
      }
    }
  }
  const format = input.output_format
  if (format !== undefined && (typeof format !== 'string' || !model.outputFormats.includes(format))) {
    return invalidField('output_format', `output_format must be one of: ${model.outputFormats.join(', ')}`)
  }
  if (input.seed !== undefined && !Number.isInteger(input.seed)) {
    return invalidField('seed', 'seed must be an integer')
  }
  if (input.num_outputs !== undefined) {
    const count = input.num_outputs
    if (!model.batch || typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 4) {
      return invalidField('num_outputs', 'num_outputs must be an integer from 1 to 4')
    }
  }
  for (const [field, kind] of Object.entries(model.imageFields)) {
    const value = input[field]
    if (value === undefined) continue
    const uris = kind === 'array' ? value : [value]
    if (
      !Array.isArray(uris) ||
      !uris.every((uri) => typeof uri === 'string' && /^(https?:|data:)/.test(uri))
    ) {
      return invalidField(field, `${field} must be ${kind === 'array' ? 'an array of URIs' : 'a URI'}`)
    }
  }
  return undefined
}

/** ~1 MP at the aspect ratio, sides rounded to 32 (the FLUX / Gemini 2.5 behaviour), or the custom size. */
function outputSize(model: FakeModel, input: Record<string, unknown>): { width: number; height: number } {
  if (model.customSize && input.aspect_ratio === 'custom') {
    return { width: input.width as number, height: input.height as number }
  }
  const match = /^(\d+):(\d+)$/.exec(String(input.aspect_ratio ?? '1:1'))
  const ratio = match ? Number(match[1]) / Number(match[2]) : 1
  const round32 = (side: number) => Math.round(side / 32) * 32
  return { width: round32(Math.sqrt(1024 * 1024 * ratio)), height: round32(Math.sqrt((1024 * 1024) / ratio)) }
}

function endingFor(prompt: string): Ending {
  if (prompt.includes('[nsfw]')) return 'nsfw'
  if (prompt.includes('[fail]')) return 'fail'
  if (prompt.includes('[canceled]')) return 'canceled'
  if (prompt.includes('[empty]')) return 'empty'
  return 'succeeded'
}

/** `Prefer: wait` → 60, `Prefer: wait=N` → N (1–60); anything else → no sync wait. */
function preferWaitSeconds(header: string | undefined): number | undefined {
  const match = /(?:^|[,;\s])wait(?:=(\d+))?(?:$|[,;\s])/.exec(header ?? '')
  if (!match) return undefined
  const seconds = match[1] === undefined ? 60 : Number(match[1])
  return seconds >= 1 && seconds <= 60 ? seconds : undefined
}
