/** @module The Google Veo adapter against the Gemini contract fake: submit, poll, download, failures. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type GoogleFake, startGoogleFake } from '../../fakes/google-fake.js'
import { tinyImage } from '../../fakes/media.js'
import { ProviderError, type VideoGenerationRequest } from '../../types.js'
import type { GoogleProviderConfig } from './google-config.js'
import { createGoogleVideoProvider } from './google-video.js'

let fake: GoogleFake

beforeAll(async () => {
  fake = await startGoogleFake()
})
afterAll(async () => {
  await fake.close()
})
beforeEach(() => {
  fake.reset()
  fake.pendingPolls = 2
  fake.redirectDownloads = true
})

function provider(config: Partial<GoogleProviderConfig> = {}) {
  return createGoogleVideoProvider({ apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 2, ...config })
}

const videoRequest = (overrides: Partial<VideoGenerationRequest> = {}): VideoGenerationRequest => ({
  prompt: 'slow dolly shot of a lighthouse at dusk',
  durationSec: 8,
  aspectRatio: '16:9',
  resolution: '720p',
  ...overrides,
})

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(ProviderError.isInstance(error)).toBe(true)
  expect((error as ProviderError).message).not.toContain(fake.apiKey)
  return error as ProviderError
}

describe('google video provider: catalog', () => {
  it('declares Veo 3.1: 4/6/8 s, 16:9 and 9:16, 720p and 1080p, a 10 s poll cadence', () => {
    const video = createGoogleVideoProvider({ apiKey: 'k' })
    expect(video.specificationVersion).toBe('v1')
    expect(video.name).toBe('google')
    expect(video.defaultModel).toBe('veo-3.1-generate-preview')
    expect(video.capabilities).toEqual({
      durations: [4, 6, 8],
      aspectRatios: ['16:9', '9:16'],
      resolutions: ['720p', '1080p'],
      textToVideo: true,
      imageToVideo: true,
    })
    expect(video.pricing.perSecondUsd).toEqual({ '720p': 0.4, '1080p': 0.4 })
    expect(video.pollIntervalMs).toBe(10_000)
  })
})

describe('google video provider: submit', () => {
  it('sends text-to-video as predictLongRunning; the operation name is the task id', async () => {
    const task = await provider().startVideo(videoRequest())
    const sent = fake.requests[0]!
    expect(sent.method).toBe('POST')
    expect(sent.path).toBe('/v1beta/models/veo-3.1-generate-preview:predictLongRunning')
    expect(sent.url.search).toBe('')
    expect(sent.headers['x-goog-api-key']).toBe(fake.apiKey)
    expect(sent.body).toEqual({
      instances: [{ prompt: 'slow dolly shot of a lighthouse at dusk' }],
      parameters: { aspectRatio: '16:9', resolution: '720p', durationSeconds: 8 },
    })
    expect(task.taskId).toMatch(/^models\/veo-3\.1-generate-preview\/operations\/fakeop/)
    expect(task).toMatchObject({ model: 'veo-3.1-generate-preview', warnings: [] })
  })

  it('sends image-to-video with the first frame as bytesBase64Encoded', async () => {
    const frame = new Uint8Array(await tinyImage({ width: 32, height: 18 }))
    await provider().startVideo(
      videoRequest({ aspectRatio: '9:16', image: { data: frame, mimeType: 'image/png' } }),
    )
    expect((fake.requests[0]!.body as any).instances).toEqual([
      {
        prompt: 'slow dolly shot of a lighthouse at dusk',
        image: { bytesBase64Encoded: Buffer.from(frame).toString('base64'), mimeType: 'image/png' },
      },
    ])
  })

  it.each([
    [5, '720p', 6],
    [10, '720p', 8],
    [4, '1080p', 8],
  ] as const)('adjusts %i s at %s to %i s with a warning', async (durationSec, resolution, sent) => {
    const task = await provider().startVideo(videoRequest({ durationSec, resolution }))
    expect((fake.requests[0]!.body as any).parameters.durationSeconds).toBe(sent)
    expect(task.warnings).toEqual([
      {
        type: 'adjusted',
        feature: 'durationSec',
        details: expect.stringContaining(`${durationSec} s → ${sent} s`),
      },
    ])
  })

  it('does not send a seed, and says so', async () => {
    const task = await provider().startVideo(videoRequest({ seed: 42 }))
    expect((fake.requests[0]!.body as any).parameters).not.toHaveProperty('seed')
    expect(task.warnings).toEqual([{ type: 'unsupported', feature: 'seed', details: expect.any(String) }])
  })

  it('rejects 1:1 as invalid_request without calling the API', async () => {
    const error = await rejection(provider().startVideo(videoRequest({ aspectRatio: '1:1' })))
    expect(error.errorClass).toBe('invalid_request')
    expect(fake.requests).toHaveLength(0)
  })

  it('maps submit failures: 429 RetryInfo, per-day quota, wrong key, 503, reset, hang', async () => {
    const video = provider()
    expect(await rejection(video.startVideo(videoRequest({ prompt: 'x [rate-limited]' })))).toMatchObject({
      errorClass: 'rate_limited',
      retryable: true,
      retryAfterMs: 1500,
    })
    expect(await rejection(video.startVideo(videoRequest({ prompt: 'x [daily-quota]' })))).toMatchObject({
      errorClass: 'quota_exhausted',
      retryable: false,
    })
    expect(await rejection(provider({ apiKey: 'wrong-key-0001' }).startVideo(videoRequest()))).toMatchObject({
      errorClass: 'auth',
      retryable: false,
    })
    expect(await rejection(video.startVideo(videoRequest({ prompt: 'x [unavailable]' })))).toMatchObject({
      errorClass: 'transient',
      status: 503,
    })
    fake.inject({ kind: 'reset' })
    expect(await rejection(video.startVideo(videoRequest()))).toMatchObject({ errorClass: 'transient' })
    fake.inject({ kind: 'hang' })
    expect(
      await rejection(video.startVideo(videoRequest(), { signal: AbortSignal.timeout(50) })),
    ).toMatchObject({ errorClass: 'timeout', retryable: true })
  })
})

describe('google video provider: polling', () => {
  it('answers running for N polls, then succeeded with the clip url, length and cost', async () => {
    const video = provider()
    const task = await video.startVideo(videoRequest({ durationSec: 6 }))
    expect(await video.getVideoTask(task.taskId)).toEqual({ status: 'running' })
    expect(await video.getVideoTask(task.taskId)).toEqual({ status: 'running' })
    const done = await video.getVideoTask(task.taskId)
    expect(done).toEqual({
      status: 'succeeded',
      output: {
        url: expect.stringMatching(new RegExp(`^${fake.url}/v1beta/files/[a-z0-9]+:download\\?alt=media$`)),
      },
      durationSec: 6,
      costUsd: 2.4,
    })
    const poll = fake.requests[1]!
    expect(poll.method).toBe('GET')
    expect(poll.path).toBe(`/v1beta/${task.taskId}`)
    expect(poll.headers['x-goog-api-key']).toBe(fake.apiKey)
  })

  it('waitForVideo polls through N pending answers', async () => {
    const video = provider()
    const task = await video.startVideo(videoRequest({ prompt: 'lighthouse [slow:3]' }))
    const done = await video.waitForVideo(task.taskId)
    expect(done.status).toBe('succeeded')
    expect(fake.requests.filter((sent) => sent.method === 'GET')).toHaveLength(4)
  })

  it('waitForVideo gives up at the overall deadline with a timeout error', async () => {
    const video = provider({ maxPollWaitMs: 20 })
    const task = await video.startVideo(videoRequest({ prompt: 'lighthouse [slow:1000]' }))
    const error = await rejection(video.waitForVideo(task.taskId))
    expect(error).toMatchObject({ errorClass: 'timeout', retryable: true })
  })

  it('waitForVideo honours the AbortSignal between polls', async () => {
    const video = provider({ pollIntervalMs: 1_000 })
    const task = await video.startVideo(videoRequest())
    const error = await rejection(video.waitForVideo(task.taskId, { signal: AbortSignal.timeout(30) }))
    expect(error.errorClass).toBe('timeout')
  })

  it('content_policy: done with raiMediaFilteredCount and no samples', async () => {
    fake.pendingPolls = 0
    const video = provider()
    const task = await video.startVideo(videoRequest({ prompt: 'lighthouse [rai]' }))
    const status = await video.getVideoTask(task.taskId)
    expect(status.status).toBe('failed')
    if (status.status !== 'failed') return
    expect(status.error).toMatchObject({ errorClass: 'content_policy', retryable: false })
    expect(status.error.message).toContain("weren't charged")
  })

  it('task_failed: done with an operation error', async () => {
    fake.pendingPolls = 0
    const video = provider()
    const task = await video.startVideo(videoRequest({ prompt: 'lighthouse [op-error]' }))
    const status = await video.getVideoTask(task.taskId)
    expect(status).toMatchObject({ status: 'failed', error: { errorClass: 'task_failed', retryable: false } })
  })

  it('polls a task this process did not start (after a restart) and prices it as the longest 720p clip', async () => {
    fake.pendingPolls = 0
    const task = await provider().startVideo(videoRequest({ durationSec: 4 }))
    const status = await provider().getVideoTask(task.taskId)
    expect(status).toMatchObject({ status: 'succeeded', durationSec: 8, costUsd: 3.2 })
  })

  it('rejects a task id that is not an operation name', async () => {
    const error = await rejection(provider().getVideoTask('../../etc/passwd'))
    expect(error.errorClass).toBe('invalid_request')
    expect(fake.requests).toHaveLength(0)
  })

  it('an unknown operation is invalid_request (404 NOT_FOUND)', async () => {
    const error = await rejection(provider().getVideoTask('models/veo-3.1-generate-preview/operations/nope'))
    expect(error).toMatchObject({ errorClass: 'invalid_request', status: 404 })
  })
})

describe('google video provider: download', () => {
  async function finishedUrl(prompt = 'lighthouse'): Promise<string> {
    fake.pendingPolls = 0
    const video = provider()
    const task = await video.startVideo(videoRequest({ prompt }))
    const status = await video.getVideoTask(task.taskId)
    if (status.status !== 'succeeded' || !('url' in status.output)) throw new Error('not finished')
    fake.reset()
    return status.output.url
  }

  it('sends the key to the API origin only, and follows the 302 to the storage host without it', async () => {
    const url = await finishedUrl()
    const clip = await provider().downloadVideo({ url })
    expect(clip.mimeType).toBe('video/mp4')
    expect(Buffer.from(clip.data.subarray(4, 8)).toString('latin1')).toBe('ftyp')
    expect(fake.requests).toHaveLength(1)
    expect(fake.requests[0]!.headers['x-goog-api-key']).toBe(fake.apiKey)
    expect(fake.storage.requests).toHaveLength(1)
    expect(fake.storage.requests[0]!.headers['x-goog-api-key']).toBeUndefined()
  })

  it('downloads bytes served directly, also through the global fetch', async () => {
    fake.redirectDownloads = false
    const url = await finishedUrl()
    const clip = await provider({ fetch: globalThis.fetch }).downloadVideo({ url })
    expect(clip.mimeType).toBe('video/mp4')
    expect(fake.storage.requests).toHaveLength(0)
  })

  it('follows a redirect by hand with the global fetch too, keeping the key off the storage host', async () => {
    const url = await finishedUrl()
    await provider({ fetch: globalThis.fetch }).downloadVideo({ url })
    expect(fake.storage.requests[0]!.headers['x-goog-api-key']).toBeUndefined()
  })

  it('never sends the key to a foreign origin', async () => {
    const url = await finishedUrl()
    const id = /files\/([a-z0-9]+):download/.exec(url)![1]
    const clip = await provider().downloadVideo({ url: `${fake.storage.url}/download/${id}.mp4` })
    expect(clip.data.byteLength).toBeGreaterThan(0)
    expect(fake.storage.requests[0]!.headers['x-goog-api-key']).toBeUndefined()
  })

  it('an expired clip (404) is task_failed', async () => {
    const url = await finishedUrl('lighthouse [expired]')
    const error = await rejection(provider().downloadVideo({ url }))
    expect(error).toMatchObject({ errorClass: 'task_failed', status: 404, retryable: false })
  })

  it('opens the clip as a stream through the redirect, with the same bytes and the key kept home', async () => {
    const url = await finishedUrl()
    const whole = await provider().downloadVideo({ url })
    fake.reset()
    const opened = await provider().openVideo!({ url })
    expect(opened.mimeType).toBe('video/mp4')
    expect(new Uint8Array(await new Response(opened.body).arrayBuffer())).toEqual(new Uint8Array(whole.data))
    expect(fake.requests[0]!.headers['x-goog-api-key']).toBe(fake.apiKey)
    expect(fake.storage.requests[0]!.headers['x-goog-api-key']).toBeUndefined()
  })

  it('an expired clip is task_failed when opened as a stream too', async () => {
    const url = await finishedUrl('lighthouse [expired]')
    const error = await rejection(provider().openVideo!({ url }))
    expect(error).toMatchObject({ errorClass: 'task_failed', status: 404 })
  })

  it('passes inline bytes through', async () => {
    const data = new Uint8Array([1, 2, 3])
    expect(await provider().downloadVideo({ data, mimeType: 'video/mp4' })).toEqual({
      data,
      mimeType: 'video/mp4',
    })
  })
})
