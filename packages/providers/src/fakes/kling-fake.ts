/**
 * @module A contract fake of the Kling API (providers.md §5, §7.2): HS256 JWTs verified with the secret
 * key (signature, `iss`, `exp`, `nbf`), the `{code, message, request_id, data}` envelope, the real request
 * validation (string `duration`, raw base64 images, `n`), and tasks walking submitted → processing →
 * succeed | failed, with result URLs on the fake itself.
 *
 * Outcomes are picked per test with tokens in `prompt`: `[slow:N]` (N non-terminal polls), `[moderated]`
 * (HTTP 400 code 1301 at submit), `[risk]` (task `failed`, risk control), `[failed]` (task `failed`, other),
 * `[empty]` (`succeed` with no media), `[expired]` (result URL already gone), `[quota]` (429 code 1102),
 * `[arrears]` (429 code 1101), `[throttled]` (429 code 1303), `[too-fast]` (429 code 1302 + `Retry-After: 3`).
 */
import { randomBytes } from 'node:crypto'
import { errors, jwtVerify } from 'jose'
import sharp from 'sharp'
import { type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer } from './fake-server.js'
import { tinyImage } from './media.js'
import { tinyMp4 } from './video-media.js'

export interface KlingFakeOptions {
  accessKey?: string
  secretKey?: string
  /** Non-terminal polls before a task ends (overridden by `[slow:N]`). Defaults to 1. */
  pendingPolls?: number
  /** How long a result URL stays valid, in ms. Defaults to 60 s. */
  mediaTtlMs?: number
  /** The fake's clock for checking `exp`/`nbf`. Defaults to the real time. */
  now?: () => Date
}

export interface KlingFakeTask {
  id: string
  externalId?: string
  /** `images`, `text2video` or `image2video`: the path family it is polled on. */
  kind: 'images' | 'text2video' | 'image2video'
  n: number
  width: number
  height: number
  duration: string
  polls: number
  pendingPolls: number
  outcome: 'succeed' | 'risk' | 'failed' | 'empty' | 'expired'
  createdAt: number
}

export interface KlingFake extends FakeServer {
  readonly accessKey: string
  readonly secretKey: string
  /** Knobs, mutable between tests. */
  readonly options: Required<KlingFakeOptions>
  readonly tasks: Map<string, KlingFakeTask>
}

export const KLING_FAKE_ACCESS_KEY = 'kling-test-access-key'
export const KLING_FAKE_SECRET_KEY = 'kling-test-secret-key'

const IMAGE_MODELS = ['kling-v1', 'kling-v1-5', 'kling-v2', 'kling-v2-new', 'kling-v2-1']
const IMAGE_ASPECT_RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4', '3:2', '2:3', '21:9']
const TEXT_TO_VIDEO_MODELS = [
  'kling-v1',
  'kling-v1-6',
  'kling-v2-master',
  'kling-v2-1-master',
  'kling-v2-5-turbo',
]
const IMAGE_TO_VIDEO_MODELS = [...TEXT_TO_VIDEO_MODELS, 'kling-v2-1']
const VIDEO_ASPECT_RATIOS = ['16:9', '9:16', '1:1']

// What the fake makes per aspect ratio at `1k` (doubled at `2k`); Kling's real sizes are unverified.
const IMAGE_SIZES: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '16:9': [1344, 768],
  '9:16': [768, 1344],
  '4:3': [1152, 864],
  '3:4': [864, 1152],
  '3:2': [1248, 832],
  '2:3': [832, 1248],
  '21:9': [1568, 672],
}
const VIDEO_SIZES: Record<string, [number, number]> = {
  '16:9': [1280, 720],
  '9:16': [720, 1280],
  '1:1': [960, 960],
}

/**
 * Starts the Kling fake on a random loopback port. Point the adapter's `baseUrl` at `fake.url`.
 * @example
 * const fake = await startKlingFake()
 * const kling = createKlingProvider({ accessKey: fake.accessKey, secretKey: fake.secretKey,
 *   baseUrl: fake.url, pollIntervalMs: 5 })
 */
