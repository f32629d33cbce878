/**
 * @module The offline `local` video provider: a real H.264 MP4 of a seeded, animated procedural scene (a
 * panning gradient with translucent shapes drifting over it), encoded in-process with the WASM encoder of
 * `h264-mp4-encoder`. Same (prompt, seed, image, size, duration) → byte-identical file.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { H264MP4Encoder } from 'h264-mp4-encoder'
import type { PixelSize } from '../sizes.js'
import {
  type GenerateOptions,
  ProviderError,
  type ProviderProfile,
  type ReferenceImage,
  VIDEO_ASPECT_RATIOS,
  VIDEO_RESOLUTIONS,
  type VideoAspectRatio,
  type VideoCapabilities,
  type VideoGenerationRequest,
  type VideoPricing,
  type VideoProvider,
  type VideoResolution,
  type VideoTaskStatus,
} from '../types.js'
import { averageColor, type Rgb, seededPalette, throwIfAborted, toHex } from './procedural.js'
import { loadSharp } from './sharp-loader.js'

export const LOCAL_VIDEO_MODEL_ID = 'local-procedural-video-v1'

/** Frame sizes of our video resolutions (what Runway and Veo make at 720p / 1080p). */
export const LOCAL_VIDEO_PIXEL_SIZES: Readonly<
  Record<VideoResolution, Readonly<Record<VideoAspectRatio, PixelSize>>>
> = {
  '720p': {
    '16:9': { width: 1280, height: 720 },
    '9:16': { width: 720, height: 1280 },
    '1:1': { width: 720, height: 720 },
  },
  '1080p': {
    '16:9': { width: 1920, height: 1080 },
    '9:16': { width: 1080, height: 1920 },
    '1:1': { width: 1080, height: 1080 },
  },
}

/**
 * Default frames per second. The WASM encoder (minih264, no SIMD, one core) costs about 20 ms per 720p frame
 * and 40 ms per 1080p frame of this scene, so 1080p runs at 8 fps: measured on an idle 2-core machine,
 * 720p × 5 s takes about 1.4 s and 1080p × 10 s about 3.4 s.
 */
export const LOCAL_VIDEO_FRAME_RATES: Readonly<Record<VideoResolution, number>> = { '720p': 12, '1080p': 8 }

/** H.264 quantizer per resolution (10..51, higher is smaller and blurrier). */
const QUANTIZERS: Readonly<Record<VideoResolution, number>> = { '720p': 30, '1080p': 33 }

const LOCAL_VIDEO_CAPABILITIES: VideoCapabilities = {
  durations: [5, 10],
  aspectRatios: VIDEO_ASPECT_RATIOS,
  resolutions: VIDEO_RESOLUTIONS,
  textToVideo: true,
  imageToVideo: true,
}

const FREE: VideoPricing = { perSecondUsd: { '720p': 0, '1080p': 0 } }

const MP4_MIME_TYPE = 'video/mp4'

export interface LocalVideoProviderOptions {
  /** Used by the quality strategy. Defaults to 0.1: a placeholder, not a real model. */
  qualityScore?: number
  /** Used by the speed strategy's prior. Defaults to 3000 ms. */
  typicalLatencyMs?: number
  /** Defaults to 0 USD per second at every resolution. */
  pricing?: VideoPricing
  /** Suggested wait between polls. Defaults to 200 ms. */
  pollIntervalMs?: number
  /** Frames per second per resolution. Defaults to `LOCAL_VIDEO_FRAME_RATES` (12 at 720p, 8 at 1080p). */
  frameRates?: Partial<Record<VideoResolution, number>>
  /** Tasks queued or rendering at once (renders run one at a time); more → `rate_limited`. Defaults to 8. */
  maxActiveTasks?: number
  /** Finished tasks (and their bytes) kept for polling. Defaults to 50. */
  maxFinishedTasks?: number
  /** How long a finished task stays pollable. Defaults to 10 minutes. */
  finishedTaskTtlMs?: number
  /** The clock for expiry. Defaults to `Date.now`. */
  now?: () => number
}

type TaskRecord =
  | { state: 'pending' | 'running'; progress: number; controller: AbortController }
  | { state: 'succeeded'; data: Uint8Array; durationSec: number; costUsd: number; finishedAt: number }
  | { state: 'failed'; error: ProviderError; finishedAt: number }
  | { state: 'canceled'; finishedAt: number }

type FinishedRecord = Extract<TaskRecord, { finishedAt: number }>

