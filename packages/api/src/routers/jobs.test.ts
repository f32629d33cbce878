import { createLocalVideoProvider, ProviderError } from '@nbl/providers'
import { createScriptedVideoProvider, type ScriptedVideoProvider } from '@nbl/providers/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../test/errors.js'
import { createHarness, type Harness, type TestUser } from '../../test/harness.js'
import { createJobRunner, type JobRunner } from '../services/jobs/job-runner.js'

async function waitForJob(
  user: TestUser,
  jobId: string,
  until: (status: string) => boolean = (s) => !['queued', 'running'].includes(s),
) {
  for (let index = 0; index < 600; index++) {
    const job = await user.caller.generate.jobs.get({ jobId })
    if (until(job.status)) return job
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`job ${jobId} did not finish`)
}

describe('generate.video with the offline provider', () => {
  let harness: Harness
  let runner: JobRunner

  beforeAll(async () => {
    harness = await createHarness({ videoProviders: [createLocalVideoProvider({ pollIntervalMs: 20 })] })
    runner = createJobRunner(harness.deps, { pollIntervalMs: 50 })
    harness.deps.jobs = runner
    runner.start()
  })
  afterAll(async () => {
    await runner.stop()
    await harness.close()
  })

  it('makes a real MP4, serves it at a signed URL and charges 5 units per started 5 seconds', async () => {
    const user = await harness.createUser({ tier: 'pro' })
    const { jobId } = await user.caller.generate.video({ prompt: 'a drifting banana', resolution: '720p' })
    expect((await user.caller.quota.status()).used).toBe(5)
    const job = await waitForJob(user, jobId)
    expect(job).toMatchObject({ kind: 'video', status: 'succeeded', total: 1, done: 1, failed: 0 })
    const item = job.items[0]!
    expect(item).toMatchObject({ status: 'succeeded', provider: 'local' })
    const key = decodeURIComponent(new URL(item.videoUrl!).pathname.slice('/files/'.length))
    const bytes = await harness.deps.storage.read(key)
    expect(Buffer.from(bytes!.subarray(4, 8)).toString('latin1')).toBe('ftyp')
    expect((await user.caller.quota.status()).used).toBe(5)
    const listed = await user.caller.generate.jobs.list({})
    expect(listed.items.map((entry) => entry.id)).toContain(jobId)
  })

  it('hides another user’s job', async () => {
    const owner = await harness.createUser({ tier: 'pro' })
    const other = await harness.createUser({ tier: 'pro' })
    const { jobId } = await owner.caller.generate.video({ prompt: 'mine' })
    for (const attempt of [
      other.caller.generate.jobs.get({ jobId }),
      other.caller.generate.jobs.cancel({ jobId }),
    ]) {
      expect(await expectAppError(attempt)).toMatchObject({ appCode: 'NOT_FOUND' })
    }
    expect((await other.caller.generate.jobs.list({})).items).toEqual([])
    await waitForJob(owner, jobId)
  })

  it('refuses at submit what no provider can make, charging nothing', async () => {
    const user = await harness.createUser({ tier: 'pro' })
    const error = await expectAppError(user.caller.generate.video({ prompt: 'x', provider: 'runway' }))
    expect(error.appCode).toBe('NO_CAPABLE_PROVIDER')
    expect((await user.caller.quota.status()).used).toBe(0)
  })

  it('replays an idempotency key as the same job, charged once', async () => {
    const user = await harness.createUser({ tier: 'pro' })
    const first = await user.caller.generate.video({ prompt: 'once', idempotencyKey: 'v1' })
    const again = await user.caller.generate.video({ prompt: 'once', idempotencyKey: 'v1' })
    expect(again.jobId).toBe(first.jobId)
    expect((await user.caller.quota.status()).used).toBe(5)
    const conflict = await expectAppError(
      user.caller.generate.video({ prompt: 'other', idempotencyKey: 'v1' }),
    )
    expect(conflict.appCode).toBe('IDEMPOTENCY_CONFLICT')
    await waitForJob(user, first.jobId)
  })
})

describe('video jobs with scripted providers', () => {
  let harness: Harness
  let provider: ScriptedVideoProvider
  const runners: JobRunner[] = []
  const runner = (options: Parameters<typeof createJobRunner>[1] = {}) => {
    const created = createJobRunner(harness.deps, { pollIntervalMs: 30, ...options })
    runners.push(created)
    harness.deps.jobs = created
    created.start()
    return created
  }

  beforeAll(async () => {
    provider = createScriptedVideoProvider({ name: 'runway', runningPolls: 8 })
    const blocked = createScriptedVideoProvider({
      name: 'kling',
      result: new ProviderError({ provider: 'kling', errorClass: 'content_policy', message: 'risk control' }),
    })
    harness = await createHarness({ videoProviders: [provider, blocked] })
  })
  afterAll(async () => {
    for (const created of runners) await created.stop()
    await harness.close()
  })

  it('refunds a video the provider refused', async () => {
    runner()
    const user = await harness.createUser({ tier: 'pro' })
    const { jobId } = await user.caller.generate.video({ prompt: 'x', provider: 'kling' })
    const job = await waitForJob(user, jobId)
    expect(job).toMatchObject({ status: 'failed', failed: 1 })
    expect(job.items[0]?.error).toMatchObject({ appCode: 'CONTENT_BLOCKED' })
    expect((await user.caller.quota.status()).used).toBe(0)
  })

  it('cancels a running video: no charge, and the provider task is cancelled', async () => {
    runner()
    const user = await harness.createUser({ tier: 'pro' })
    const { jobId } = await user.caller.generate.video({
      prompt: 'long',
      provider: 'runway',
      durationSec: 10,
    })
    await waitForJob(user, jobId, (status) => status === 'running')
    await new Promise((resolve) => setTimeout(resolve, 100))
    const canceled = await user.caller.generate.jobs.cancel({ jobId })
    expect(canceled).toMatchObject({ status: 'canceled' })
    expect(canceled.items[0]?.status).toBe('canceled')
    expect((await user.caller.quota.status()).used).toBe(0)
    expect(provider.cancelled.length).toBeGreaterThan(0)
  })

  it('resumes polling the same provider task after the worker dies, charging once', async () => {
    for (const created of runners.splice(0)) await created.stop()
    const first = runner({ leaseMs: 300 })
    const user = await harness.createUser({ tier: 'pro' })
    const submittedBefore = provider.submitted.length
    const { jobId } = await user.caller.generate.video({ prompt: 'survive', provider: 'runway' })
    await waitForJob(user, jobId, (status) => status === 'running')
    await new Promise((resolve) => setTimeout(resolve, 100))
    // The worker dies mid-poll: its lease is left to expire.
    await first.stop()
    runner({ leaseMs: 300 })
    const job = await waitForJob(user, jobId)
    expect(job.status).toBe('succeeded')
    expect(provider.submitted.length).toBe(submittedBefore + 1)
    expect((await user.caller.quota.status()).used).toBe(5)
    const charged = await harness.database.db
      .selectFrom('generations')
      .select(['units_charged'])
      .where('user_id', '=', user.user.id)
      .execute()
    expect(charged).toEqual([{ units_charged: 5 }])
  })
})
