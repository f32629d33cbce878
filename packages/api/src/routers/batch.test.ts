import { ProviderError } from '@nbl/providers'
import { createScriptedProvider } from '@nbl/providers/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../test/errors.js'
import { createHarness, type Harness, type TestUser } from '../../test/harness.js'
import { createJobRunner, type JobRunner } from '../services/jobs/job-runner.js'

async function waitForJob(user: TestUser, jobId: string) {
  for (let index = 0; index < 600; index++) {
    const job = await user.caller.generate.jobs.get({ jobId })
    if (!['queued', 'running'].includes(job.status)) return job
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`job ${jobId} did not finish`)
}

describe('generate.batch', () => {
  let harness: Harness
  let runner: JobRunner
  const refusal = new ProviderError({ provider: 'openai', errorClass: 'content_policy', message: 'no' })
  // Every third call is refused; the rest succeed after 100 ms.
  const flaky = createScriptedProvider({
    name: 'openai',
    outcomes: ['ok', 'ok', refusal, 'ok', 'ok', refusal],
    delayMs: 100,
  })

  beforeAll(async () => {
    harness = await createHarness({
      includeLocal: false,
      providers: [flaky],
      free: { dailyLimit: 100, cooldownSeconds: 0 },
    })
    runner = createJobRunner(harness.deps, { pollIntervalMs: 30, concurrency: 8 })
    harness.deps.jobs = runner
    runner.start()
  })
  afterAll(async () => {
    await runner.stop()
    await harness.close()
  })

  it('runs every item, charges only the delivered ones, and reports partial', async () => {
    const user = await harness.createUser()
    const items = Array.from({ length: 6 }, (_, index) => ({ prompt: `item ${index}` }))
    const { jobId, total } = await user.caller.generate.batch({ items, concurrency: 3 })
    expect(total).toBe(6)
    expect((await user.caller.quota.status()).used).toBe(6)
    const job = await waitForJob(user, jobId)
    expect(job).toMatchObject({ kind: 'batch', status: 'partial', total: 6, done: 4, failed: 2 })
    expect(
      job.items.filter((item) => item.status === 'succeeded').every((item) => item.imageIds.length === 1),
    ).toBe(true)
    expect(job.items.filter((item) => item.status === 'failed').map((item) => item.error?.appCode)).toEqual([
      'CONTENT_BLOCKED',
      'CONTENT_BLOCKED',
    ])
    expect((await user.caller.quota.status()).used).toBe(4)
    expect((await user.caller.library.history.list({})).items).toHaveLength(4)
  })

  it('refuses a batch larger than the tier allows, charging nothing', async () => {
    const user = await harness.createUser()
    const items = Array.from({ length: 11 }, () => ({ prompt: 'x' }))
    const error = await expectAppError(user.caller.generate.batch({ items }))
    expect(error).toMatchObject({ trpcCode: 'FORBIDDEN', appCode: 'FORBIDDEN' })
    expect((await user.caller.quota.status()).used).toBe(0)
  })

  it('does not charge items that had not started when the batch was canceled', async () => {
    const user = await harness.createUser()
    const items = Array.from({ length: 8 }, (_, index) => ({ prompt: `slow ${index}` }))
    const { jobId } = await user.caller.generate.batch({ items, concurrency: 1 })
    await new Promise((resolve) => setTimeout(resolve, 150))
    const canceled = await user.caller.generate.jobs.cancel({ jobId })
    expect(canceled.status).toBe('canceled')
    await runner.idle()
    const job = await user.caller.generate.jobs.get({ jobId })
    const finished = job.items.filter((item) => item.status === 'succeeded').length
    expect(job.items.filter((item) => item.status === 'canceled').length).toBeGreaterThanOrEqual(6)
    expect((await user.caller.quota.status()).used).toBe(finished)
  })

  it('replays an idempotency key as the same batch', async () => {
    const user = await harness.createUser()
    const items = [{ prompt: 'a' }, { prompt: 'b' }]
    const first = await user.caller.generate.batch({ items, idempotencyKey: 'b1' })
    const again = await user.caller.generate.batch({ items, idempotencyKey: 'b1' })
    expect(again).toEqual(first)
    expect((await user.caller.quota.status()).used).toBe(2)
    await waitForJob(user, first.jobId)
  })
})