/**
 * Creates the offline `local` video provider (model `local-procedural-video-v1`): text-to-video and
 * image-to-video, 5 or 10 s, 16:9 / 9:16 / 1:1 at true 720p / 1080p frame sizes, free. Renders run in the
 * background, one at a time, in this process; task ids live in memory only, so after a restart (or once a
 * finished task expires) polling answers `failed` with a `task_failed` error saying the task is unknown,
 * and the caller submits again. A missing seed counts as 0.
 * @example
 * const video = createLocalVideoProvider()
 * const { taskId } = await video.startVideo({ prompt: 'a fox', durationSec: 5, aspectRatio: '16:9', resolution: '720p' })
 * let status = await video.getVideoTask(taskId)
 * while (status.status === 'pending' || status.status === 'running') {
 *   await new Promise((resolve) => setTimeout(resolve, video.pollIntervalMs))
 *   status = await video.getVideoTask(taskId)
 * }
 * if (status.status === 'succeeded') (await video.downloadVideo(status.output)).data // an MP4, 1280x720
 */
export function createLocalVideoProvider(options: LocalVideoProviderOptions = {}): VideoProvider {
  const pricing = options.pricing ?? FREE
  const profile: ProviderProfile = {
    qualityScore: options.qualityScore ?? 0.1,
    typicalLatencyMs: options.typicalLatencyMs ?? 3000,
  }
  const frameRates = { ...LOCAL_VIDEO_FRAME_RATES, ...options.frameRates }
  for (const [resolution, frameRate] of Object.entries(frameRates)) {
    if (!Number.isInteger(frameRate) || frameRate < 1 || frameRate > 60) {
      throw new RangeError(`frameRates.${resolution} must be an integer from 1 to 60`)
    }
  }
  const maxActiveTasks = options.maxActiveTasks ?? 8
  const maxFinishedTasks = options.maxFinishedTasks ?? 50
  const finishedTaskTtlMs = options.finishedTaskTtlMs ?? 10 * 60_000
  const now = options.now ?? Date.now

  const tasks = new Map<string, TaskRecord>()
  // Renders run one after another: each is CPU-bound on the main thread, so parallel renders would only
  // make every one of them slower.
  let queue: Promise<void> = Promise.resolve()

  function finish(taskId: string, active: TaskRecord, outcome: FinishedRecord): void {
    // Only while the task is still this render's: a canceled (or forgotten) task keeps its tombstone or
    // stays gone, and the render's late outcome is dropped.
    if (tasks.get(taskId) === active) tasks.set(taskId, outcome)
  }

  function prune(): void {
    const finished: [string, FinishedRecord][] = []
    for (const [taskId, record] of tasks) {
      if (!('finishedAt' in record)) continue
      if (now() - record.finishedAt > finishedTaskTtlMs) tasks.delete(taskId)
      else finished.push([taskId, record])
    }
    if (finished.length <= maxFinishedTasks) return
    finished.sort((left, right) => left[1].finishedAt - right[1].finishedAt)
    for (const [taskId] of finished.slice(0, finished.length - maxFinishedTasks)) tasks.delete(taskId)
  }

  async function run(taskId: string, request: VideoGenerationRequest): Promise<void> {
    const record = tasks.get(taskId)
    if (record === undefined || record.state !== 'pending') return
    record.state = 'running'
    try {
      const data = await renderLocalVideo(request, {
        frameRate: frameRates[request.resolution],
        signal: record.controller.signal,
        onProgress: (progress) => {
          record.progress = progress
        },
      })
      finish(taskId, record, {
        state: 'succeeded',
        data,
        durationSec: request.durationSec,
        costUsd: pricing.perSecondUsd[request.resolution] * request.durationSec,
        finishedAt: now(),
      })
    } catch (error) {
      finish(taskId, record, { state: 'failed', error: renderError(error), finishedAt: now() })
    }
  }

  return {
    specificationVersion: 'v1',
    name: 'local',
    defaultModel: LOCAL_VIDEO_MODEL_ID,
    capabilities: LOCAL_VIDEO_CAPABILITIES,
    pricing,
    profile,
    pollIntervalMs: options.pollIntervalMs ?? 200,
    durableTasks: false,

    async startVideo(request, generateOptions: GenerateOptions = {}) {
      throwIfAborted(generateOptions.signal)
      validateRequest(request)
      if (request.image !== undefined) await assertDecodable(request.image)
      throwIfAborted(generateOptions.signal)
      prune()
      const active = [...tasks.values()].filter(
        (record) => record.state === 'pending' || record.state === 'running',
      ).length
      if (active >= maxActiveTasks) {
        throw new ProviderError({
          provider: 'local',
          errorClass: 'rate_limited',
          message: `the local video provider already has ${active} videos queued or rendering`,
          retryAfterMs: profile.typicalLatencyMs,
        })
      }

      const taskId = `lvid_${randomBytes(12).toString('base64url')}`
      tasks.set(taskId, { state: 'pending', progress: 0, controller: new AbortController() })
      // A snapshot: the caller may reuse its request object while this one waits in the queue.
      const queued = { ...request }
      queue = queue.then(() => run(taskId, queued))
      return { taskId, model: LOCAL_VIDEO_MODEL_ID, warnings: [] }
    },

    async getVideoTask(taskId, generateOptions: GenerateOptions = {}): Promise<VideoTaskStatus> {
      throwIfAborted(generateOptions.signal)
      prune()
      const record = tasks.get(taskId)
      switch (record?.state) {
        case undefined:
          return { status: 'failed', error: unknownTaskError(taskId) }
        case 'pending':
        case 'running':
          return { status: record.state, progress: record.progress }
        case 'succeeded':
          return {
            status: 'succeeded',
            output: { data: record.data, mimeType: MP4_MIME_TYPE },
            durationSec: record.durationSec,
            costUsd: record.costUsd,
          }
        case 'failed':
          return { status: 'failed', error: record.error }
        case 'canceled':
          return {
            status: 'failed',
            error: new ProviderError({
              provider: 'local',
              errorClass: 'task_failed',
              message: `local video task ${taskId} was canceled`,
            }),
          }
      }
    },

    async cancelVideoTask(taskId, generateOptions: GenerateOptions = {}) {
      throwIfAborted(generateOptions.signal)
      const record = tasks.get(taskId)
      if (record === undefined) return
      if (record.state === 'pending' || record.state === 'running') {
        record.controller.abort()
        tasks.set(taskId, { state: 'canceled', finishedAt: now() })
        return
      }
      // A finished clip is simply forgotten (its bytes freed).
      if (record.state !== 'canceled') tasks.delete(taskId)
    },

    async downloadVideo(output, generateOptions: GenerateOptions = {}) {
      throwIfAborted(generateOptions.signal)
      if ('data' in output) return { data: output.data, mimeType: output.mimeType }
      throw new ProviderError({
        provider: 'local',
        errorClass: 'invalid_request',
        message: 'the local video provider returns clips inline; it has no URL to download',
      })
    },
  }
}