export async function startKlingFake(options: KlingFakeOptions = {}): Promise<KlingFake> {
  const knobs: Required<KlingFakeOptions> = {
    accessKey: options.accessKey ?? KLING_FAKE_ACCESS_KEY,
    secretKey: options.secretKey ?? KLING_FAKE_SECRET_KEY,
    pendingPolls: options.pendingPolls ?? 1,
    mediaTtlMs: options.mediaTtlMs ?? 60_000,
    now: options.now ?? (() => new Date()),
  }
  const tasks = new Map<string, KlingFakeTask>()

  const server = await startFakeServer(async function handleKling(request, fake) {
    if (request.path.startsWith('/media/')) return serveMedia(request)
    const rejected = await checkToken(request, knobs)
    if (rejected) return rejected
    const { method, path } = request
    if (method === 'POST' && path === '/v1/images/generations') return createImageTask(request)
    if (method === 'POST' && path === '/v1/videos/text2video') return createVideoTask(request, 'text2video')
    if (method === 'POST' && path === '/v1/videos/image2video') return createVideoTask(request, 'image2video')
    const poll = /^\/v1\/(images\/generations|videos\/text2video|videos\/image2video)\/([^/]+)$/.exec(path)
    if (method === 'GET' && poll?.[1] && poll[2])
      return getTask(poll[1], decodeURIComponent(poll[2]), fake.url)
    return failure(404, 1202, 'Request method or path not found')
  })

  async function createImageTask(request: RecordedRequest): Promise<FakeResponse> {
    const body = asRecord(request.body)
    const model = body.model_name ?? 'kling-v1'
    if (typeof model !== 'string' || !IMAGE_MODELS.includes(model)) {
      return failure(404, 1203, `model_name ${String(model)} not found`)
    }
    const prompt = body.prompt
    if (typeof prompt !== 'string' || prompt.length === 0 || prompt.length > 2500) {
      return failure(400, 1201, 'prompt is required and must be at most 2500 characters')
    }
    if (body.image !== undefined) {
      const problem = await imageProblem(body.image)
      if (problem) return failure(400, 1201, problem)
      if (body.negative_prompt !== undefined) {
        return failure(400, 1201, 'negative_prompt is not supported when image is set')
      }
      if (model === 'kling-v1-5' && body.image_reference !== 'subject' && body.image_reference !== 'face') {
        return failure(400, 1201, 'image_reference is required for kling-v1-5 image-to-image')
      }
    }
    if (body.image_reference !== undefined && model !== 'kling-v1-5') {
      return failure(400, 1201, 'image_reference is only supported by kling-v1-5')
    }
    const n = body.n ?? 1
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 9) {
      return failure(400, 1201, 'n must be an integer from 1 to 9')
    }
    const aspectRatio = body.aspect_ratio ?? '16:9'
    if (typeof aspectRatio !== 'string' || !IMAGE_ASPECT_RATIOS.includes(aspectRatio)) {
      return failure(400, 1201, `aspect_ratio must be one of ${IMAGE_ASPECT_RATIOS.join(', ')}`)
    }
    const resolution = body.resolution ?? '1k'
    if (resolution !== '1k' && resolution !== '2k') return failure(400, 1201, 'resolution must be 1k or 2k')
    const refusal = submitRefusal(prompt)
    if (refusal) return refusal
    const [width, height] = IMAGE_SIZES[aspectRatio] as [number, number]
    const scale = resolution === '2k' ? 2 : 1
    return startTask(
      { kind: 'images', prompt, n, width: width * scale, height: height * scale, duration: '' },
      body,
    )
  }

  async function createVideoTask(
    request: RecordedRequest,
    kind: 'text2video' | 'image2video',
  ): Promise<FakeResponse> {
    const body = asRecord(request.body)
    const model = body.model_name ?? 'kling-v1'
    const models = kind === 'text2video' ? TEXT_TO_VIDEO_MODELS : IMAGE_TO_VIDEO_MODELS
    if (typeof model !== 'string' || !models.includes(model)) {
      return failure(404, 1203, `model_name ${String(model)} not found`)
    }
    const prompt = body.prompt ?? ''
    if (
      typeof prompt !== 'string' ||
      prompt.length > 2500 ||
      (kind === 'text2video' && prompt.length === 0)
    ) {
      return failure(400, 1201, 'prompt is required and must be at most 2500 characters')
    }
    if (kind === 'image2video') {
      if (body.image === undefined) return failure(400, 1201, 'image is required')
      const problem = await imageProblem(body.image)
      if (problem) return failure(400, 1201, problem)
    }
    const duration = body.duration ?? '5'
    if (typeof duration !== 'string') return failure(400, 1201, 'duration must be a string: "5" or "10"')
    if (duration !== '5' && duration !== '10') return failure(400, 1201, 'duration must be "5" or "10"')
    const mode = body.mode ?? 'std'
    if (mode !== 'std' && mode !== 'pro') return failure(400, 1201, 'mode must be std or pro')
    const aspectRatio = body.aspect_ratio ?? '16:9'
    if (typeof aspectRatio !== 'string' || !VIDEO_ASPECT_RATIOS.includes(aspectRatio)) {
      return failure(400, 1201, `aspect_ratio must be one of ${VIDEO_ASPECT_RATIOS.join(', ')}`)
    }
    if (
      body.cfg_scale !== undefined &&
      !(typeof body.cfg_scale === 'number' && body.cfg_scale >= 0 && body.cfg_scale <= 1)
    ) {
      return failure(400, 1201, 'cfg_scale must be between 0 and 1')
    }
    const refusal = submitRefusal(prompt)
    if (refusal) return refusal
    const [width, height] = VIDEO_SIZES[aspectRatio] as [number, number]
    return startTask({ kind, prompt, n: 1, width, height, duration }, body)
  }

  function startTask(
    task: Pick<KlingFakeTask, 'kind' | 'n' | 'width' | 'height' | 'duration'> & { prompt: string },
    body: Record<string, unknown>,
  ): FakeResponse {
    const id = randomBytes(16).toString('base64url')
    const slow = /\[slow:(\d+)\]/.exec(task.prompt)
    const externalId = typeof body.external_task_id === 'string' ? body.external_task_id : undefined
    const createdAt = Date.now()
    tasks.set(id, {
      id,
      ...(externalId ? { externalId } : {}),
      kind: task.kind,
      n: task.n,
      width: task.width,
      height: task.height,
      duration: task.duration,
      polls: 0,
      pendingPolls: slow?.[1] ? Number(slow[1]) : knobs.pendingPolls,
      outcome: outcomeFor(task.prompt),
      createdAt,
    })
    return success({
      task_id: id,
      task_status: 'submitted',
      ...(externalId ? { task_info: { external_task_id: externalId } } : {}),
      created_at: createdAt,
      updated_at: createdAt,
    })
  }

  function getTask(family: string, idOrExternal: string, base: string): FakeResponse {
    const kind = family === 'images/generations' ? 'images' : family.slice('videos/'.length)
    const task =
      tasks.get(idOrExternal) ?? [...tasks.values()].find((entry) => entry.externalId === idOrExternal)
    if (!task || task.kind !== kind) return failure(404, 1203, 'task not found')
    task.polls += 1
    const common = { task_id: task.id, created_at: task.createdAt, updated_at: Date.now() }
    if (task.polls <= task.pendingPolls) {
      return success({
        ...common,
        task_status: task.polls === 1 ? 'submitted' : 'processing',
        task_status_msg: '',
      })
    }
    if (task.outcome === 'risk') {
      return success({
        ...common,
        task_status: 'failed',
        task_status_msg: 'Failure to pass the risk control system',
      })
    }
    if (task.outcome === 'failed') {
      return success({
        ...common,
        task_status: 'failed',
        task_status_msg: 'Internal error, please retry later',
      })
    }
    const count = task.outcome === 'empty' ? 0 : task.n
    const expired = task.outcome === 'expired' ? '&expired=1' : ''
    const token = `${task.id}${expired}`
    const task_result =
      task.kind === 'images'
        ? {
            images: Array.from({ length: count }, (_, index) => ({
              index,
              url: `${base}/media/kling/${task.id}/${index}.png?token=${token}`,
            })),
          }
        : {
            videos: Array.from({ length: count }, () => ({
              id: `${task.id}-video`,
              url: `${base}/media/kling/${task.id}/output.mp4?token=${token}`,
              duration: task.duration === '10' ? '10.1' : '5.1',
            })),
          }
    return success({ ...common, task_status: 'succeed', task_status_msg: '', task_result })
  }

  async function serveMedia(request: RecordedRequest): Promise<FakeResponse> {
    const match = /^\/media\/kling\/([^/]+)\/[^/]+$/.exec(request.path)
    const task = match?.[1] ? tasks.get(match[1]) : undefined
    const stale = task ? Date.now() - task.createdAt > knobs.mediaTtlMs : true
    if (!task || stale || request.url.searchParams.get('expired') === '1') {
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' }
    }
    if (task.kind !== 'images') return { headers: { 'content-type': 'video/mp4' }, body: await tinyMp4() }
    const image = await tinyImage({ width: task.width, height: task.height, format: 'png' })
    return { headers: { 'content-type': 'image/png' }, body: image }
  }

  const fake: KlingFake = Object.assign(server, {
    accessKey: knobs.accessKey,
    secretKey: knobs.secretKey,
    options: knobs,
    tasks,
  })
  return fake
}

