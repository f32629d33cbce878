/**
 * @module A contract fake of the OpenAI Images API (providers.md §2, §7.2): `POST /v1/images/generations`
 * (JSON) and `POST /v1/images/edits` (multipart), Bearer auth, the real field validation (model, size,
 * quality, n, response_format / output_format per model family), `b64_json` + `usage`, `x-request-id`, and
 * provider-shaped failures chosen by a magic token in the prompt or by `inject`. The happy path is cheap (the
 * benchmark's zero-latency upstream): images and their base64 are made once per (size, format) and reused.
 */
import {
  type FakeResponse,
  type FakeServer,
  type Injection,
  type RecordedRequest,
  startFakeServer,
} from './fake-server.js'
import { tinyImage } from './media.js'

export interface OpenAIFakeOptions {
  /** The key the fake accepts. Defaults to `sk-test-openai-fake-0123456789`. */
  apiKey?: string
  /** Wait this long before answering every request (a slow upstream). Defaults to 0. */
  latencyMs?: number
  /** `Retry-After` seconds on the `[rate_limited]` 429; `null` sends no header (its presence is unverified). */
  retryAfterSeconds?: number | null
}

/** One `/images/edits` request as the fake parsed it: text fields and the file parts that arrived. */
export interface OpenAIFakeEdit {
  fields: Record<string, string>
  files: { field: string; filename: string; type: string; size: number }[]
}

export interface OpenAIFake extends FakeServer {
  readonly apiKey: string
  /** What an adapter takes as its base URL: `<url>/v1`. */
  readonly baseUrl: string
  /** Parsed multipart edits, in arrival order (cleared by `reset`). */
  readonly edits: OpenAIFakeEdit[]
}

interface FakeModel {
  family: 'gpt-image' | 'dall-e-3' | 'dall-e-2'
  sizes: readonly string[]
  qualities: readonly string[]
  maxN: number
  maxPromptLength: number
}

const GPT_IMAGE: FakeModel = {
  family: 'gpt-image',
  sizes: ['1024x1024', '1536x1024', '1024x1536', 'auto'],
  qualities: ['low', 'medium', 'high', 'auto'],
  maxN: 10,
  maxPromptLength: 32_000,
}

/** The models the fake knows (providers.md §2.1-2.2). */
export const OPENAI_FAKE_MODELS: Readonly<Record<string, FakeModel>> = {
  'gpt-image-1': GPT_IMAGE,
  'gpt-image-1-mini': GPT_IMAGE,
  'gpt-image-1.5': GPT_IMAGE,
  'dall-e-3': {
    family: 'dall-e-3',
    sizes: ['1024x1024', '1792x1024', '1024x1792'],
    qualities: ['standard', 'hd'],
    maxN: 1,
    maxPromptLength: 4000,
  },
  'dall-e-2': {
    family: 'dall-e-2',
    sizes: ['256x256', '512x512', '1024x1024'],
    qualities: ['standard'],
    maxN: 10,
    maxPromptLength: 1000,
  },
}

// gpt-image-1 output tokens per image (providers.md §2.6): square / non-square per quality.
const OUTPUT_TOKENS: Record<string, [number, number]> = {
  low: [272, 408],
  medium: [1056, 1584],
  high: [4160, 6240],
}
const INPUT_IMAGE_TOKENS = 388

const FORMATS = ['png', 'jpeg', 'webp'] as const
type Format = (typeof FORMATS)[number]

function errorResponse(
  status: number,
  error: { message: string; type: string; code: string | null; param?: string | null },
  headers: Record<string, string> = {},
): FakeResponse {
  return {
    status,
    headers,
    json: {
      error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code },
    },
  }
}

const invalid = (message: string, param: string | null, code: string | null = 'invalid_value') =>
  errorResponse(400, { message, type: 'invalid_request_error', code, param })

/** Provider-shaped failures for `fake.inject(...)` (the same bodies the magic prompt tokens produce). */
export const openAIFakeInjections = {
  rateLimited(retryAfterSeconds: number | null = 2): Injection {
    return { kind: 'status', status: 429, ...rateLimited(retryAfterSeconds) }
  },
  insufficientQuota(): Injection {
    return { kind: 'status', status: 429, json: insufficientQuotaBody() }
  },
  billingHardLimit(): Injection {
    return { kind: 'status', status: 400, json: billingLimitBody() }
  },
  moderationBlocked(): Injection {
    return { kind: 'status', status: 400, json: moderationBody('gpt-image') }
  },
  serverError(status = 500): Injection {
    return { kind: 'status', status, json: serverErrorBody() }
  },
} as const

