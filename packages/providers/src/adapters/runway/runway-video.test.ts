/** @module Runway video adapter against the contract fake: submit, poll, cancel, download, failures. */
import sharp from 'sharp'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type RunwayFake, startRunwayFake } from '../../fakes/runway-fake.js'
import { ProviderError, type VideoGenerationRequest, type VideoTaskStatus } from '../../types.js'
import { createRunwayProvider, type RunwayConfig } from './runway-adapter.js'

let fake: RunwayFake
let config: RunwayConfig

beforeAll(async () => {
  fake = await startRunwayFake({ pendingPolls: 2 })
  config = { apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 5 }
})
afterAll(() => fake.close())
beforeEach(() => fake.reset())

const video = (overrides: Partial<VideoGenerationRequest> = {}): VideoGenerationRequest => ({
  prompt: 'waves on a pier',
  durationSec: 5,
  aspectRatio: '16:9',
  resolution: '720p',
  ...overrides,
})

async function pollToEnd(provider: ReturnType<typeof createRunwayProvider>['video'], taskId: string) {
  const seen: VideoTaskStatus[] = []
  for (let poll = 0; poll < 20; poll++) {
    const status = await provider.getVideoTask(taskId)
    seen.push(status)
    if (status.status === 'succeeded' || status.status === 'failed') return seen
  }
  throw new Error('the task never ended')
}

