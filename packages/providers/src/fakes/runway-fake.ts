/**
 * @module A contract fake of the Runway API (providers.md §4, §7.2): task creation at the real paths with
 * the real validation, `GET`/`DELETE /v1/tasks/{id}` walking PENDING → THROTTLED → RUNNING → terminal, and
 * signed, expiring output URLs served by the fake itself.
 *
 * Outcomes are picked per test with tokens in `promptText`: `[slow:N]` (N non-terminal polls),
 * `[moderated]` (FAILED `SAFETY.INPUT.TEXT`), `[moderated-output]` (FAILED `SAFETY.OUTPUT.IMAGE|VIDEO`),
 * `[internal]` (FAILED `INTERNAL.BAD_OUTPUT.CODE01`), `[asset-invalid]` (FAILED `ASSET.INVALID`),
 * `[cancelled]` (ends CANCELLED), `[empty]` (SUCCEEDED with `output: []`), `[expired]` (the output URL is
 * already expired), `[rate-limited]` (429 + `Retry-After: 2`), `[daily-cap]` (429, daily generation cap),
 * `[no-credits]` (400, not enough credits).
 */
import { randomUUID } from 'node:crypto'
import { type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer } from './fake-server.js'
import { tinyImage } from './media.js'
import { tinyMp4 } from './video-media.js'

export interface RunwayFakeOptions {
  /** The only key accepted as `Authorization: Bearer <key>`. Defaults to `runway-test-key`. */
  apiKey?: string
  /** Non-terminal polls before a task ends (overridden by `[slow:N]`). Defaults to 1. */
  pendingPolls?: number
  /** How long an output URL stays valid, in ms. Defaults to 60 s. */
  mediaTtlMs?: number
}

export interface RunwayFakeTask {
  id: string
  kind: 'image' | 'video'
  model: string
  width: number
  height: number
  polls: number
  pendingPolls: number
  outcome: Outcome
  cancelled: boolean
  deleted: boolean
}

export interface RunwayFake extends FakeServer {
  readonly apiKey: string
  /** Knobs, mutable between tests. */
  readonly options: Required<RunwayFakeOptions>
  /** Every task created, by id. */
  readonly tasks: Map<string, RunwayFakeTask>
}

export const RUNWAY_FAKE_API_KEY = 'runway-test-key'

type Outcome =
  | { kind: 'succeeded' }
  | { kind: 'empty' }
  | { kind: 'expired' }
  | { kind: 'cancelled' }
  | { kind: 'failed'; failureCode: string; failure: string }

const IMAGE_MODELS: Record<
  string,
  { ratios: readonly string[]; referencesRequired: boolean; credits: number }
> = {
  gen4_image: { ratios: gen4Ratios(), referencesRequired: false, credits: 8 },
  gen4_image_turbo: { ratios: gen4Ratios(), referencesRequired: true, credits: 2 },
  'gemini_2.5_flash': {
    ratios: [
      '1344:768',
      '768:1344',
      '1024:1024',
      '1184:864',
      '864:1184',
      '1536:672',
      '832:1248',
      '1248:832',
      '896:1152',
      '1152:896',
    ],
    referencesRequired: false,
    credits: 5,
  },
}

function gen4Ratios(): string[] {
  return [
    '1024:1024',
    '1080:1080',
    '1168:880',
    '1360:768',
    '1440:1080',
    '1080:1440',
    '1808:768',
    '1920:1080',
    '1080:1920',
    '2112:912',
    '1280:720',
    '720:1280',
    '720:720',
    '960:720',
    '720:960',
    '1680:720',
  ]
}

const GEN4_I2V = ['1280:720', '720:1280', '1104:832', '832:1104', '960:960', '1584:672']
const VEO = ['1280:720', '720:1280', '1920:1080', '1080:1920']

interface VideoModel {
  ratios: readonly string[]
  durations: readonly number[]
  durationRequired: boolean
  creditsPerSecond: number
}

