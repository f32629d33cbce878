/** @module Kling video adapter against the contract fake: submit, poll, download, failures. */
import sharp from 'sharp'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type KlingFake, startKlingFake } from '../../fakes/kling-fake.js'
import {
  ProviderError,
  type VideoGenerationRequest,
  type VideoProvider,
  type VideoTaskStatus,
} from '../../types.js'
import { createKlingProvider, type KlingConfig } from './kling-adapter.js'

let fake: KlingFake
let config: KlingConfig

beforeAll(async () => {
  fake = await startKlingFake({ pendingPolls: 2 })
  config = { accessKey: fake.accessKey, secretKey: fake.secretKey, baseUrl: fake.url, pollIntervalMs: 5 }
})
afterAll(() => fake.close())
beforeEach(() => fake.reset())

const video = (overrides: Partial<VideoGenerationRequest> = {}): VideoGenerationRequest => ({
  prompt: 'a fox running through snow',
  durationSec: 5,
  aspectRatio: '16:9',
  resolution: '720p',
  ...overrides,
})

async function pollToEnd(provider: VideoProvider, taskId: string): Promise<VideoTaskStatus[]> {
  const seen: VideoTaskStatus[] = []
  for (let poll = 0; poll < 20; poll++) {
    const status = await provider.getVideoTask(taskId)
    seen.push(status)
    if (status.status === 'succeeded' || status.status === 'failed') return seen
  }
  throw new Error('the task never ended')
}

describe('kling video', () => {
  it('submits text2video with a string duration, polls to success and downloads', async () => {
    const { video: provider } = createKlingProvider(config)
    expect(provider.cancelVideoTask).toBeUndefined()
    const task = await provider.startVideo(video())
    const [create] = fake.requests
    expect([create?.method, create?.path]).toEqual(['POST', '/v1/videos/text2video'])
    expect(create?.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/)
    expect(create?.body).toEqual({
      model_name: 'kling-v2-5-turbo',
      prompt: 'a fox running through snow',
      mode: 'std',
      aspect_ratio: '16:9',
      duration: '5',
    })
    const klingId = [...fake.tasks.keys()][0]
    expect(task).toEqual({ taskId: `text2video:720p:${klingId}`, model: 'kling-v2-5-turbo', warnings: [] })

    const seen = await pollToEnd(provider, task.taskId)
    expect(seen.map((status) => status.status)).toEqual(['pending', 'running', 'succeeded'])
    expect(fake.requests[1]?.path).toBe(`/v1/videos/text2video/${klingId}`)
    const done = seen.at(-1)
    if (done?.status !== 'succeeded') throw new Error('expected success')
    expect(done.durationSec).toBe(5)
    expect(done.costUsd).toBeCloseTo(0.21)

    const clip = await provider.downloadVideo(done.output)
    expect(clip.mimeType).toBe('video/mp4')
    expect(Buffer.from(clip.data.subarray(4, 8)).toString('latin1')).toBe('ftyp')
  })

  it('submits image2video with a raw base64 first frame, pro mode for 1080p', async () => {
    const frame = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#123' } })
      .jpeg()
      .toBuffer()
    const { video: provider } = createKlingProvider(config)
    const task = await provider.startVideo(
      video({ resolution: '1080p', durationSec: 10, image: { data: frame, mimeType: 'image/jpeg' } }),
    )
    expect(fake.requests[0]?.path).toBe('/v1/videos/image2video')
    expect(fake.requests[0]?.body).toEqual({
      model_name: 'kling-v2-5-turbo',
      prompt: 'a fox running through snow',
      image: frame.toString('base64'),
      mode: 'pro',
      aspect_ratio: '16:9',
      duration: '10',
    })
    expect(task.taskId).toMatch(/^image2video:1080p:/)
    const done = (await pollToEnd(provider, task.taskId)).at(-1)
    expect(fake.requests[1]?.path).toMatch(/^\/v1\/videos\/image2video\//)
    if (done?.status !== 'succeeded') throw new Error('expected success')
    expect(done.durationSec).toBe(10)
    expect(done.costUsd).toBeCloseTo(0.7)
  })

  it('adjusts resolution and duration for a master model, without a mode', async () => {
    const { video: provider } = createKlingProvider({ ...config, videoModel: 'kling-v2-1-master' })
    const task = await provider.startVideo(video({ durationSec: 8, seed: 2 }))
    const body = fake.requests[0]?.body as Record<string, unknown>
    expect(body.mode).toBeUndefined()
    expect(body.duration).toBe('10')
    expect(task.warnings.map((warning) => warning.feature)).toEqual(['resolution', 'durationSec', 'seed'])
  })

  it('refuses text-to-video on an image-only model', async () => {
    const { video: provider } = createKlingProvider({ ...config, videoModel: 'kling-v2-1' })
    const error = await provider.startVideo(video()).catch((caught: unknown) => caught)
    expect(ProviderError.isInstance(error) && error.errorClass).toBe('invalid_request')
    expect(fake.requests).toHaveLength(0)
  })

  it('reports a risk-control failure as content_policy', async () => {
    const { video: provider } = createKlingProvider(config)
    const task = await provider.startVideo(video({ prompt: 'fox [risk]' }))
    const end = (await pollToEnd(provider, task.taskId)).at(-1)
    if (end?.status !== 'failed') throw new Error('expected failure')
    expect([end.error.errorClass, end.error.retryable]).toEqual(['content_policy', false])
  })

  it('reports succeed-without-video as task_failed', async () => {
    const { video: provider } = createKlingProvider(config)
    const task = await provider.startVideo(video({ prompt: 'fox [empty]' }))
    const end = (await pollToEnd(provider, task.taskId)).at(-1)
    expect(end?.status === 'failed' && end.error.errorClass).toBe('task_failed')
  })

  it('throws quota_exhausted (not retryable) for 1102 and rate_limited for 1303 at submit', async () => {
    const { video: provider } = createKlingProvider(config)
    const quota = await provider.startVideo(video({ prompt: 'x [quota]' })).catch((e: unknown) => e)
    expect(ProviderError.isInstance(quota) && [quota.errorClass, quota.retryable]).toEqual([
      'quota_exhausted',
      false,
    ])
    const busy = await provider.startVideo(video({ prompt: 'x [throttled]' })).catch((e: unknown) => e)
    expect(ProviderError.isInstance(busy) && [busy.errorClass, busy.retryable]).toEqual([
      'rate_limited',
      true,
    ])
  })

  it('rejects a task id it did not issue', async () => {
    const { video: provider } = createKlingProvider(config)
    const error = await provider.getVideoTask('nonsense').catch((e: unknown) => e)
    expect(ProviderError.isInstance(error) && error.errorClass).toBe('invalid_request')
  })

  it('an expired clip URL → task_failed on download', async () => {
    const { video: provider } = createKlingProvider(config)
    const task = await provider.startVideo(video({ prompt: 'fox [expired]' }))
    const end = (await pollToEnd(provider, task.taskId)).at(-1)
    if (end?.status !== 'succeeded') throw new Error('expected success')
    const error = await provider.downloadVideo(end.output).catch((e: unknown) => e)
    expect(ProviderError.isInstance(error) && error.errorClass).toBe('task_failed')
  })
})