function unknownTaskError(taskId: string): ProviderError {
  return new ProviderError({
    provider: 'local',
    errorClass: 'task_failed',
    message:
      `unknown local video task ${taskId}: tasks live in this process's memory only (it expired, was ` +
      'canceled, or the server restarted); submit the video again',
  })
}

function renderError(error: unknown): ProviderError {
  if (ProviderError.isInstance(error)) return error
  return new ProviderError({
    provider: 'local',
    errorClass: 'task_failed',
    message: `the local video render failed: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  })
}

function validateRequest(request: VideoGenerationRequest): void {
  const problem = requestProblem(request)
  if (problem !== undefined) {
    throw new ProviderError({ provider: 'local', errorClass: 'invalid_request', message: problem })
  }
}

function requestProblem(request: VideoGenerationRequest): string | undefined {
  if (typeof request.prompt !== 'string') return 'prompt must be a string'
  if (!VIDEO_RESOLUTIONS.includes(request.resolution)) return `unsupported resolution ${request.resolution}`
  if (!VIDEO_ASPECT_RATIOS.includes(request.aspectRatio)) {
    return `unsupported aspect ratio ${request.aspectRatio}`
  }
  if (!LOCAL_VIDEO_CAPABILITIES.durations.includes(request.durationSec)) {
    return `durationSec must be one of ${LOCAL_VIDEO_CAPABILITIES.durations.join(', ')}`
  }
  if (request.seed !== undefined && !Number.isFinite(request.seed)) return 'seed must be a finite number'
  return undefined
}

async function assertDecodable(image: ReferenceImage): Promise<void> {
  const sharp = await loadSharp()
  try {
    const { width, height } = await sharp(image.data).metadata()
    if (!width || !height) throw new Error('no dimensions')
  } catch (error) {
    throw new ProviderError({
      provider: 'local',
      errorClass: 'invalid_request',
      message: 'the first-frame image could not be decoded',
      cause: error,
    })
  }
}

// ---------------------------------------------------------------------------------------------------------
// Rendering: scene → I420 frames → H.264 MP4.

export interface RenderLocalVideoOptions {
  /** Defaults to the resolution's `LOCAL_VIDEO_FRAME_RATES` entry. */
  frameRate?: number
  /** Checked between frames; an abort rejects with a `timeout` ProviderError. */
  signal?: AbortSignal
  /** Called after each frame with the fraction done, 0..1. */
  onProgress?: (progress: number) => void
}

/**
 * Renders one clip to MP4 bytes (H.264 baseline, yuv420p, true frame size). Yields to the event loop
 * between frames, so an API in the same process stays responsive.
 * @example
 * const mp4 = await renderLocalVideo({ prompt: 'waves', durationSec: 5, aspectRatio: '1:1', resolution: '720p' })
 */
export async function renderLocalVideo(
  request: VideoGenerationRequest,
  options: RenderLocalVideoOptions = {},
): Promise<Uint8Array> {
  const frameRate = options.frameRate ?? LOCAL_VIDEO_FRAME_RATES[request.resolution]
  const { width, height } = LOCAL_VIDEO_PIXEL_SIZES[request.resolution][request.aspectRatio]
  const frameCount = Math.max(1, Math.round(request.durationSec * frameRate))
  const scene = await createLocalVideoScene({
    prompt: request.prompt,
    seed: request.seed ?? 0,
    width,
    height,
    frameCount,
    frameRate,
    image: request.image,
  })
  throwIfAborted(options.signal)

  const writer = await createMp4Writer({
    width,
    height,
    frameRate,
    quantizer: QUANTIZERS[request.resolution],
  })
  try {
    const frame = new Uint8Array((width * height * 3) / 2)
    for (let index = 0; index < frameCount; index++) {
      scene.renderFrame(index, frame)
      writer.addFrame(frame)
      options.onProgress?.((index + 1) / frameCount)
      await yieldToEventLoop()
      throwIfAborted(options.signal)
    }
    return writer.finish()
  } finally {
    writer.close()
  }
}

// --- the encoder -----------------------------------------------------------------------------------------

interface EncoderModule {
  createH264MP4Encoder(): Promise<H264MP4Encoder>
}

let encoderModule: EncoderModule | undefined

const GLUE_EVENTS = ['uncaughtException', 'unhandledRejection'] as const

/** Loads the encoder on first use (1 MB of base64 WASM), undoing the process handlers its glue installs. */
function loadEncoderModule(): EncoderModule {
  if (encoderModule !== undefined) return encoderModule
  // Typed as a plain emitter: the listener sets are only compared, never called.
  const emitter: NodeJS.EventEmitter = process
  const before = new Map(GLUE_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]))
  try {
    encoderModule = createRequire(import.meta.url)('h264-mp4-encoder') as EncoderModule
  } finally {
    // Emscripten's Node glue adds process-wide handlers that rethrow every uncaught exception and abort on
    // any unhandled rejection, which would override the host application's own policy. They are not ours.
    for (const event of GLUE_EVENTS) {
      const existing = before.get(event)!
      for (const listener of emitter.listeners(event)) {
        if (!existing.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void)
      }
    }
  }
  return encoderModule
}

export interface Mp4WriterOptions {
  /** Even. */
  width: number
  /** Even. */
  height: number
  frameRate: number
  /** 10..51; defaults to 30. */
  quantizer?: number
  /** Frames between keyframes; defaults to two seconds' worth. */
  keyframeInterval?: number
}

/** Writes I420 frames (Y plane, then quarter-size U and V planes) into an H.264 MP4, in memory. */
export interface Mp4Writer {
  addFrame(i420: Uint8Array): void
  /** Finalises the file and returns its bytes (timestamps zeroed, so output is reproducible). Closes the writer. */
  finish(): Uint8Array
  /** Frees the encoder; safe to call more than once. */
  close(): void
}

/**
 * Opens an in-memory H.264 MP4 writer (baseline profile, yuv420p).
 * @example
 * const writer = await createMp4Writer({ width: 64, height: 64, frameRate: 8 })
 * writer.addFrame(new Uint8Array(64 * 64 * 1.5).fill(128))
 * const mp4 = writer.finish()
 */
export async function createMp4Writer(options: Mp4WriterOptions): Promise<Mp4Writer> {
  const { width, height, frameRate } = options
  if (width % 2 !== 0 || height % 2 !== 0) throw new RangeError('MP4 frame sizes must be even')
  const encoder = await loadEncoderModule().createH264MP4Encoder()
  // The encoders share one in-memory file system, so every clip gets its own file name.
  const fileName = `/nbl-${randomUUID()}.mp4`
  let initialized = false
  let finalized = false
  let closed = false
  const finalize = (): void => {
    finalized = true
    encoder.finalize()
  }
  const close = (): void => {
    if (closed) return
    closed = true
    try {
      // The encoder aborts the WASM runtime if it is deleted unfinalised (e.g. a canceled render), so a
      // partial clip is finalised first and thrown away.
      if (initialized && !finalized) finalize()
      encoder.FS.unlink(fileName)
    } catch {
      // Nothing was written: nothing to remove.
    } finally {
      encoder.delete()
    }
  }
  try {
    encoder.width = width
    encoder.height = height
    encoder.frameRate = frameRate
    encoder.quantizationParameter = options.quantizer ?? 30
    encoder.groupOfPictures = options.keyframeInterval ?? Math.max(1, Math.round(frameRate * 2))
    encoder.speed = 10
    encoder.outputFilename = fileName
    encoder.initialize()
    initialized = true
  } catch (error) {
    close()
    throw error
  }
  const frameBytes = (width * height * 3) / 2
  return {
    addFrame(i420) {
      if (closed) throw new Error('the MP4 writer is closed')
      if (i420.length !== frameBytes) throw new RangeError(`an I420 frame is ${frameBytes} bytes`)
      encoder.addFrameYuv(i420)
    },
    finish() {
      if (closed) throw new Error('the MP4 writer is closed')
      try {
        finalize()
        const bytes = new Uint8Array(encoder.FS.readFile(fileName))
        zeroMp4Timestamps(bytes)
        return bytes
      } finally {
        close()
      }
    },
    close,
  }
}

const CONTAINER_BOXES = new Set(['moov', 'trak', 'mdia'])
const TIMESTAMPED_BOXES = new Set(['mvhd', 'tkhd', 'mdhd'])

/** libmp4v2 stamps creation/modification times into mvhd, tkhd and mdhd; zero them for reproducible bytes. */
function zeroMp4Timestamps(bytes: Uint8Array, start = 0, end = bytes.length): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let offset = start
  while (offset + 8 <= end) {
    const size = view.getUint32(offset)
    if (size < 8 || offset + size > end) return
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8))
    if (CONTAINER_BOXES.has(type)) zeroMp4Timestamps(bytes, offset + 8, offset + size)
    if (TIMESTAMPED_BOXES.has(type)) {
      // Full box: version (1 byte) + flags (3), then two 32-bit (version 0) or 64-bit (version 1) times.
      const timeBytes = bytes[offset + 8] === 1 ? 16 : 8
      bytes.fill(0, offset + 12, offset + 12 + timeBytes)
    }
    offset += size
  }
}

// --- the scene -------------------------------------------------------------------------------------------

export interface LocalVideoSceneInput {
  prompt: string
  seed: number
  /** Even. */
  width: number
  /** Even. */
  height: number
  frameCount: number
  frameRate: number
  /** Image-to-video: the background, cover-cropped; frame 0 shows it alone, the shapes fade in over 1 s. */
  image?: ReferenceImage | undefined
}

/** A seeded animation that draws any of its frames as I420 (BT.601 limited range). */
export interface LocalVideoScene {
  readonly width: number
  readonly height: number
  readonly frameCount: number
  /** Draws frame `index` into `target` (width × height × 1.5 bytes). */
  renderFrame(index: number, target: Uint8Array): void
}

interface Yuv {
  y: number
  u: number
  v: number
}

/** An I420 image: a full-size luma plane and half-size chroma planes. */
interface Planes {
  width: number
  height: number
  y: Uint8Array
  u: Uint8Array
  v: Uint8Array
}

/** One drifting shape: a flat colour through an alpha mask (full size, and 2×2-averaged for chroma). */
interface Sprite {
  width: number
  height: number
  alpha: Uint8Array
  chromaAlpha: Uint8Array
  color: Yuv
  /** Centre at u = 0 and drift amplitudes, in pixels; phases in radians. */
  x: number
  y: number
  amplitudeX: number
  amplitudeY: number
  phaseX: number
  phaseY: number
  /** Whole cycles per clip, so the clip loops seamlessly. */
  cycles: number
}

/**
 * Builds the scene: the background (a seeded gradient with large soft shapes, or the given image) is
 * rasterised once by sharp at a slightly larger size and panned; 5–9 shapes (3–5 over an image) drift
 * along seeded, looping paths. Every frame is then a crop plus a few alpha blends, in plain JS.
 */
export async function createLocalVideoScene(input: LocalVideoSceneInput): Promise<LocalVideoScene> {
  const { width, height, frameCount, frameRate } = input
  const tint = input.image === undefined ? undefined : await averageColor(input.image)
  const {
    random,
    between,
    color: paletteColor,
  } = seededPalette(['local-video-v1', input.prompt, input.seed], tint)

  const shortSide = Math.min(width, height)
  // Pan room on every side; even, so the chroma planes crop on whole samples.
  const margin = 2 * Math.round(shortSide * 0.04)
  const backgroundWidth = width + 2 * margin
  const backgroundHeight = height + 2 * margin

  let backgroundRgb: Buffer
  if (input.image === undefined) {
    backgroundRgb = await rasterize(
      backgroundSvg(backgroundWidth, backgroundHeight, between, paletteColor),
      backgroundWidth,
      backgroundHeight,
    )
  } else {
    const sharp = await loadSharp()
    backgroundRgb = await sharp(input.image.data)
      .rotate()
      .resize(backgroundWidth, backgroundHeight, { fit: 'cover' })
      .removeAlpha()
      .raw()
      .toBuffer()
  }
  const background = rgbToI420(backgroundRgb, backgroundWidth, backgroundHeight)

  const isImageToVideo = input.image !== undefined
  const spriteCount = isImageToVideo ? 3 + Math.floor(random() * 3) : 5 + Math.floor(random() * 5)
  const sprites = await Promise.all(
    Array.from({ length: spriteCount }, () => {
      const size = 2 * Math.round(between(0.05, 0.16) * shortSide)
      const color = paletteColor(0.25, 0.85)
      const opacity = isImageToVideo ? between(0.3, 0.6) : between(0.35, 0.85)
      return createSprite({
        svg: spriteSvg(size, random, between),
        size,
        color,
        opacity,
        x: between(0.1, 0.9) * width,
        y: between(0.1, 0.9) * height,
        amplitudeX: between(0.05, 0.3) * width,
        amplitudeY: between(0.05, 0.3) * height,
        phaseX: between(0, Math.PI * 2),
        phaseY: between(0, Math.PI * 2),
        cycles: random() < 0.7 ? 1 : 2,
      })
    }),
  )

  // The background pans on a looping path; over an image it starts centred, so frame 0 is the image.
  const panPhaseX = isImageToVideo ? 0 : between(0, Math.PI * 2)
  const panPhaseY = isImageToVideo ? 0 : between(0, Math.PI * 2)
  const panAmplitude = margin * 0.95
  // Over an image the shapes fade in during the first second.
  const fadeFrames = isImageToVideo ? Math.max(1, Math.round(frameRate)) : 0

  return {
    width,
    height,
    frameCount,
    renderFrame(index, target) {
      if (target.length !== (width * height * 3) / 2) throw new RangeError('wrong I420 frame size')
      const progress = index / frameCount
      const angle = progress * Math.PI * 2
      const panX = margin + even(panAmplitude * Math.sin(angle + panPhaseX))
      const panY = margin + even(panAmplitude * Math.sin(angle + panPhaseY))
      const frame = planesOf(target, width, height)
      cropInto(background, panX, panY, frame)
      const fade = fadeFrames === 0 ? 256 : Math.min(256, Math.round((index / fadeFrames) * 256))
      if (fade === 0) return
      for (const sprite of sprites) {
        const spriteAngle = angle * sprite.cycles
        const left = even(
          sprite.x + sprite.amplitudeX * Math.sin(spriteAngle + sprite.phaseX) - sprite.width / 2,
        )
        const top = even(
          sprite.y + sprite.amplitudeY * Math.sin(spriteAngle + sprite.phaseY) - sprite.height / 2,
        )
        blendSprite(frame, sprite, left, top, fade)
      }
    },
  }
}

const even = (value: number): number => 2 * Math.round(value / 2)

function planesOf(buffer: Uint8Array, width: number, height: number): Planes {
  const lumaSize = width * height
  const chromaSize = lumaSize / 4
  return {
    width,
    height,
    y: buffer.subarray(0, lumaSize),
    u: buffer.subarray(lumaSize, lumaSize + chromaSize),
    v: buffer.subarray(lumaSize + chromaSize, lumaSize + 2 * chromaSize),
  }
}

/** Copies the frame-sized window at (left, top) (both even) of `source` into `target`. */
function cropInto(source: Planes, left: number, top: number, target: Planes): void {
  for (let row = 0; row < target.height; row++) {
    const from = (top + row) * source.width + left
    target.y.set(source.y.subarray(from, from + target.width), row * target.width)
  }
  const sourceChromaWidth = source.width / 2
  const chromaWidth = target.width / 2
  for (let row = 0; row < target.height / 2; row++) {
    const from = (top / 2 + row) * sourceChromaWidth + left / 2
    target.u.set(source.u.subarray(from, from + chromaWidth), row * chromaWidth)
    target.v.set(source.v.subarray(from, from + chromaWidth), row * chromaWidth)
  }
}

/** Blends a sprite whose top-left corner is at (left, top) (both even); `fade` is 0..256. */
function blendSprite(frame: Planes, sprite: Sprite, left: number, top: number, fade: number): void {
  blendPlane(
    frame.y,
    frame.width,
    frame.height,
    sprite.alpha,
    sprite.width,
    sprite.height,
    left,
    top,
    sprite.color.y,
    fade,
  )
  const chromaWidth = frame.width / 2
  const chromaHeight = frame.height / 2
  const spriteChromaWidth = sprite.width / 2
  const spriteChromaHeight = sprite.height / 2
  for (const [plane, value] of [
    [frame.u, sprite.color.u],
    [frame.v, sprite.color.v],
  ] as const) {
    blendPlane(
      plane,
      chromaWidth,
      chromaHeight,
      sprite.chromaAlpha,
      spriteChromaWidth,
      spriteChromaHeight,
      left / 2,
      top / 2,
      value,
      fade,
    )
  }
}

function blendPlane(
  plane: Uint8Array,
  planeWidth: number,
  planeHeight: number,
  alpha: Uint8Array,
  alphaWidth: number,
  alphaHeight: number,
  left: number,
  top: number,
  value: number,
  fade: number,
): void {
  const firstRow = Math.max(0, -top)
  const lastRow = Math.min(alphaHeight, planeHeight - top)
  const firstColumn = Math.max(0, -left)
  const lastColumn = Math.min(alphaWidth, planeWidth - left)
  for (let row = firstRow; row < lastRow; row++) {
    const alphaRow = row * alphaWidth
    const planeRow = (top + row) * planeWidth + left
    for (let column = firstColumn; column < lastColumn; column++) {
      const coverage = alpha[alphaRow + column]!
      if (coverage === 0) continue
      // coverage 0..255 times fade 0..256 → weight 0..255 (>> 8), then a rounded lerp towards the colour.
      const weight = (coverage * fade) >> 8
      const index = planeRow + column
      const current = plane[index]!
      plane[index] = (current + ((value - current) * weight + 127) / 255) | 0
    }
  }
}

interface SpriteInput {
  svg: string
  size: number
  color: Rgb
  opacity: number
  x: number
  y: number
  amplitudeX: number
  amplitudeY: number
  phaseX: number
  phaseY: number
  cycles: number
}

async function createSprite(input: SpriteInput): Promise<Sprite> {
  const sharp = await loadSharp()
  const { size } = input
  // White shape on transparent: only its alpha (the anti-aliased coverage) is kept.
  const coverage = await sharp(Buffer.from(input.svg)).ensureAlpha().extractChannel(3).raw().toBuffer()
  const alpha = new Uint8Array(size * size)
  for (let index = 0; index < alpha.length; index++)
    alpha[index] = Math.round(coverage[index]! * input.opacity)
  const chromaSize = size / 2
  const chromaAlpha = new Uint8Array(chromaSize * chromaSize)
  for (let row = 0; row < chromaSize; row++) {
    for (let column = 0; column < chromaSize; column++) {
      const topLeft = 2 * row * size + 2 * column
      const sum = alpha[topLeft]! + alpha[topLeft + 1]! + alpha[topLeft + size]! + alpha[topLeft + size + 1]!
      chromaAlpha[row * chromaSize + column] = (sum + 2) >> 2
    }
  }
  return {
    width: size,
    height: size,
    alpha,
    chromaAlpha,
    color: rgbToYuv(input.color),
    x: input.x,
    y: input.y,
    amplitudeX: input.amplitudeX,
    amplitudeY: input.amplitudeY,
    phaseX: input.phaseX,
    phaseY: input.phaseY,
    cycles: input.cycles,
  }
}

const fixed = (value: number): string => value.toFixed(1)

function spriteSvg(
  size: number,
  random: () => number,
  between: (min: number, max: number) => number,
): string {
  const half = size / 2
  const kind = random()
  let shape: string
  if (kind < 0.4) {
    shape = `<circle cx="${half}" cy="${half}" r="${fixed(half * 0.96)}" fill="#fff"/>`
  } else if (kind < 0.6) {
    const stroke = half * between(0.12, 0.3)
    shape = `<circle cx="${half}" cy="${half}" r="${fixed(half * 0.96 - stroke / 2)}" fill="none" stroke="#fff" stroke-width="${fixed(stroke)}"/>`
  } else {
    // A rounded square, rotated within the sprite (its diagonal fits the sprite).
    const side = size * 0.68
    shape =
      `<rect x="${fixed(half - side / 2)}" y="${fixed(half - side / 2)}" width="${fixed(side)}" height="${fixed(side)}" ` +
      `rx="${fixed(side * between(0, 0.3))}" fill="#fff" transform="rotate(${fixed(between(0, 90))} ${half} ${half})"/>`
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">${shape}</svg>`
}

function backgroundSvg(
  width: number,
  height: number,
  between: (min: number, max: number) => number,
  paletteColor: (lightnessMin: number, lightnessMax: number) => Rgb,
): string {
  const stopCount = between(0, 1) < 0.5 ? 2 : 3
  const stops = Array.from(
    { length: stopCount },
    (_, index) =>
      `<stop offset="${fixed(index / (stopCount - 1))}" stop-color="${toHex(paletteColor(0.15, 0.65))}"/>`,
  ).join('')
  const angle = between(0, Math.PI * 2)
  const gradient =
    `<linearGradient id="background" x1="${fixed(0.5 - Math.cos(angle) / 2)}" y1="${fixed(0.5 - Math.sin(angle) / 2)}" ` +
    `x2="${fixed(0.5 + Math.cos(angle) / 2)}" y2="${fixed(0.5 + Math.sin(angle) / 2)}">${stops}</linearGradient>`
  const shortSide = Math.min(width, height)
  const shapes: string[] = []
  const shapeCount = 3 + Math.floor(between(0, 4))
  for (let index = 0; index < shapeCount; index++) {
    const fill = toHex(paletteColor(0.2, 0.8))
    const opacity = fixed(between(0.15, 0.45))
    const x = fixed(between(0, 1) * width)
    const y = fixed(between(0, 1) * height)
    if (between(0, 1) < 0.6) {
      shapes.push(
        `<circle cx="${x}" cy="${y}" r="${fixed(between(0.2, 0.5) * shortSide)}" fill="${fill}" fill-opacity="${opacity}"/>`,
      )
    } else {
      // A band across the whole canvas at any angle.
      const diagonal = Math.hypot(width, height)
      const thickness = between(0.05, 0.2) * shortSide
      shapes.push(
        `<rect x="${fixed(-diagonal)}" y="${fixed(-thickness / 2)}" width="${fixed(diagonal * 2)}" height="${fixed(thickness)}" ` +
          `fill="${fill}" fill-opacity="${opacity}" transform="translate(${x} ${y}) rotate(${fixed(between(0, 180))})"/>`,
      )
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<defs>${gradient}</defs><rect width="${width}" height="${height}" fill="url(#background)"/>${shapes.join('')}</svg>`
  )
}

async function rasterize(svg: string, width: number, height: number): Promise<Buffer> {
  const sharp = await loadSharp()
  const { data, info } = await sharp(Buffer.from(svg))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  if (info.width !== width || info.height !== height)
    throw new Error('the background rendered at the wrong size')
  return data
}

/** BT.601 limited range, the default a decoder assumes when the stream carries no colour description. */
function rgbToYuv([red, green, blue]: Rgb): Yuv {
  return {
    y: clampByte(((66 * red + 129 * green + 25 * blue + 128) >> 8) + 16),
    u: clampByte(((-38 * red - 74 * green + 112 * blue + 128) >> 8) + 128),
    v: clampByte(((112 * red - 94 * green - 18 * blue + 128) >> 8) + 128),
  }
}

const clampByte = (value: number): number => Math.min(255, Math.max(0, value))

/** Packed RGB (3 bytes a pixel, even width and height) → I420, chroma from each 2×2 block's mean. */
function rgbToI420(rgb: Uint8Array, width: number, height: number): Planes {
  const y = new Uint8Array(width * height)
  const u = new Uint8Array((width * height) / 4)
  const v = new Uint8Array((width * height) / 4)
  for (let index = 0, pixel = 0; index < y.length; index++, pixel += 3) {
    y[index] = ((66 * rgb[pixel]! + 129 * rgb[pixel + 1]! + 25 * rgb[pixel + 2]! + 128) >> 8) + 16
  }
  const chromaWidth = width / 2
  for (let row = 0; row < height / 2; row++) {
    for (let column = 0; column < chromaWidth; column++) {
      const topLeft = (2 * row * width + 2 * column) * 3
      const below = topLeft + width * 3
      const red = (rgb[topLeft]! + rgb[topLeft + 3]! + rgb[below]! + rgb[below + 3]! + 2) >> 2
      const green = (rgb[topLeft + 1]! + rgb[topLeft + 4]! + rgb[below + 1]! + rgb[below + 4]! + 2) >> 2
      const blue = (rgb[topLeft + 2]! + rgb[topLeft + 5]! + rgb[below + 2]! + rgb[below + 5]! + 2) >> 2
      const index = row * chromaWidth + column
      u[index] = ((-38 * red - 74 * green + 112 * blue + 128) >> 8) + 128
      v[index] = ((112 * red - 94 * green - 18 * blue + 128) >> 8) + 128
    }
  }
  return { width, height, y, u, v }
}