const IMAGE_TO_VIDEO_MODELS: Record<string, VideoModel> = {
  'gen4.5': { ratios: GEN4_I2V, durations: range(2, 10), durationRequired: true, creditsPerSecond: 12 },
  gen4_turbo: { ratios: GEN4_I2V, durations: range(2, 10), durationRequired: false, creditsPerSecond: 5 },
  'veo3.1': { ratios: VEO, durations: [4, 6, 8], durationRequired: false, creditsPerSecond: 40 },
  'veo3.1_fast': { ratios: VEO, durations: [4, 6, 8], durationRequired: false, creditsPerSecond: 15 },
}
const TEXT_TO_VIDEO_MODELS: Record<string, VideoModel> = {
  'gen4.5': {
    ratios: ['1280:720', '720:1280'],
    durations: range(2, 10),
    durationRequired: true,
    creditsPerSecond: 12,
  },
  'veo3.1': IMAGE_TO_VIDEO_MODELS['veo3.1'] as VideoModel,
  'veo3.1_fast': IMAGE_TO_VIDEO_MODELS['veo3.1_fast'] as VideoModel,
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index)
}

/**
 * Starts the Runway fake on a random loopback port. Point the adapter's `baseUrl` at `fake.url`.
 * @example
 * const fake = await startRunwayFake({ pendingPolls: 2 })
 * const runway = createRunwayProvider({ apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 5 })
 */
