/**
 * @module Tests for the offline `local` video provider: a real MP4 (boxes, SPS frame size, duration, frame
 * count), determinism, image-to-video, the task lifecycle (pending → running → succeeded, unknown ids,
 * cancel, expiry, back-pressure), and the fakes' `tinyMp4`.
 */
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { TINY_MP4, tinyMp4 } from '../fakes/video-media.js'
import {
  ProviderError,
  type VideoGenerationRequest,
  type VideoProvider,
  type VideoTaskStatus,
} from '../types.js'
import {
  createLocalVideoProvider,
  createLocalVideoScene,
  createMp4Writer,
  LOCAL_VIDEO_FRAME_RATES,
  LOCAL_VIDEO_MODEL_ID,
  LOCAL_VIDEO_PIXEL_SIZES,
  type LocalVideoProviderOptions,
} from './local-video.js'

// One frame a second keeps most renders to 5 or 10 frames; the default rates get their own test.
const FAST: LocalVideoProviderOptions = { frameRates: { '720p': 1, '1080p': 1 }, pollIntervalMs: 5 }

const request = (overrides: Partial<VideoGenerationRequest> = {}): VideoGenerationRequest => ({
  prompt: 'a paper boat on a rainy street',
  durationSec: 5,
  aspectRatio: '16:9',
  resolution: '720p',
  ...overrides,
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls every few ms until the task leaves pending/running; returns every status seen. */
async function waitForTask(provider: VideoProvider, taskId: string): Promise<VideoTaskStatus[]> {
  const seen: VideoTaskStatus[] = []
  for (let poll = 0; poll < 5000; poll++) {
    const status = await provider.getVideoTask(taskId)
    seen.push(status)
    if (status.status !== 'pending' && status.status !== 'running') return seen
    await sleep(2)
  }
  throw new Error('the task never finished')
}

async function renderMp4(provider: VideoProvider, overrides: Partial<VideoGenerationRequest> = {}) {
  const { taskId } = await provider.startVideo(request(overrides))
  const final = (await waitForTask(provider, taskId)).at(-1)!
  if (final.status !== 'succeeded') throw new Error(`render ${final.status}`)
  return (await provider.downloadVideo(final.output)).data
}

// --- a minimal MP4 / H.264 header reader -------------------------------------------------------------------

interface Box {
  type: string
  start: number
  end: number
}

function childBoxes(bytes: Uint8Array, start: number, end: number): Box[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const boxes: Box[] = []
  for (let offset = start; offset + 8 <= end; ) {
    const size = view.getUint32(offset)
    expect(size).toBeGreaterThanOrEqual(8)
    boxes.push({
      type: Buffer.from(bytes.subarray(offset + 4, offset + 8)).toString('latin1'),
      start: offset,
      end: offset + size,
    })
    offset += size
  }
  return boxes
}

function findBox(bytes: Uint8Array, path: string[], start = 0, end = bytes.length): Box {
  const [type, ...rest] = path
  const box = childBoxes(bytes, start, end).find((candidate) => candidate.type === type)
  if (box === undefined) throw new Error(`no ${type} box`)
  return rest.length === 0 ? box : findBox(bytes, rest, box.start + 8, box.end)
}

/** Reads Exp-Golomb coded fields from an RBSP (emulation-prevention bytes removed). */
function bitReader(rbsp: Uint8Array) {
  let position = 0
  const bit = () => {
    const value = (rbsp[position >> 3]! >> (7 - (position & 7))) & 1
    position++
    return value
  }
  const bits = (count: number) => {
    let value = 0
    for (let index = 0; index < count; index++) value = value * 2 + bit()
    return value
  }
  const unsignedExpGolomb = () => {
    let zeros = 0
    while (bit() === 0) zeros++
    return 2 ** zeros - 1 + bits(zeros)
  }
  return { bit, bits, unsignedExpGolomb }
}

/** The frame size an H.264 sequence parameter set (baseline / main, 4:2:0) really encodes. */
function spsFrameSize(nal: Uint8Array): { profile: number; width: number; height: number } {
  const rbsp: number[] = []
  for (let index = 1; index < nal.length; index++) {
    if (index >= 3 && nal[index] === 3 && nal[index - 1] === 0 && nal[index - 2] === 0) continue
    rbsp.push(nal[index]!)
  }
  const reader = bitReader(Uint8Array.from(rbsp))
  const profile = reader.bits(8)
  reader.bits(16) // constraint flags, level
  reader.unsignedExpGolomb() // seq_parameter_set_id
  expect([66, 77]).toContain(profile) // no chroma_format_idc / scaling lists to skip
  reader.unsignedExpGolomb() // log2_max_frame_num_minus4
  const pictureOrderCountType = reader.unsignedExpGolomb()
  if (pictureOrderCountType === 0) reader.unsignedExpGolomb()
  expect(pictureOrderCountType).not.toBe(1)
  reader.unsignedExpGolomb() // max_num_ref_frames
  reader.bit() // gaps_in_frame_num_value_allowed_flag
  const widthInMacroblocks = reader.unsignedExpGolomb() + 1
  const heightInMapUnits = reader.unsignedExpGolomb() + 1
  const frameMacroblocksOnly = reader.bit()
  if (frameMacroblocksOnly === 0) reader.bit()
  reader.bit() // direct_8x8_inference_flag
  let [left, right, top, bottom] = [0, 0, 0, 0]
  if (reader.bit() === 1) {
    left = reader.unsignedExpGolomb()
    right = reader.unsignedExpGolomb()
    top = reader.unsignedExpGolomb()
    bottom = reader.unsignedExpGolomb()
  }
  const cropUnitY = 2 * (2 - frameMacroblocksOnly)
  return {
    profile,
    width: widthInMacroblocks * 16 - 2 * (left + right),
    height: (2 - frameMacroblocksOnly) * heightInMapUnits * 16 - cropUnitY * (top + bottom),
  }
}

interface Mp4Info {
  brand: string
  topLevel: string[]
  durationSec: number
  track: { width: number; height: number }
  sampleEntry: { codec: string; width: number; height: number }
  sps: { profile: number; width: number; height: number }
  samples: number
}

function inspectMp4(bytes: Uint8Array): Mp4Info {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const text = (start: number, end: number) => Buffer.from(bytes.subarray(start, end)).toString('latin1')
  const mvhd = findBox(bytes, ['moov', 'mvhd'])
  expect(bytes[mvhd.start + 8]).toBe(0) // version 0: 32-bit times
  const timescale = view.getUint32(mvhd.start + 20)
  const duration = view.getUint32(mvhd.start + 24)
  const tkhd = findBox(bytes, ['moov', 'trak', 'tkhd'])
  expect(bytes[tkhd.start + 8]).toBe(0)
  const stsd = findBox(bytes, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'])
  const entry = stsd.start + 16
  // VisualSampleEntry: 8-byte header, then 78 bytes of fields, then its child boxes (avcC).
  const avcC = findBox(bytes, ['avcC'], entry + 86, entry + view.getUint32(entry))
  const spsLength = view.getUint16(avcC.start + 14)
  const stsz = findBox(bytes, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsz'])
  return {
    brand: text(8, 12),
    topLevel: childBoxes(bytes, 0, bytes.length).map((box) => box.type),
    durationSec: duration / timescale,
    track: {
      width: view.getUint32(tkhd.start + 84) / 65536,
      height: view.getUint32(tkhd.start + 88) / 65536,
    },
    sampleEntry: {
      codec: text(entry + 4, entry + 8),
      width: view.getUint16(entry + 32),
      height: view.getUint16(entry + 34),
    },
    sps: spsFrameSize(bytes.subarray(avcC.start + 16, avcC.start + 16 + spsLength)),
    samples: view.getUint32(stsz.start + 16),
  }
}

// --- images ------------------------------------------------------------------------------------------------

async function solidImage(color: { r: number; g: number; b: number }, width = 64, height = 48) {
  const data = await sharp({ create: { width, height, channels: 3, background: color } })
    .png()
    .toBuffer()
  return { data: new Uint8Array(data), mimeType: 'image/png' }
}

/** Left half red, right half blue. */
async function splitImage() {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180">' +
    '<rect width="160" height="180" fill="#ff0000"/><rect x="160" width="160" height="180" fill="#0000ff"/></svg>'
  return { data: new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer()), mimeType: 'image/png' }
}

const mean = (values: Uint8Array) => values.reduce((sum, value) => sum + value, 0) / values.length

// BT.601 limited range.
const RED = { y: 82, u: 90, v: 240 }
const BLUE = { y: 41, u: 240, v: 110 }

describe('local video provider', () => {
  it('loads the encoder without leaving process-wide handlers behind', async () => {
    const before = {
      uncaught: process.listeners('uncaughtException'),
      rejection: process.listeners('unhandledRejection'),
    }
    const writer = await createMp4Writer({ width: 16, height: 16, frameRate: 4 })
    writer.close()
    expect(process.listeners('uncaughtException')).toEqual(before.uncaught)
    expect(process.listeners('unhandledRejection')).toEqual(before.rejection)
  })

  it('declares its name, model, capabilities, zero price and poll interval', () => {
    const video = createLocalVideoProvider()
    expect(video).toMatchObject({
      specificationVersion: 'v1',
      name: 'local',
      defaultModel: LOCAL_VIDEO_MODEL_ID,
      pollIntervalMs: 200,
      capabilities: {
        durations: [5, 10],
        aspectRatios: ['16:9', '9:16', '1:1'],
        resolutions: ['720p', '1080p'],
        textToVideo: true,
        imageToVideo: true,
      },
      pricing: { perSecondUsd: { '720p': 0, '1080p': 0 } },
    })
    expect(video.profile.qualityScore).toBeLessThan(0.5)
  })

  it.each([
    ['720p', '16:9', 5, 1280, 720],
    ['720p', '9:16', 5, 720, 1280],
    ['720p', '1:1', 10, 720, 720],
    ['1080p', '16:9', 5, 1920, 1080],
    ['1080p', '9:16', 5, 1080, 1920],
    ['1080p', '1:1', 5, 1080, 1080],
  ] as const)(
    'renders %s %s %is as a real H.264 MP4 of exactly %ix%i',
    async (resolution, aspectRatio, durationSec, width, height) => {
      const video = createLocalVideoProvider(FAST)
      const mp4 = await renderMp4(video, { resolution, aspectRatio, durationSec })
      expect(Buffer.from(mp4.subarray(4, 8)).toString('latin1')).toBe('ftyp')
      const info = inspectMp4(mp4)
      expect(info.topLevel).toEqual(expect.arrayContaining(['ftyp', 'moov', 'mdat']))
      expect(info.durationSec).toBeCloseTo(durationSec, 3)
      expect(info.samples).toBe(durationSec)
      expect(info.track).toEqual({ width, height })
      expect(info.sampleEntry).toEqual({ codec: 'avc1', width, height })
      expect(info.sps).toEqual({ profile: 66, width, height })
      expect({ width, height }).toEqual(LOCAL_VIDEO_PIXEL_SIZES[resolution][aspectRatio])
    },
  )

  it('renders at 12 fps at 720p by default, in a few hundred KB', async () => {
    expect(LOCAL_VIDEO_FRAME_RATES).toEqual({ '720p': 12, '1080p': 8 })
    const mp4 = await renderMp4(createLocalVideoProvider({ pollIntervalMs: 5 }), { aspectRatio: '1:1' })
    const info = inspectMp4(mp4)
    expect(info.samples).toBe(60)
    expect(info.durationSec).toBeCloseTo(5, 3)
    expect(mp4.length).toBeGreaterThan(10_000)
    expect(mp4.length).toBeLessThan(1_000_000)
  })

  it('is byte-identical for the same prompt and seed, across instances, and differs otherwise', async () => {
    const first = await renderMp4(createLocalVideoProvider(FAST), { seed: 7, aspectRatio: '1:1' })
    const again = await renderMp4(createLocalVideoProvider(FAST), { seed: 7, aspectRatio: '1:1' })
    expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true)

    const reseeded = await renderMp4(createLocalVideoProvider(FAST), { seed: 8, aspectRatio: '1:1' })
    const reworded = await renderMp4(createLocalVideoProvider(FAST), {
      seed: 7,
      aspectRatio: '1:1',
      prompt: 'a lighthouse at dusk',
    })
    expect(Buffer.from(reseeded).equals(Buffer.from(first))).toBe(false)
    expect(Buffer.from(reworded).equals(Buffer.from(first))).toBe(false)
  })

  it('animates: frames differ over time, and different prompts draw different scenes', async () => {
    const size = LOCAL_VIDEO_PIXEL_SIZES['720p']['16:9']
    const scene = await createLocalVideoScene({
      prompt: 'waves',
      seed: 1,
      ...size,
      frameCount: 24,
      frameRate: 12,
    })
    const other = await createLocalVideoScene({
      prompt: 'a desert',
      seed: 1,
      ...size,
      frameCount: 24,
      frameRate: 12,
    })
    const frame = (target: typeof scene, index: number) => {
      const buffer = new Uint8Array(size.width * size.height * 1.5)
      target.renderFrame(index, buffer)
      return buffer
    }
    const difference = (left: Uint8Array, right: Uint8Array) => {
      let changed = 0
      for (let index = 0; index < size.width * size.height; index++)
        if (left[index] !== right[index]) changed++
      return changed / (size.width * size.height)
    }
    // Most of the picture moves between frames a quarter of the clip apart.
    expect(difference(frame(scene, 0), frame(scene, 6))).toBeGreaterThan(0.3)
    expect(difference(frame(scene, 0), frame(scene, 1))).toBeGreaterThan(0.05)
    expect(difference(frame(scene, 3), frame(other, 3))).toBeGreaterThan(0.8)
    // Not flat: the luma spreads widely.
    const luma = frame(scene, 0).subarray(0, size.width * size.height)
    expect(
      luma.reduce((max, value) => Math.max(max, value)) - luma.reduce((min, value) => Math.min(min, value)),
    ).toBeGreaterThan(60)
  })

  it('starts image-to-video on the given image, then animates over it', async () => {
    const size = LOCAL_VIDEO_PIXEL_SIZES['720p']['16:9']
    const lumaSize = size.width * size.height
    const scene = await createLocalVideoScene({
      prompt: 'make it move',
      seed: 0,
      ...size,
      frameCount: 60,
      frameRate: 12,
      image: await solidImage({ r: 255, g: 0, b: 0 }),
    })
    const first = new Uint8Array(lumaSize * 1.5)
    scene.renderFrame(0, first)
    // Frame 0 is the image alone: every sample is red.
    expect(new Set(first.subarray(0, lumaSize))).toEqual(new Set([RED.y]))
    expect(new Set(first.subarray(lumaSize, lumaSize * 1.25))).toEqual(new Set([RED.u]))
    expect(new Set(first.subarray(lumaSize * 1.25))).toEqual(new Set([RED.v]))
    // A second in, the shapes have faded in over it; the picture stays mostly red.
    const later = new Uint8Array(lumaSize * 1.5)
    scene.renderFrame(12, later)
    const luma = later.subarray(0, lumaSize)
    expect(luma.filter((value) => value !== RED.y).length).toBeGreaterThan(lumaSize * 0.02)
    expect(mean(later.subarray(lumaSize * 1.25))).toBeGreaterThan(200)

    // The image is cover-cropped, not stretched or flipped: red stays left, blue right.
    const split = await createLocalVideoScene({
      prompt: 'make it move',
      seed: 0,
      ...size,
      frameCount: 60,
      frameRate: 12,
      image: await splitImage(),
    })
    split.renderFrame(0, first)
    const row = first.subarray(size.width * 360, size.width * 361)
    expect(row[100]).toBe(RED.y)
    expect(row[size.width - 100]).toBe(BLUE.y)
  })

  it('makes image-to-video MP4s that differ from text-to-video, and rejects an undecodable image', async () => {
    const video = createLocalVideoProvider(FAST)
    const textOnly = await renderMp4(video, { aspectRatio: '1:1' })
    const fromImage = await renderMp4(video, { aspectRatio: '1:1', image: await splitImage() })
    expect(inspectMp4(fromImage).sps).toEqual({ profile: 66, width: 720, height: 720 })
    expect(Buffer.from(fromImage).equals(Buffer.from(textOnly))).toBe(false)

    const broken = { data: new Uint8Array([1, 2, 3, 4]), mimeType: 'image/png' }
    await expect(video.startVideo(request({ image: broken }))).rejects.toMatchObject({
      name: 'ProviderError',
      provider: 'local',
      errorClass: 'invalid_request',
    })
  })

  it('goes pending → running (with rising progress) → succeeded, queueing a second task behind the first', async () => {
    const video = createLocalVideoProvider({ frameRates: { '720p': 4 }, pollIntervalMs: 5 })
    const first = await video.startVideo(request({ aspectRatio: '1:1' }))
    const second = await video.startVideo(request({ aspectRatio: '1:1', seed: 2 }))
    expect(first).toEqual({
      taskId: expect.stringMatching(/^lvid_[\w-]{16}$/),
      model: LOCAL_VIDEO_MODEL_ID,
      warnings: [],
    })
    expect(second.taskId).not.toBe(first.taskId)
    // Renders run one at a time: the first may have started already, the second waits its turn.
    expect(['pending', 'running']).toContain((await video.getVideoTask(first.taskId)).status)
    expect(await video.getVideoTask(second.taskId)).toEqual({ status: 'pending', progress: 0 })

    const seen = await waitForTask(video, first.taskId)
    const running = seen.filter((status) => status.status === 'running')
    expect(running.length).toBeGreaterThan(2)
    const progress = running.map((status) => ('progress' in status ? status.progress! : -1))
    expect(progress).toEqual([...progress].sort((left, right) => left - right))
    expect(Math.max(...progress)).toBeGreaterThan(0)
    expect(Math.max(...progress)).toBeLessThanOrEqual(1)
    // Never back to pending once running, and nothing but these three states.
    const states = seen.map((status) => status.status)
    expect(states.slice(states.indexOf('running'))).not.toContain('pending')
    expect(states.filter((state) => !['pending', 'running', 'succeeded'].includes(state))).toEqual([])

    const final = seen.at(-1)!
    expect(final).toMatchObject({
      status: 'succeeded',
      durationSec: 5,
      costUsd: 0,
      output: { mimeType: 'video/mp4' },
    })
    if (final.status !== 'succeeded' || !('data' in final.output)) throw new Error('no inline output')
    expect(inspectMp4(final.output.data).samples).toBe(20)

    // The second task, which waited its turn, finishes too.
    expect((await waitForTask(video, second.taskId)).at(-1)!.status).toBe('succeeded')
  })

  it('answers an unknown task id (e.g. after a restart) with a task_failed error that says so', async () => {
    const video = createLocalVideoProvider(FAST)
    const status = await video.getVideoTask('lvid_from_a_previous_process')
    expect(status.status).toBe('failed')
    if (status.status !== 'failed') return
    expect(ProviderError.isInstance(status.error)).toBe(true)
    expect(status.error).toMatchObject({ provider: 'local', errorClass: 'task_failed', retryable: false })
    expect(status.error.message).toMatch(/unknown local video task lvid_from_a_previous_process/)
    expect(status.error.message).toMatch(/submit the video again/)
  })

  it('cancels a running task (the queue moves on), a pending one (it never runs), and forgets a finished one', async () => {
    const video = createLocalVideoProvider({ frameRates: { '720p': 2, '1080p': 24 }, pollIntervalMs: 5 })
    // 240 frames of 1080p would take many seconds; the cancel must stop it.
    const long = await video.startVideo(request({ resolution: '1080p', durationSec: 10 }))
    const pending = await video.startVideo(request({ resolution: '1080p', durationSec: 10, seed: 3 }))
    const quick = await video.startVideo(request({ resolution: '720p', aspectRatio: '1:1', durationSec: 5 }))
    let status = await video.getVideoTask(long.taskId)
    while (status.status !== 'running' || (status.progress ?? 0) === 0) {
      await sleep(2)
      status = await video.getVideoTask(long.taskId)
    }
    const started = Date.now()
    await video.cancelVideoTask!(long.taskId)
    await video.cancelVideoTask!(pending.taskId)
    for (const taskId of [long.taskId, pending.taskId]) {
      const canceled = await video.getVideoTask(taskId)
      expect(canceled).toMatchObject({ status: 'failed', error: { errorClass: 'task_failed' } })
      if (canceled.status === 'failed') expect(canceled.error.message).toMatch(/was canceled/)
    }

    const quickFinal = (await waitForTask(video, quick.taskId)).at(-1)!
    expect(quickFinal.status).toBe('succeeded')
    expect(Date.now() - started).toBeLessThan(5000)
    // Still canceled once the render loop noticed, not overwritten by its outcome.
    expect((await video.getVideoTask(long.taskId)).status).toBe('failed')

    await video.cancelVideoTask!(quick.taskId)
    const forgotten = await video.getVideoTask(quick.taskId)
    expect(forgotten.status === 'failed' && forgotten.error.message).toMatch(/unknown local video task/)
    await expect(video.cancelVideoTask!('lvid_nobody')).resolves.toBeUndefined()
  })

  it('keeps finished tasks bounded: the newest N, for a limited time', async () => {
    let clock = 1_000_000
    const video = createLocalVideoProvider({
      ...FAST,
      maxFinishedTasks: 1,
      finishedTaskTtlMs: 60_000,
      now: () => clock,
    })
    const first = await video.startVideo(request({ aspectRatio: '1:1' }))
    await waitForTask(video, first.taskId)
    const second = await video.startVideo(request({ aspectRatio: '1:1', seed: 1 }))
    await waitForTask(video, second.taskId)
    expect((await video.getVideoTask(first.taskId)).status).toBe('failed')
    expect((await video.getVideoTask(second.taskId)).status).toBe('succeeded')
    clock += 60_001
    const expired = await video.getVideoTask(second.taskId)
    expect(expired.status === 'failed' && expired.error.message).toMatch(/unknown local video task/)
  })

  it('pushes back with rate_limited when too many tasks are queued', async () => {
    const video = createLocalVideoProvider({ ...FAST, maxActiveTasks: 2 })
    const tasks = [await video.startVideo(request()), await video.startVideo(request({ seed: 1 }))]
    const error = await video.startVideo(request({ seed: 2 })).catch((thrown) => thrown)
    expect(ProviderError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ errorClass: 'rate_limited', retryable: true, retryAfterMs: 3000 })
    for (const task of tasks) await video.cancelVideoTask!(task.taskId)
  })

  it.each([
    ['a 7 s duration', { durationSec: 7 }],
    ['a 4:3 aspect ratio', { aspectRatio: '4:3' }],
    ['a 4K resolution', { resolution: '4K' }],
    ['a NaN seed', { seed: Number.NaN }],
  ])('rejects %s as invalid_request', async (_, overrides) => {
    const video = createLocalVideoProvider(FAST)
    await expect(
      video.startVideo(request(overrides as Partial<VideoGenerationRequest>)),
    ).rejects.toMatchObject({
      errorClass: 'invalid_request',
      retryable: false,
    })
  })

  it('refuses a frame rate the encoder cannot take', () => {
    expect(() => createLocalVideoProvider({ frameRates: { '720p': 0 } })).toThrow(RangeError)
    expect(() => createLocalVideoProvider({ frameRates: { '1080p': 7.5 } })).toThrow(/frameRates.1080p/)
  })

  it('throws a timeout ProviderError for an already-aborted call', async () => {
    const video = createLocalVideoProvider(FAST)
    const controller = new AbortController()
    controller.abort()
    await expect(video.startVideo(request(), { signal: controller.signal })).rejects.toMatchObject({
      name: 'ProviderError',
      errorClass: 'timeout',
    })
    await expect(video.getVideoTask('lvid_x', { signal: controller.signal })).rejects.toMatchObject({
      errorClass: 'timeout',
    })
  })

  it('downloads inline output, refuses a URL, and prices with the configured table', async () => {
    const video = createLocalVideoProvider({
      ...FAST,
      pricing: { perSecondUsd: { '720p': 0.01, '1080p': 0.02 } },
      qualityScore: 0.3,
      typicalLatencyMs: 500,
    })
    const { taskId } = await video.startVideo(request({ aspectRatio: '1:1', durationSec: 10 }))
    const final = (await waitForTask(video, taskId)).at(-1)!
    expect(final).toMatchObject({ status: 'succeeded', durationSec: 10 })
    if (final.status !== 'succeeded') return
    expect(final.costUsd).toBeCloseTo(0.1)
    const downloaded = await video.downloadVideo(final.output)
    expect(downloaded.mimeType).toBe('video/mp4')
    expect(inspectMp4(downloaded.data).durationSec).toBeCloseTo(10, 3)
    await expect(video.downloadVideo({ url: 'https://example.com/clip.mp4' })).rejects.toMatchObject({
      errorClass: 'invalid_request',
    })
    expect(video.profile).toEqual({ qualityScore: 0.3, typicalLatencyMs: 500 })
  })
})

describe('tinyMp4', () => {
  it('is a real, few-KB H.264 MP4, encoded once', async () => {
    const mp4 = await tinyMp4()
    expect(await tinyMp4()).toBe(mp4)
    expect(mp4.length).toBeLessThan(8 * 1024)
    expect(mp4.subarray(4, 8).toString('latin1')).toBe('ftyp')
    const info = inspectMp4(mp4)
    expect(info.topLevel).toEqual(expect.arrayContaining(['ftyp', 'moov', 'mdat']))
    expect(info.sps).toEqual({ profile: 66, width: TINY_MP4.width, height: TINY_MP4.height })
    expect(info.samples).toBe(TINY_MP4.frameCount)
    expect(info.durationSec).toBeCloseTo(TINY_MP4.durationSec, 3)
  })
})