describe('runway video', () => {
  it('submits text-to-video, polls to success and downloads the clip', async () => {
    const { video: provider } = createRunwayProvider(config)
    expect(provider.defaultModel).toBe('gen4.5')
    expect(provider.capabilities.textToVideo).toBe(true)
    const task = await provider.startVideo(video({ seed: 9 }))

    const [create] = fake.requests
    expect([create?.method, create?.path]).toEqual(['POST', '/v1/text_to_video'])
    expect(create?.headers.authorization).toBe(`Bearer ${fake.apiKey}`)
    expect(create?.headers['x-runway-version']).toBe('2024-11-06')
    expect(create?.body).toEqual({
      model: 'gen4.5',
      promptText: 'waves on a pier',
      ratio: '1280:720',
      duration: 5,
      seed: 9,
    })
    expect(task).toEqual({ taskId: [...fake.tasks.keys()][0], model: 'gen4.5', warnings: [] })

    const seen = await pollToEnd(provider, task.taskId)
    expect(seen.map((status) => status.status)).toEqual(['pending', 'running', 'succeeded'])
    expect(seen[1]).toEqual({ status: 'running', progress: 0.67 })
    const done = seen.at(-1)
    if (done?.status !== 'succeeded') throw new Error('expected success')
    expect(done.durationSec).toBe(5)
    expect(done.costUsd).toBeCloseTo(0.6)
    expect(fake.requests[1]?.path).toBe(`/v1/tasks/${task.taskId}`)

    const clip = await provider.downloadVideo(done.output)
    expect(clip.mimeType).toBe('video/mp4')
    expect(Buffer.from(clip.data.subarray(4, 8)).toString('latin1')).toBe('ftyp')
  })

  it('submits image-to-video with the first frame as a data URI', async () => {
    const frame = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0af' } })
      .jpeg()
      .toBuffer()
    const { video: provider } = createRunwayProvider(config)
    await provider.startVideo(
      video({ aspectRatio: '1:1', durationSec: 10, image: { data: frame, mimeType: 'image/jpeg' } }),
    )
    const [create] = fake.requests
    expect(create?.path).toBe('/v1/image_to_video')
    expect(create?.body).toEqual({
      model: 'gen4.5',
      promptText: 'waves on a pier',
      ratio: '960:960',
      duration: 10,
      promptImage: `data:image/jpeg;base64,${frame.toString('base64')}`,
    })
  })

  it('adjusts what the model cannot make, with warnings', async () => {
    const { video: provider } = createRunwayProvider(config)
    const task = await provider.startVideo(video({ resolution: '1080p', durationSec: 7, aspectRatio: '1:1' }))
    expect(fake.requests[0]?.body).toMatchObject({ ratio: '1280:720', duration: 5 })
    expect(task.warnings.map((warning) => warning.feature)).toEqual([
      'aspectRatio',
      'resolution',
      'durationSec',
    ])
  })

  it('maps veo3.1 to 1080p ratios and its own durations', async () => {
    const { video: provider } = createRunwayProvider({ ...config, videoModel: 'veo3.1' })
    const task = await provider.startVideo(video({ resolution: '1080p', durationSec: 10, seed: 1 }))
    expect(fake.requests[0]?.body).toEqual({
      model: 'veo3.1',
      promptText: 'waves on a pier',
      ratio: '1920:1080',
      duration: 8,
    })
    expect(task.warnings.map((warning) => warning.feature)).toEqual(['durationSec', 'seed'])
  })

  it('refuses text-to-video on an image-only model', async () => {
    const { video: provider } = createRunwayProvider({ ...config, videoModel: 'gen4_turbo' })
    const error = await provider.startVideo(video()).catch((caught: unknown) => caught)
    expect(ProviderError.isInstance(error) && error.errorClass).toBe('invalid_request')
    expect(fake.requests).toHaveLength(0)
  })

  it('cancels with DELETE /v1/tasks/{id}; the task then reads as failed', async () => {
    const { video: provider } = createRunwayProvider(config)
    const task = await provider.startVideo(video({ prompt: 'long [slow:50]' }))
    await provider.cancelVideoTask?.(task.taskId)
    const cancel = fake.requests.find((entry) => entry.method === 'DELETE')
    expect(cancel?.path).toBe(`/v1/tasks/${task.taskId}`)
    expect(cancel?.headers.authorization).toBe(`Bearer ${fake.apiKey}`)
    expect(cancel?.headers['x-runway-version']).toBe('2024-11-06')
    const status = await provider.getVideoTask(task.taskId)
    expect(status.status === 'failed' && status.error.errorClass).toBe('task_failed')
  })

  it('reports output moderation as a failed task with content_policy', async () => {
    const { video: provider } = createRunwayProvider(config)
    const task = await provider.startVideo(video({ prompt: 'bad [moderated-output]' }))
    const end = (await pollToEnd(provider, task.taskId)).at(-1)
    if (end?.status !== 'failed') throw new Error('expected failure')
    expect([end.error.errorClass, end.error.retryable]).toEqual(['content_policy', false])
    expect(end.error.message).toContain('SAFETY.OUTPUT.VIDEO')
  })

  it('reports an empty output as a failed task', async () => {
    const { video: provider } = createRunwayProvider(config)
    const task = await provider.startVideo(video({ prompt: 'nothing [empty]' }))
    const end = (await pollToEnd(provider, task.taskId)).at(-1)
    expect(end?.status === 'failed' && end.error.errorClass).toBe('task_failed')
  })

  it('resumes a task submitted by another instance, priced from Runway credits', async () => {
    const { video: first } = createRunwayProvider(config)
    const task = await first.startVideo(video())
    const { video: second } = createRunwayProvider(config)
    const end = (await pollToEnd(second, task.taskId)).at(-1)
    if (end?.status !== 'succeeded') throw new Error('expected success')
    expect(end.costUsd).toBeCloseTo(0.01)
  })

  it('throws rate_limited on a 429 at submit and transient on a reset poll', async () => {
    const { video: provider } = createRunwayProvider(config)
    const limited = await provider.startVideo(video({ prompt: 'x [rate-limited]' })).catch((e: unknown) => e)
    expect(ProviderError.isInstance(limited) && [limited.errorClass, limited.retryAfterMs]).toEqual([
      'rate_limited',
      2_000,
    ])
    const task = await provider.startVideo(video())
    fake.inject({ kind: 'reset' }, /^\/v1\/tasks\//)
    const reset = await provider.getVideoTask(task.taskId).catch((e: unknown) => e)
    expect(ProviderError.isInstance(reset) && reset.errorClass).toBe('transient')
  })

  it('an expired clip URL → task_failed on download', async () => {
    const { video: provider } = createRunwayProvider(config)
    const task = await provider.startVideo(video({ prompt: 'late [expired]' }))
    const end = (await pollToEnd(provider, task.taskId)).at(-1)
    if (end?.status !== 'succeeded') throw new Error('expected success')
    const error = await provider.downloadVideo(end.output).catch((e: unknown) => e)
    expect(ProviderError.isInstance(error) && error.errorClass).toBe('task_failed')
  })
})