export async function startRunwayFake(options: RunwayFakeOptions = {}): Promise<RunwayFake> {
  const knobs: Required<RunwayFakeOptions> = {
    apiKey: options.apiKey ?? RUNWAY_FAKE_API_KEY,
    pendingPolls: options.pendingPolls ?? 1,
    mediaTtlMs: options.mediaTtlMs ?? 60_000,
  }
  const tasks = new Map<string, RunwayFakeTask>()
  const media = new Map<string, { taskId: string; expiresAt: number }>()

  const server = await startFakeServer(async function handleRunway(request, fake) {
    if (request.path.startsWith('/media/')) return serveMedia(request)
    const rejected = checkHeaders(request, knobs.apiKey)
    if (rejected) return rejected
    if (request.method === 'POST' && request.path === '/v1/text_to_image') return createImageTask(request)
    if (request.method === 'POST' && request.path === '/v1/image_to_video') {
      return createVideoTask(request, IMAGE_TO_VIDEO_MODELS, true)
    }
    if (request.method === 'POST' && request.path === '/v1/text_to_video') {
      return createVideoTask(request, TEXT_TO_VIDEO_MODELS, false)
    }
    const taskMatch = /^\/v1\/tasks\/([^/]+)$/.exec(request.path)
    if (taskMatch?.[1]) {
      if (request.method === 'GET') return getTask(taskMatch[1], fake.url)
      if (request.method === 'DELETE') return deleteTask(taskMatch[1])
      return { status: 405, json: { error: 'Method not allowed' } }
    }
    return { status: 404, json: { error: 'Not found' } }
  })

  function createImageTask(request: RecordedRequest): FakeResponse {
    const body = asRecord(request.body)
    const model = IMAGE_MODELS[String(body.model)]
    if (!model) return invalid('model', `Invalid enum value '${String(body.model)}'`)
    const prompt = body.promptText
    if (typeof prompt !== 'string' || prompt.length === 0 || prompt.length > 1000) {
      return invalid('promptText', 'must be a non-empty string of at most 1000 characters')
    }
    if (typeof body.ratio !== 'string' || !model.ratios.includes(body.ratio)) {
      return invalid('ratio', `must be one of ${model.ratios.join(', ')}`)
    }
    const references = body.referenceImages
    if (references !== undefined && !Array.isArray(references))
      return invalid('referenceImages', 'must be an array')
    const referenceList = (references ?? []) as unknown[]
    if (referenceList.length > 3) return invalid('referenceImages', 'at most 3 reference images')
    if (model.referencesRequired && referenceList.length === 0) {
      return invalid('referenceImages', `${String(body.model)} requires 1 to 3 reference images`)
    }
    for (const reference of referenceList) {
      const entry = asRecord(reference)
      if (!isImageUri(entry.uri)) return invalid('referenceImages.uri', 'must be an HTTPS URL or data URI')
      if (entry.tag !== undefined && !/^[A-Za-z][A-Za-z0-9_]{2,15}$/.test(String(entry.tag))) {
        return invalid('referenceImages.tag', 'must be 3-16 letters, digits or underscores')
      }
    }
    if (body.seed !== undefined && !isInteger(body.seed, 0, 4_294_967_295)) {
      return invalid('seed', 'must be an integer from 0 to 4294967295')
    }
    const refusal = submitRefusal(prompt)
    if (refusal) return refusal
    const { width, height } = sizeOf(body.ratio)
    return startTask('image', String(body.model), width, height, prompt, model.credits)
  }

  function createVideoTask(
    request: RecordedRequest,
    models: Record<string, VideoModel>,
    imageToVideo: boolean,
  ): FakeResponse {
    const body = asRecord(request.body)
    const model = models[String(body.model)]
    if (!model) return invalid('model', `Invalid enum value '${String(body.model)}'`)
    const prompt = body.promptText
    if (prompt !== undefined && (typeof prompt !== 'string' || prompt.length > 1000)) {
      return invalid('promptText', 'must be a string of at most 1000 characters')
    }
    if (!imageToVideo && (typeof prompt !== 'string' || prompt.length === 0)) {
      return invalid('promptText', 'Required')
    }
    if (imageToVideo) {
      const promptImage = body.promptImage
      const valid = Array.isArray(promptImage)
        ? promptImage.length > 0 && promptImage.every((entry) => isImageUri(asRecord(entry).uri))
        : isImageUri(promptImage)
      if (!valid) return invalid('promptImage', 'must be an HTTPS URL, data URI, or [{ uri, position }]')
    }
    if (typeof body.ratio !== 'string' || !model.ratios.includes(body.ratio)) {
      return invalid('ratio', `must be one of ${model.ratios.join(', ')}`)
    }
    if (
      body.duration === undefined
        ? model.durationRequired
        : !model.durations.includes(body.duration as number)
    ) {
      return invalid('duration', `must be one of ${model.durations.join(', ')}`)
    }
    const text = typeof prompt === 'string' ? prompt : ''
    const refusal = submitRefusal(text)
    if (refusal) return refusal
    const { width, height } = sizeOf(body.ratio)
    const seconds = typeof body.duration === 'number' ? body.duration : (model.durations[0] ?? 5)
    return startTask('video', String(body.model), width, height, text, seconds * model.creditsPerSecond)
  }

  function startTask(
    kind: 'image' | 'video',
    model: string,
    width: number,
    height: number,
    prompt: string,
    credits: number,
  ): FakeResponse {
    const id = randomUUID()
    const slow = /\[slow:(\d+)\]/.exec(prompt)
    tasks.set(id, {
      id,
      kind,
      model,
      width,
      height,
      polls: 0,
      pendingPolls: slow?.[1] ? Number(slow[1]) : knobs.pendingPolls,
      outcome: outcomeFor(prompt, kind),
      cancelled: false,
      deleted: false,
    })
    return { json: { id, estimatedCost: { credits } } }
  }

  function getTask(id: string, base: string): FakeResponse {
    const task = tasks.get(id)
    if (!task || task.deleted) return { status: 404, json: { error: 'Task not found' } }
    const common = { id, createdAt: new Date().toISOString() }
    if (task.cancelled) return { json: { ...common, status: 'CANCELLED' } }
    task.polls += 1
    if (task.polls <= task.pendingPolls) {
      if (task.polls === 1) return { json: { ...common, status: 'PENDING' } }
      if (task.polls === 2 && task.pendingPolls >= 3) return { json: { ...common, status: 'THROTTLED' } }
      const progress = Math.round((task.polls / (task.pendingPolls + 1)) * 100) / 100
      return { json: { ...common, status: 'RUNNING', progress } }
    }
    const { outcome } = task
    switch (outcome.kind) {
      case 'failed':
        return {
          json: { ...common, status: 'FAILED', failure: outcome.failure, failureCode: outcome.failureCode },
        }
      case 'cancelled':
        return { json: { ...common, status: 'CANCELLED' } }
      case 'empty':
        return { json: { ...common, status: 'SUCCEEDED', output: [], cost: { credits: 0 } } }
      case 'succeeded':
      case 'expired': {
        // Fresh signed URLs on every GET, as Runway does; `[expired]` hands out a dead one.
        const token = randomUUID().replaceAll('-', '')
        const expiresAt = outcome.kind === 'expired' ? 0 : Date.now() + knobs.mediaTtlMs
        media.set(token, { taskId: id, expiresAt })
        const file = task.kind === 'image' ? 'output.png' : 'output.mp4'
        return {
          json: {
            ...common,
            status: 'SUCCEEDED',
            output: [`${base}/media/${id}/${file}?_jwt=${token}`],
            cost: { credits: 1 },
          },
        }
      }
    }
  }

  function deleteTask(id: string): FakeResponse {
    const task = tasks.get(id)
    if (!task || task.deleted) return { status: 404, json: { error: 'Task not found' } }
    if (task.polls <= task.pendingPolls) task.cancelled = true
    else task.deleted = true
    return { status: 204 }
  }

  async function serveMedia(request: RecordedRequest): Promise<FakeResponse> {
    const token = request.url.searchParams.get('_jwt') ?? ''
    const entry = media.get(token)
    const task = entry ? tasks.get(entry.taskId) : undefined
    if (!entry || !task || task.deleted || entry.expiresAt < Date.now()) {
      return {
        status: 403,
        headers: { 'content-type': 'application/xml' },
        body: '<Error>AccessDenied</Error>',
      }
    }
    if (task.kind === 'video') return { headers: { 'content-type': 'video/mp4' }, body: await tinyMp4() }
    const image = await tinyImage({ width: task.width, height: task.height, format: 'png' })
    return { headers: { 'content-type': 'image/png' }, body: image }
  }

  const fake: RunwayFake = Object.assign(server, { apiKey: knobs.apiKey, options: knobs, tasks })
  return fake
}

