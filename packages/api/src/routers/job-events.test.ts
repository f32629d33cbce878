import { appendJobEvents, listNotificationsForOwner } from '@nbl/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../test/errors.js'
import { createHarness, type Harness, type TestUser } from '../../test/harness.js'
import { finishItem, startJob } from '../../test/jobs.js'
import { createContextInner } from '../context.js'
import type { EventBus } from '../services/events/event-bus.js'
import { streamJobEvents } from '../services/events/job-event-stream.js'
import { createCaller } from './_app.js'

/** A tracked event as a caller sees it: [id, data, marker]. */
type Envelope = readonly [string, { type: string } & Record<string, unknown>, unknown]

/** Reads `count` events, or until the stream ends; fails if it stalls. */
async function take(iterator: AsyncIterator<unknown>, count: number, timeoutMs = 5000) {
  const events: Envelope[] = []
  while (events.length < count) {
    const next = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('stream stalled')), timeoutMs)),
    ])
    if (next.done) break
    events.push(next.value as Envelope)
  }
  return events
}

const summary = (events: Envelope[]) =>
  events.map(([id, data]) => `${id}:${data.type}${'index' in data ? data.index : ''}`)

describe('generate.jobs.events and notifications.stream', () => {
  let harness: Harness
  let owner: TestUser
  let open = 0

  beforeAll(async () => {
    harness = await createHarness()
    // Count live subscriptions, to see streams let go of the bus.
    const bus = harness.deps.events
    const counting: EventBus = {
      publish: (channel, message) => bus.publish(channel, message),
      async subscribe(channel, onMessage) {
        const unsubscribe = await bus.subscribe(channel, onMessage)
        open++
        return async () => {
          open--
          await unsubscribe()
        }
      },
    }
    harness.deps.events = counting
    owner = await harness.createUser()
  })
  afterAll(async () => {
    await harness?.close()
  })

  it('streams back-fill then live events in order, with seq ids, and ends after done', async () => {
    const { deps } = harness
    const job = await startJob(deps, owner.user.id, 3)
    await finishItem(deps, job, 2, 'succeeded')
    const stream = await owner.caller.generate.jobs.events({ jobId: job.id })
    const iterator = stream[Symbol.asyncIterator]()
    expect(summary(await take(iterator, 2))).toEqual(['1:item2', '2:progress'])
    await finishItem(deps, job, 0, 'failed')
    expect(summary(await take(iterator, 2))).toEqual(['3:item0', '4:progress'])
    await finishItem(deps, job, 1, 'succeeded')
    const rest = await take(iterator, 10)
    expect(summary(rest)).toEqual(['5:item1', '6:progress', '7:done'])
    expect(rest[1]![1]).toEqual({ type: 'progress', done: 2, failed: 1, total: 3, status: 'partial' })
    expect(rest[2]![1]).toEqual({ type: 'done', status: 'partial' })
    expect(rest[0]![1]).toMatchObject({
      type: 'item',
      index: 1,
      status: 'succeeded',
      image: { mimeType: 'image/png' },
    })
    expect(await iterator.next()).toEqual({ done: true, value: undefined })
    expect(open).toBe(0)
  })

  it('resumes after lastEventId with exactly the missed events, then live ones', async () => {
    const { deps } = harness
    const job = await startJob(deps, owner.user.id, 4)
    await finishItem(deps, job, 0, 'succeeded')
    const first = (await owner.caller.generate.jobs.events({ jobId: job.id }))[Symbol.asyncIterator]()
    const seen = await take(first, 2)
    await first.return?.()
    expect(open).toBe(0)
    // Missed while away.
    await finishItem(deps, job, 1, 'succeeded')
    await finishItem(deps, job, 2, 'failed')
    const lastEventId = seen.at(-1)![0]
    const resumed = (await owner.caller.generate.jobs.events({ jobId: job.id, lastEventId }))[
      Symbol.asyncIterator
    ]()
    expect(summary(await take(resumed, 4))).toEqual(['3:item1', '4:progress', '5:item2', '6:progress'])
    await finishItem(deps, job, 3, 'succeeded')
    expect(summary(await take(resumed, 10))).toEqual(['7:item3', '8:progress', '9:done'])
  })

  it('replays a finished job’s whole log and ends; resuming at done ends at once', async () => {
    const { deps } = harness
    const job = await startJob(deps, owner.user.id, 1)
    await finishItem(deps, job, 0, 'succeeded')
    const replay = await take(
      (await owner.caller.generate.jobs.events({ jobId: job.id }))[Symbol.asyncIterator](),
      10,
    )
    expect(summary(replay)).toEqual(['1:item0', '2:progress', '3:done'])
    const atDone = await take(
      (await owner.caller.generate.jobs.events({ jobId: job.id, lastEventId: '3' }))[Symbol.asyncIterator](),
      10,
    )
    expect(atDone).toEqual([])
    expect(open).toBe(0)
  })

  it('refuses another user’s job (NOT_FOUND) and a malformed lastEventId (VALIDATION)', async () => {
    const job = await startJob(harness.deps, owner.user.id, 1)
    const other = await harness.createUser()
    expect(await expectAppError(other.caller.generate.jobs.events({ jobId: job.id }))).toMatchObject({
      appCode: 'NOT_FOUND',
    })
    expect(await expectAppError(other.caller.generate.jobs.events({ jobId: 'job_missing' }))).toMatchObject({
      appCode: 'NOT_FOUND',
    })
    expect(
      await expectAppError(owner.caller.generate.jobs.events({ jobId: job.id, lastEventId: 'abc' })),
    ).toMatchObject({ appCode: 'VALIDATION' })
    expect(open).toBe(0)
  })

  it('stops waiting and lets go of the bus when the signal aborts', async () => {
    const job = await startJob(harness.deps, owner.user.id, 2)
    const controller = new AbortController()
    const caller = createCaller(createContextInner({ deps: harness.deps, user: owner.user }), {
      signal: controller.signal,
    })
    const iterator = (await caller.generate.jobs.events({ jobId: job.id }))[Symbol.asyncIterator]()
    const pending = iterator.next()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(open).toBe(1)
    controller.abort()
    expect(await pending).toEqual({ done: true, value: undefined })
    expect(open).toBe(0)
  })

  it('re-reads the log on a gap, and completes a finished job’s log when it stays quiet', async () => {
    const { deps } = harness
    const job = await startJob(deps, owner.user.id, 3)
    const iterator = streamJobEvents(deps, {
      job,
      afterSeq: 0,
      origin: 'http://localhost',
      resyncMs: 50,
      reconcileGraceMs: 0,
    })
    const first = iterator.next()
    await new Promise((resolve) => setTimeout(resolve, 10))
    // A lost message: in the log, never published.
    await appendJobEvents(deps.db, job.id, [
      { type: 'item', payload: { index: 9, status: 'failed', imageIds: [] } },
    ])
    await finishItem(deps, job, 0, 'succeeded')
    const events = [(await first).value as Envelope, ...(await take(iterator, 2))]
    expect(summary(events)).toEqual(['1:item9', '2:item0', '3:progress'])
    // The other two finish without being recorded: the quiet stream completes the log and ends.
    await finishItem(deps, job, 1, 'succeeded', { record: false })
    await finishItem(deps, job, 2, 'succeeded', { record: false })
    expect(summary(await take(iterator, 10))).toEqual(['4:item1', '5:item2', '6:progress', '7:done'])
  })

  it('streams the owner’s notifications live, resumes after lastEventId, and lists them', async () => {
    const { deps } = harness
    const user = await harness.createUser()
    const controller = new AbortController()
    const caller = createCaller(createContextInner({ deps, user: user.user }), { signal: controller.signal })
    await finishItem(deps, await startJob(deps, user.user.id, 1), 0, 'failed') // before: not streamed
    const stream = (await caller.notifications.stream())[Symbol.asyncIterator]()
    // The stream starts (and subscribes) on the first pull, as it does when SSE starts it.
    const pending = stream.next()
    await new Promise((resolve) => setTimeout(resolve, 20))
    const other = await harness.createUser()
    await finishItem(deps, await startJob(deps, other.user.id, 1), 0, 'succeeded')
    const first = await startJob(deps, user.user.id, 1)
    await finishItem(deps, first, 0, 'succeeded')
    const live = (await pending).value as unknown as Envelope
    expect(live[1]).toMatchObject({
      type: 'job.finished',
      title: 'Your batch finished',
      body: '1 of 1 succeeded, 0 failed.',
      data: { jobId: first.id },
      read: false,
    })
    expect(live[0]).toBe(live[1].id)
    controller.abort()
    await stream.return?.()

    await finishItem(deps, await startJob(deps, user.user.id, 1, 'video'), 0, 'failed')
    const resumed = (await user.caller.notifications.stream({ lastEventId: live[0] }))[Symbol.asyncIterator]()
    const [missed] = await take(resumed, 1)
    expect(missed![1]).toMatchObject({ title: 'Your video finished', body: 'The video could not be made.' })
    await resumed.return?.()

    const listed = await user.caller.notifications.list({ limit: 1 })
    expect(listed.items.map((item) => item.id)).toEqual([missed![0]])
    const next = await user.caller.notifications.list({ limit: 5, cursor: listed.nextCursor! })
    expect(next.items.map((item) => item.id)).toEqual([live[0], expect.any(String)])
    expect((await listNotificationsForOwner(deps.db, other.user.id, { limit: 5 })).items).toHaveLength(1)
    expect(open).toBe(0)
  })
})