async function checkToken(
  request: RecordedRequest,
  knobs: Required<KlingFakeOptions>,
): Promise<FakeResponse | undefined> {
  const header = request.headers.authorization ?? ''
  if (!header) return failure(401, 1001, 'Authorization is empty')
  const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : ''
  try {
    await jwtVerify(token, new TextEncoder().encode(knobs.secretKey), {
      algorithms: ['HS256'],
      typ: 'JWT',
      issuer: knobs.accessKey,
      requiredClaims: ['iss', 'exp', 'nbf'],
      currentDate: knobs.now(),
    })
    return undefined
  } catch (error) {
    if (error instanceof errors.JWTExpired) return failure(401, 1004, 'Authorization is expired')
    if (
      error instanceof errors.JWTClaimValidationFailed &&
      error.claim === 'nbf' &&
      error.reason === 'check_failed'
    ) {
      return failure(401, 1003, 'Authorization is not yet valid')
    }
    return failure(401, 1002, 'Authorization is invalid')
  }
}

function submitRefusal(prompt: string): FakeResponse | undefined {
  if (prompt.includes('[moderated]'))
    return failure(400, 1301, 'Trigger the content security policy of the platform')
  if (prompt.includes('[quota]')) return failure(429, 1102, 'Account resource pack is depleted or expired')
  if (prompt.includes('[arrears]')) return failure(429, 1101, 'Account is in arrears')
  if (prompt.includes('[throttled]')) return failure(429, 1303, 'parallel task over resource pack limit')
  if (prompt.includes('[too-fast]')) {
    return {
      ...failure(429, 1302, 'The API request is too fast, please slow down'),
      headers: { 'retry-after': '3' },
    }
  }
  return undefined
}