function checkHeaders(request: RecordedRequest, apiKey: string): FakeResponse | undefined {
  if (request.headers.authorization !== `Bearer ${apiKey}`) {
    return { status: 401, json: { error: 'Invalid API key or API key not provided' } }
  }
  const version = request.headers['x-runway-version']
  if (version === undefined) {
    return { status: 400, json: { error: 'The X-Runway-Version header is required' } }
  }
  if (version !== '2024-11-06') {
    return { status: 400, json: { error: `Invalid API version: ${version}` } }
  }
  return undefined
}

function submitRefusal(prompt: string): FakeResponse | undefined {
  if (prompt.includes('[rate-limited]')) {
    return {
      status: 429,
      headers: { 'retry-after': '2' },
      json: { error: 'Too many requests. Please slow down.' },
    }
  }
  if (prompt.includes('[daily-cap]')) {
    return {
      status: 429,
      json: { error: 'You have reached your daily generation limit of 50 tasks. Try again in 24 hours.' },
    }
  }
  if (prompt.includes('[no-credits]')) {
    return { status: 400, json: { error: 'You do not have enough credits to run this task.' } }
  }
  return undefined
}

function outcomeFor(prompt: string, kind: 'image' | 'video'): Outcome {
  if (prompt.includes('[moderated-output]')) {
    return {
      kind: 'failed',
      failureCode: kind === 'image' ? 'SAFETY.OUTPUT.IMAGE' : 'SAFETY.OUTPUT.VIDEO',
      failure: 'The output was flagged by content moderation.',
    }
  }
  if (prompt.includes('[moderated]')) {
    return {
      kind: 'failed',
      failureCode: 'SAFETY.INPUT.TEXT',
      failure: 'The prompt was flagged by content moderation.',
    }
  }
  if (prompt.includes('[internal]')) {
    return {
      kind: 'failed',
      failureCode: 'INTERNAL.BAD_OUTPUT.CODE01',
      failure: 'An internal error occurred.',
    }
  }
  if (prompt.includes('[asset-invalid]')) {
    return {
      kind: 'failed',
      failureCode: 'ASSET.INVALID',
      failure: 'The input asset could not be processed.',
    }
  }
  if (prompt.includes('[cancelled]')) return { kind: 'cancelled' }
  if (prompt.includes('[empty]')) return { kind: 'empty' }
  if (prompt.includes('[expired]')) return { kind: 'expired' }
  return { kind: 'succeeded' }
}

function invalid(path: string, message: string): FakeResponse {
  return { status: 400, json: { error: 'Validation of body failed', issues: [{ path: [path], message }] } }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

function isImageUri(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    (/^data:image\/(png|jpeg|jpg|webp);base64,[A-Za-z0-9+/]+=*$/.test(value) ||
      value.startsWith('https://') ||
      value.startsWith('runway://'))
  )
}

function isInteger(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
}

function sizeOf(ratio: string): { width: number; height: number } {
  const [width = 0, height = 0] = ratio.split(':').map(Number)
  return { width, height }
}