function rateLimited(retryAfterSeconds: number | null): { json: unknown; headers: Record<string, string> } {
  return {
    headers: retryAfterSeconds === null ? {} : { 'retry-after': String(retryAfterSeconds) },
    json: {
      error: {
        message: `Rate limit reached for images per minute. Please try again in ${retryAfterSeconds ?? 1}s.`,
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    },
  }
}

function insufficientQuotaBody() {
  return {
    error: {
      message: 'You exceeded your current quota, please check your plan and billing details.',
      type: 'insufficient_quota',
      param: null,
      code: 'insufficient_quota',
    },
  }
}

function billingLimitBody() {
  return {
    error: {
      message: 'Billing hard limit has been reached',
      type: 'invalid_request_error',
      param: null,
      code: 'billing_hard_limit_reached',
    },
  }
}

function moderationBody(family: FakeModel['family']) {
  return family === 'gpt-image'
    ? {
        error: {
          message:
            'Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com.',
          type: 'image_generation_user_error',
          param: null,
          code: 'moderation_blocked',
          moderation_details: { moderation_stage: 'input', categories: ['violence'] },
        },
      }
    : {
        error: {
          message: 'Your request was rejected as a result of our safety system.',
          type: 'invalid_request_error',
          param: null,
          code: 'content_policy_violation',
        },
      }
}

function serverErrorBody() {
  return {
    error: {
      message: 'The server had an error while processing your request. Sorry about that!',
      type: 'server_error',
      param: null,
      code: null,
    },
  }
}

/**
 * Starts the OpenAI fake on 127.0.0.1 (random port); point an adapter at `fake.baseUrl`.
 *
 * Magic prompt tokens: `[rate_limited]` (429 `rate_limit_exceeded` + Retry-After), `[insufficient_quota]`
 * (429), `[billing_limit]` (400 `billing_hard_limit_reached`), `[moderated]` (400 `moderation_blocked`, DALL·E:
 * `content_policy_violation`), `[server_error]` (500), `[empty]` (200 with `data: []`), `[corrupt]` (200 with
 * bytes that are not an image), `[hang]` (never answers). Resets and other statuses: `inject`.
 * @example
 * const fake = await startOpenAIFake()
 * const { image } = createOpenAIProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl })
 */
export async function startOpenAIFake(options: OpenAIFakeOptions = {}): Promise<OpenAIFake> {
  const apiKey = options.apiKey ?? 'sk-test-openai-fake-0123456789'
  const latencyMs = options.latencyMs ?? 0
  const retryAfterSeconds = options.retryAfterSeconds === undefined ? 2 : options.retryAfterSeconds
  const edits: OpenAIFakeEdit[] = []
  let requestCount = 0
  // base64 per (size, format), made once: the happy path only splices strings.
  const base64Cache = new Map<string, Promise<string>>()
  const dataJsonCache = new Map<string, Promise<string>>()

  function base64Of(width: number, height: number, format: Format): Promise<string> {
    const key = `${width}x${height}:${format}`
    let cached = base64Cache.get(key)
    if (!cached) {
      cached = tinyImage({ width, height, format, color: '#3a7bd5' }).then((bytes) =>
        bytes.toString('base64'),
      )
      base64Cache.set(key, cached)
    }
    return cached
  }

  /** `[{"b64_json":"..."}, ...]` for n images, cached per (size, format, n). */
  function dataJson(width: number, height: number, format: Format, n: number): Promise<string> {
    const key = `${width}x${height}:${format}:${n}`
    let cached = dataJsonCache.get(key)
    if (!cached) {
      cached = base64Of(width, height, format).then((b64) => {
        const item = JSON.stringify({ b64_json: b64 })
        return `[${Array.from({ length: n }, () => item).join(',')}]`
      })
      dataJsonCache.set(key, cached)
    }
    return cached
  }

  async function handle(request: RecordedRequest, fake: FakeServer): Promise<FakeResponse> {
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs))
    const requestId = `req_${(++requestCount).toString(16).padStart(12, '0')}`
    const response = await route(request, fake)
    return { ...response, headers: { 'x-request-id': requestId, ...response.headers } }
  }

  async function route(request: RecordedRequest, fake: FakeServer): Promise<FakeResponse> {
    const blob = /^\/dalle-blobs\/(\d+)x(\d+)\.png$/.exec(request.path)
    if (request.method === 'GET' && blob) {
      // DALL·E `url` results live on blob storage (signed URL, no API key); the fake serves them itself.
      return {
        headers: { 'content-type': 'image/png' },
        body: await tinyImage({
          width: Number(blob[1]),
          height: Number(blob[2]),
          format: 'png',
          color: '#3a7bd5',
        }),
      }
    }
    const authFailure = checkAuth(request.headers.authorization, apiKey)
    if (authFailure) return authFailure
    if (request.method === 'POST' && request.path === '/v1/images/generations') {
      if (request.body === undefined || typeof request.body !== 'object' || request.body === null) {
        return invalid('We could not parse the JSON body of your request.', null, null)
      }
      return respond(request.body as Record<string, unknown>, 'generate', fake, 0)
    }
    if (request.method === 'POST' && request.path === '/v1/images/edits') {
      const parsed = await parseMultipart(request)
      if (!parsed) return invalid('The request body must be multipart/form-data.', null, null)
      edits.push(parsed)
      const images = parsed.files.filter((file) => file.field === 'image' || file.field === 'image[]')
      if (images.length === 0)
        return invalid("Missing required parameter: 'image'.", 'image', 'missing_required_parameter')
      const badImage = images.find(
        (file) => !['image/png', 'image/jpeg', 'image/webp'].includes(file.type) || file.size === 0,
      )
      if (badImage) {
        return invalid(
          `Invalid file '${badImage.field}': unsupported mimetype ('${badImage.type}'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.`,
          badImage.field,
          'unsupported_file_mimetype',
        )
      }
      const params: Record<string, unknown> = { ...parsed.fields }
      if (parsed.fields.n !== undefined) params.n = Number(parsed.fields.n)
      return respond(params, 'edit', fake, images.length)
    }
    return errorResponse(404, {
      message: `Invalid URL (${request.method} ${request.path})`,
      type: 'invalid_request_error',
      code: null,
    })
  }

  async function respond(
    params: Record<string, unknown>,
    mode: 'generate' | 'edit',
    fake: FakeServer,
    inputImages: number,
  ): Promise<FakeResponse> {
    // Without `model`, generations default to dall-e-2 (providers.md §2.1).
    const modelId = typeof params.model === 'string' ? params.model : 'dall-e-2'
    const model = OPENAI_FAKE_MODELS[modelId]
    if (!model) return invalid(`Invalid value for 'model' = ${modelId}.`, 'model')
    if (mode === 'edit' && model.family === 'dall-e-3') {
      return invalid("Invalid value for 'model': dall-e-3 does not support image edits.", 'model')
    }
    if (mode === 'edit' && model.family === 'gpt-image' && inputImages > 16) {
      return invalid('Too many images: at most 16 images may be provided.', 'image', 'invalid_value')
    }
    const prompt = params.prompt
    if (typeof prompt !== 'string' || prompt.length === 0) {
      return invalid("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter')
    }
    if (prompt.length > model.maxPromptLength) {
      return invalid(
        `Invalid 'prompt': string too long. Expected a string with maximum length ${model.maxPromptLength}, but got a string with length ${prompt.length} instead.`,
        'prompt',
        'string_above_max_length',
      )
    }
    const size =
      params.size === undefined ? (model.family === 'gpt-image' ? 'auto' : '1024x1024') : String(params.size)
    if (!model.sizes.includes(size)) {
      return invalid(
        `Invalid value: '${size}'. Supported values are: ${model.sizes.map((value) => `'${value}'`).join(', ')}.`,
        'size',
      )
    }
    const quality =
      params.quality === undefined
        ? model.family === 'gpt-image'
          ? 'auto'
          : 'standard'
        : String(params.quality)
    if (!model.qualities.includes(quality)) {
      return invalid(
        `Invalid value: '${quality}'. Supported values are: ${model.qualities.map((value) => `'${value}'`).join(', ')}.`,
        'quality',
      )
    }
    const n = params.n === undefined ? 1 : params.n
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10) {
      return invalid(`Invalid 'n': expected an integer from 1 to 10, got ${String(n)}.`, 'n')
    }
    if (n > model.maxN) return invalid('You must provide n=1 for this model.', 'n')
    if (model.family === 'gpt-image' && params.response_format !== undefined) {
      return invalid("Unknown parameter: 'response_format'.", 'response_format', 'unknown_parameter')
    }
    if (model.family !== 'gpt-image' && params.output_format !== undefined) {
      return invalid("Unknown parameter: 'output_format'.", 'output_format', 'unknown_parameter')
    }
    const format = (params.output_format ?? 'png') as Format
    if (!FORMATS.includes(format)) {
      return invalid(
        `Invalid value: '${String(format)}'. Supported values are: 'png', 'jpeg' and 'webp'.`,
        'output_format',
      )
    }
    const responseFormat = params.response_format ?? (model.family === 'gpt-image' ? 'b64_json' : 'url')
    if (responseFormat !== 'url' && responseFormat !== 'b64_json') {
      return invalid(
        `Invalid value: '${String(responseFormat)}'. Supported values are: 'url' and 'b64_json'.`,
        'response_format',
      )
    }

    const failure = tokenFailure(prompt, model)
    if (failure) return failure

    const nativeSize = size === 'auto' ? '1024x1024' : size
    const [width, height] = nativeSize.split('x').map(Number) as [number, number]
    const created = Math.floor(Date.now() / 1000)
    const json = { 'content-type': 'application/json' }

    if (model.family !== 'gpt-image') {
      const item =
        responseFormat === 'b64_json'
          ? { b64_json: await base64Of(width, height, 'png') }
          : { url: `${fake.url}/dalle-blobs/${width}x${height}.png` }
      const data = Array.from({ length: n }, () => ({
        ...item,
        ...(model.family === 'dall-e-3' ? { revised_prompt: prompt } : {}),
      }))
      return { headers: json, body: JSON.stringify({ created, data }) }
    }

    const echoQuality = quality === 'auto' ? 'medium' : quality
    const perImage = OUTPUT_TOKENS[echoQuality]![width === height ? 0 : 1]
    const textTokens = Math.ceil(prompt.length / 4)
    const imageTokens = inputImages * INPUT_IMAGE_TOKENS
    const usage = {
      input_tokens: textTokens + imageTokens,
      input_tokens_details: { text_tokens: textTokens, image_tokens: imageTokens },
      output_tokens: perImage * n,
      output_tokens_details: { image_tokens: perImage * n, text_tokens: 0 },
      total_tokens: textTokens + imageTokens + perImage * n,
    }
    if (prompt.includes('[empty]')) {
      return { headers: json, body: JSON.stringify({ created, data: [], usage }) }
    }
    if (prompt.includes('[corrupt]')) {
      const corrupt = Buffer.from('this is not an image').toString('base64')
      return { headers: json, body: JSON.stringify({ created, data: [{ b64_json: corrupt }], usage }) }
    }
    const data = await dataJson(width, height, format, n)
    return {
      headers: json,
      body: `{"created":${created},"data":${data},"background":"opaque","output_format":"${format}","quality":"${echoQuality}","size":"${nativeSize}","usage":${JSON.stringify(usage)}}`,
    }
  }

  function tokenFailure(prompt: string, model: FakeModel): FakeResponse | Promise<FakeResponse> | undefined {
    if (prompt.includes('[hang]')) return new Promise<FakeResponse>(() => {})
    if (prompt.includes('[rate_limited]')) return { status: 429, ...rateLimited(retryAfterSeconds) }
    if (prompt.includes('[insufficient_quota]')) return { status: 429, json: insufficientQuotaBody() }
    if (prompt.includes('[billing_limit]')) return { status: 400, json: billingLimitBody() }
    if (prompt.includes('[moderated]')) return { status: 400, json: moderationBody(model.family) }
    if (prompt.includes('[server_error]')) return { status: 500, json: serverErrorBody() }
    return undefined
  }

  const fake = await startFakeServer(handle)
  return {
    ...fake,
    apiKey,
    baseUrl: `${fake.url}/v1`,
    edits,
    reset() {
      fake.reset()
      edits.length = 0
    },
  }
}

function checkAuth(header: string | undefined, apiKey: string): FakeResponse | undefined {
  if (!header?.startsWith('Bearer ')) {
    return errorResponse(401, {
      message:
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      type: 'invalid_request_error',
      code: null,
    })
  }
  const given = header.slice('Bearer '.length)
  if (given !== apiKey) {
    // Like the real API, the message names the key masked (first and last characters only).
    const masked =
      given.length > 8 ? `${given.slice(0, 3)}${'*'.repeat(given.length - 7)}${given.slice(-4)}` : '***'
    return errorResponse(401, {
      message: `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    })
  }
  return undefined
}

async function parseMultipart(request: RecordedRequest): Promise<OpenAIFakeEdit | undefined> {
  const contentType = request.headers['content-type'] ?? ''
  if (!contentType.startsWith('multipart/form-data')) return undefined
  let form: FormData
  try {
    form = await new Response(request.rawBody, { headers: { 'content-type': contentType } }).formData()
  } catch {
    return undefined
  }
  const edit: OpenAIFakeEdit = { fields: {}, files: [] }
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') edit.fields[field] = value
    else edit.files.push({ field, filename: value.name, type: value.type, size: value.size })
  }
  return edit
}