function outcomeFor(prompt: string): KlingFakeTask['outcome'] {
  if (prompt.includes('[risk]')) return 'risk'
  if (prompt.includes('[failed]')) return 'failed'
  if (prompt.includes('[empty]')) return 'empty'
  if (prompt.includes('[expired]')) return 'expired'
  return 'succeed'
}

async function imageProblem(image: unknown): Promise<string | undefined> {
  if (typeof image !== 'string' || image.length === 0) return 'image must be a string'
  if (image.startsWith('http://') || image.startsWith('https://')) return undefined
  if (image.startsWith('data:')) return 'image must be raw Base64 without the data: prefix'
  if (!/^[A-Za-z0-9+/]+=*$/.test(image)) return 'image is not valid Base64'
  const bytes = Buffer.from(image, 'base64')
  if (bytes.byteLength > 10 * 1024 * 1024) return 'image must be at most 10MB'
  try {
    const { format, width = 0, height = 0 } = await sharp(bytes).metadata()
    if (format !== 'jpeg' && format !== 'png') return 'image must be jpg, jpeg or png'
    if (Math.min(width, height) < 300) return 'image must be at least 300px on each side'
    if (Math.max(width, height) / Math.min(width, height) > 2.5)
      return 'image aspect ratio must be 1:2.5 to 2.5:1'
  } catch {
    return 'image could not be decoded'
  }
  return undefined
}

function success(data: unknown): FakeResponse {
  return { json: { code: 0, message: 'SUCCEED', request_id: randomBytes(12).toString('base64url'), data } }
}

function failure(status: number, code: number, message: string): FakeResponse {
  return { status, json: { code, message, request_id: randomBytes(12).toString('base64url') } }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}
