import { cancelJobForOwner, listJobEventsAfter, listNotificationsAfter } from '@nbl/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../../../test/harness.js'
import { finishItem, startJob } from '../../../test/jobs.js'
import { jobChannel, userChannel } from './channels.js'
import { jobEventToApi, reconcileJobEvents, recordItemFinished, recordJobCanceled } from './job-events.js'

describe('job event log', () => {
  let harness: Harness

  beforeAll(async () => {
    harness = await createHarness()
  })
  afterAll(async () => {
    await harness?.close()
  })

  const storedOf = async (jobId: string) =>
    (await listJobEventsAfter(harness.deps.db, jobId, 0)).map(({ seq, type, payload }) => ({
      seq,
      type,
      payload,
    }))

  it('appends item + progress per item, and done + a notification with the last, publishing each', async () => {
    const { deps } = harness
    const { user } = await harness.createUser()
    const job = await startJob(deps, user.id, 2)
    const onJob: unknown[] = []
    const onUser: unknown[] = []
    const stops = [
      await deps.events.subscribe(jobChannel(job.id), (message) => onJob.push(message)),
      await deps.events.subscribe(userChannel(user.id), (message) => onUser.push(message)),
    ]

    const first = await finishItem(deps, job, 1, 'failed')
    expect(first.events).toEqual([
      {
        seq: 1,
        type: 'item',
        payload: {
          index: 1,
          status: 'failed',
          imageIds: [],
          error: { appCode: 'PROVIDERS_FAILED', message: 'nope' },
        },
      },
      { seq: 2, type: 'progress', payload: { done: 0, failed: 1, total: 2, status: 'running' } },
    ])
    const second = await finishItem(deps, job, 0, 'succeeded')
    expect(second.events).toEqual([
      { seq: 3, type: 'item', payload: { index: 0, status: 'succeeded', imageIds: second.imageIds } },
      { seq: 4, type: 'progress', payload: { done: 1, failed: 1, total: 2, status: 'partial' } },
      { seq: 5, type: 'done', payload: { status: 'partial' } },
    ])
    expect(await storedOf(job.id)).toEqual([...first.events, ...second.events])
    expect(onJob).toEqual([
      { kind: 'job-events', jobId: job.id, events: first.events },
      { kind: 'job-events', jobId: job.id, events: second.events },
    ])

    const [notification] = await listNotificationsAfter(deps.db, user.id)
    expect(notification).toMatchObject({
      type: 'job.finished',
      title: 'Your batch finished',
      body: '1 of 2 succeeded, 1 failed.',
      data: { jobId: job.id, kind: 'batch', status: 'partial', done: 1, failed: 1, total: 2 },
      read_at: null,
    })
    expect(onUser).toEqual([
      {
        kind: 'notification',
        notification: expect.objectContaining({
          id: notification!.id,
          title: 'Your batch finished',
          read: false,
        }),
      },
    ])
    for (const stop of stops) await stop()

    // Recording the same item twice, or anything after done, appends nothing.
    expect(await recordItemFinished(deps, { job: second.job, index: 0, status: 'succeeded' })).toEqual([])
    expect(await recordJobCanceled(deps, second.job)).toEqual([])
  })

  it('keeps seqs consecutive and counts monotonic when 12 items finish at once, done last', async () => {
    const { deps } = harness
    const { user } = await harness.createUser()
    const job = await startJob(deps, user.id, 12)
    await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        finishItem(deps, job, index, index % 4 === 0 ? 'failed' : 'succeeded'),
      ),
    )
    const events = await storedOf(job.id)
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 25 }, (_, index) => index + 1))
    expect(events.filter((event) => event.type === 'item')).toHaveLength(12)
    const progress = events.filter((event) => event.type === 'progress').map((event) => event.payload)
    expect(progress.map((payload) => Number(payload.done) + Number(payload.failed))).toEqual(
      Array.from({ length: 12 }, (_, index) => index + 1),
    )
    expect(progress.at(-1)).toEqual({ done: 9, failed: 3, total: 12, status: 'partial' })
    expect(events.at(-1)).toMatchObject({ type: 'done', payload: { status: 'partial' } })
    expect(await listNotificationsAfter(deps.db, user.id)).toHaveLength(1)
  })

  it('ends the log of a canceled job once, and drops an item recorded after that', async () => {
    const { deps } = harness
    const { user } = await harness.createUser()
    const job = await startJob(deps, user.id, 3, 'video')
    await finishItem(deps, job, 0, 'succeeded')
    // Item 1 finishes just before the cancel, but is recorded after it.
    const late = await finishItem(deps, job, 1, 'succeeded', { record: false })
    const canceled = await cancelJobForOwner(deps.db, user.id, job.id)
    expect(await recordJobCanceled(deps, canceled!.job)).toEqual([
      { seq: 3, type: 'progress', payload: { done: 2, failed: 0, total: 3, status: 'canceled' } },
      { seq: 4, type: 'done', payload: { status: 'canceled' } },
    ])
    expect(await recordJobCanceled(deps, canceled!.job)).toEqual([])
    expect(await recordItemFinished(deps, { job: late.job, index: 1, status: 'succeeded' })).toEqual([])
    const [notification] = await listNotificationsAfter(deps.db, user.id)
    expect(notification).toMatchObject({ title: 'Your video was canceled', data: { status: 'canceled' } })
  })

  it('completes the log of a job that finished without recording, once the grace has passed', async () => {
    const { deps } = harness
    const { user } = await harness.createUser()
    const job = await startJob(deps, user.id, 2)
    await finishItem(deps, job, 0, 'succeeded')
    const last = await finishItem(deps, job, 1, 'failed', { record: false })
    expect(last.job.status).toBe('partial')
    expect(await reconcileJobEvents(deps, job.id, { graceMs: 60_000 })).toEqual([])
    const repaired = await reconcileJobEvents(deps, job.id, { graceMs: 0 })
    expect(repaired).toEqual([
      {
        seq: 3,
        type: 'item',
        payload: {
          index: 1,
          status: 'failed',
          imageIds: [],
          error: { appCode: 'PROVIDERS_FAILED', message: 'nope' },
        },
      },
      { seq: 4, type: 'progress', payload: { done: 1, failed: 1, total: 2, status: 'partial' } },
      { seq: 5, type: 'done', payload: { status: 'partial' } },
    ])
    expect(await reconcileJobEvents(deps, job.id, { graceMs: 0 })).toEqual([])
    expect(await listNotificationsAfter(deps.db, user.id)).toHaveLength(1)
  })

  it('maps stored events to API.md’s JobEvent, with the image in the API’s Image shape', async () => {
    const { deps } = harness
    const { user } = await harness.createUser()
    const job = await startJob(deps, user.id, 1)
    const { events, imageIds } = await finishItem(deps, job, 0, 'succeeded')
    const options = { userId: user.id, origin: 'https://api.example.com' }
    const [item, progress, done] = await Promise.all(
      events.map((event) => jobEventToApi(deps, event, options)),
    )
    expect(item).toEqual({
      type: 'item',
      index: 0,
      status: 'succeeded',
      imageIds,
      image: {
        id: imageIds[0],
        url: expect.stringMatching(/^https:\/\/api\.example\.com\/files\/images\/.+\?expires=\d+&signature=/),
        mimeType: 'image/png',
        width: 1024,
        height: 1024,
        bytes: 100,
        prompt: 'item 0',
        provider: 'local',
        model: 'local-1',
        createdAt: expect.any(String),
      },
    })
    expect(progress).toEqual({ type: 'progress', done: 1, failed: 0, total: 1, status: 'succeeded' })
    expect(done).toEqual({ type: 'done', status: 'succeeded' })
    // Another user's view of the same ids gets no image.
    const other = await jobEventToApi(deps, events[0]!, { ...options, userId: 'usr_other' })
    expect(other).not.toHaveProperty('image')
  })
})
