import { createRunwayProvider, type VideoProvider } from '@nbl/providers'
import { type RunwayFake, startRunwayFake, tinyMp4 } from '@nbl/providers/fakes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../../../test/harness.js'
import { createS3ObjectStore, type S3ObjectStore } from '../storage/s3-store.js'
import { S3RVER_CREDENTIALS, type S3rverFixture, startS3rver } from '../storage/s3rver-fixture.js'
import { createJobRunner, type JobRunner } from './job-runner.js'

describe('a provider clip streamed into an S3 bucket', () => {
  let server: S3rverFixture
  let bucket: S3ObjectStore
  let fake: RunwayFake
  let harness: Harness
  let runner: JobRunner
  const opened: string[] = []

  beforeAll(async () => {
    server = await startS3rver()
    bucket = createS3ObjectStore({
      bucket: server.bucket,
      endpoint: server.endpoint,
      region: 'us-east-1',
      ...S3RVER_CREDENTIALS,
    })
    fake = await startRunwayFake({ pendingPolls: 1 })
    const runway = createRunwayProvider({ apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 5 }).video
    if (!runway.openVideo) throw new Error('the runway adapter cannot stream')
    const openVideo = runway.openVideo
    // The whole-body download must not be used for a clip at a URL.
    const streamingOnly: VideoProvider = {
      ...runway,
      async downloadVideo() {
        throw new Error('the clip was buffered instead of streamed')
      },
      async openVideo(output, options) {
        opened.push(output.url)
        return openVideo(output, options)
      },
    }
    harness = await createHarness({ storage: { objects: bucket }, videoProviders: [streamingOnly] })
    runner = createJobRunner(harness.deps, { pollIntervalMs: 20 })
    harness.deps.jobs = runner
    runner.start()
  })
  afterAll(async () => {
    await runner?.stop()
    await harness?.close()
    await fake?.close()
    bucket?.destroy()
    await server?.stop()
  })

  it('stores the clip from the provider URL and links it with a presigned URL', async () => {
    const { caller, user } = await harness.createUser({ tier: 'pro' })
    const { jobId } = await caller.generate.video({ prompt: 'waves on a pier', provider: 'runway' })
    let job = await caller.generate.jobs.get({ jobId })
    for (let poll = 0; poll < 400 && ['queued', 'running'].includes(job.status); poll++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      job = await caller.generate.jobs.get({ jobId })
    }
    expect(job).toMatchObject({ status: 'succeeded', done: 1 })
    expect(opened).toHaveLength(1)
    expect(new URL(opened[0]!).origin).toBe(new URL(fake.url).origin)

    const key = `videos/${user.id}/${jobId}-0.mp4`
    const expected = new Uint8Array(await tinyMp4())
    const stored = await bucket.get(key)
    expect(stored).toMatchObject({ contentType: 'video/mp4', size: expected.byteLength })
    await stored?.body.cancel()

    const url = new URL(job.items[0]!.videoUrl!)
    expect(url.pathname).toBe(`/${server.bucket}/${key}`)
    const response = await fetch(url)
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(expected)
  })
})
