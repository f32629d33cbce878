/** notifications.* (count, mark read, delete), quota warnings, admin.announcements and admin.system.metrics. */
import { createId, insertNotification, listQuotaWarningThresholds } from '@nbl/db'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../test/errors.js'
import { createHarness, type Harness, type TestUser } from '../../test/harness.js'
import { createContextInner } from '../context.js'
import type { EventBus } from '../services/events/event-bus.js'
import { sendQuotaWarnings } from '../services/notifications/quota-warnings.js'
import { utcDay } from '../services/quota/policy.js'
import { createCaller } from './_app.js'

let harness: Harness
/** Open bus subscriptions, so a test knows when a stream is listening. */
let subscriptions = 0

beforeAll(async () => {
  harness = await createHarness({ free: { cooldownSeconds: 0, dailyLimit: 10 } })
  const bus = harness.deps.events
  const counting: EventBus = {
    publish: (channel, message) => bus.publish(channel, message),
    async subscribe(channel, onMessage) {
      const unsubscribe = await bus.subscribe(channel, onMessage)
      subscriptions++
      return async () => {
        subscriptions--
        await unsubscribe()
      }
    },
  }
  harness.deps.events = counting
})
afterAll(() => harness.close())

async function addNotification(user: TestUser, title: string) {
  return insertNotification(harness.deps.db, {
    id: createId('ntf'),
    user_id: user.user.id,
    type: 'test',
    title,
    body: `${title} body`,
    read_at: null,
  })
}

/** Resolves once `count` more bus subscriptions are open than `from`. */
async function subscribed(from: number, count: number): Promise<void> {
  for (let attempt = 0; attempt < 500 && subscriptions < from + count; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  expect(subscriptions).toBeGreaterThanOrEqual(from + count)
}

/** Opens `user`'s notifications.stream and waits until it listens; `next()` gives the next one. */
async function openStream(user: TestUser) {
  const controller = new AbortController()
  const caller = createCaller(createContextInner({ deps: harness.deps, user: user.user }), {
    signal: controller.signal,
  })
  const iterator = (await caller.notifications.stream())[Symbol.asyncIterator]()
  const before = subscriptions
  // The generator starts (and subscribes) on the first pull.
  const first = iterator.next()
  await subscribed(before, 2)
  // The stream reads where to start from right after subscribing; on the one embedded connection
  // this query runs after that one, so what the test does next comes after the stream's start.
  await sql`select 1`.execute(harness.deps.db)
  let pending: Promise<IteratorResult<unknown>> | undefined = first
  return {
    async next() {
      const result = await Promise.race([
        pending ?? iterator.next(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('stream stalled')), 5000)),
      ])
      pending = undefined
      return (result.value as readonly [string, Record<string, unknown>])[1]
    },
    async close() {
      controller.abort()
      await iterator.return?.()
    },
  }
}

async function quotaWarningsOf(user: TestUser) {
  await harness.quotaWarnings.idle()
  const { items } = await user.caller.notifications.list({ limit: 100 })
  return items
    .filter((item) => item.type === 'quota.warning')
    .map((item) => item.data as { threshold: number; used: number; limit: number; resetsAt: string })
    .sort((left, right) => left.threshold - right.threshold)
}

describe('notifications', () => {
  it('counts unread ones, and markRead, markAllRead and delete change the count', async () => {
    const user = await harness.createUser()
    const [first, second, third] = [
      await addNotification(user, 'one'),
      await addNotification(user, 'two'),
      await addNotification(user, 'three'),
    ]
    expect(await user.caller.notifications.unreadCount()).toEqual({ count: 3 })

    const marked = await user.caller.notifications.markRead({ notificationId: first!.id })
    expect(marked.unreadCount).toBe(2)
    expect(marked.notifications).toEqual([
      expect.objectContaining({ id: first!.id, read: true, readAt: expect.any(String) }),
    ])
    // Marking again keeps the first read time.
    const again = await user.caller.notifications.markRead({ notificationIds: [first!.id, second!.id] })
    expect(again.notifications.map((item) => [item.id, item.read])).toEqual([
      [first!.id, true],
      [second!.id, true],
    ])
    expect(again.notifications[0]!.readAt).toBe(marked.notifications[0]!.readAt)
    expect(again.unreadCount).toBe(1)
    expect((await user.caller.notifications.list({ unreadOnly: true })).items.map((item) => item.id)).toEqual(
      [third!.id],
    )

    await addNotification(user, 'four')
    expect(await user.caller.notifications.markAllRead()).toEqual({ updated: 2 })
    expect(await user.caller.notifications.unreadCount()).toEqual({ count: 0 })
    expect(await user.caller.notifications.markAllRead()).toEqual({ updated: 0 })

    const unread = await addNotification(user, 'five')
    expect(await user.caller.notifications.unreadCount()).toEqual({ count: 1 })
    expect(await user.caller.notifications.delete({ notificationId: unread.id })).toEqual({ ok: true })
    expect(await user.caller.notifications.unreadCount()).toEqual({ count: 0 })
    const gone = await expectAppError(user.caller.notifications.delete({ notificationId: unread.id }))
    expect(gone.appCode).toBe('NOT_FOUND')
    expect((await user.caller.notifications.list()).items).toHaveLength(4)
  })

  it('treats another user’s notification as missing and changes nothing', async () => {
    const a = await harness.createUser({ name: 'A' })
    const b = await harness.createUser({ name: 'B' })
    const mine = await addNotification(b, 'b’s own')
    const theirs = await addNotification(a, 'a’s')
    const before = await a.caller.notifications.list()

    for (const attempt of [
      b.caller.notifications.markRead({ notificationId: theirs.id }),
      // One foreign id among the caller's own: all or nothing.
      b.caller.notifications.markRead({ notificationIds: [mine.id, theirs.id] }),
      b.caller.notifications.delete({ notificationId: theirs.id }),
    ]) {
      expect(await expectAppError(attempt)).toMatchObject({ trpcCode: 'NOT_FOUND', appCode: 'NOT_FOUND' })
    }
    expect(await a.caller.notifications.list()).toEqual(before)
    expect(await b.caller.notifications.unreadCount()).toEqual({ count: 1 })
    expect(await b.caller.notifications.markAllRead()).toEqual({ updated: 1 })
    expect(await a.caller.notifications.unreadCount()).toEqual({ count: 1 })
  })

  it('validates markRead input', async () => {
    const { caller } = await harness.createUser()
    for (const input of [
      {},
      { notificationId: 'ntf_x', notificationIds: ['ntf_y'] },
      { notificationIds: [] },
    ]) {
      const error = await expectAppError(caller.notifications.markRead(input as { notificationId: string }))
      expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
    }
    const tooMany = Array.from({ length: 101 }, (_, index) => `ntf_${index}`)
    const error = await expectAppError(caller.notifications.markRead({ notificationIds: tooMany }))
    expect(error.details.fieldErrors).toHaveProperty('notificationIds')
  })
})

describe('quota warnings', () => {
  it('warns once at 80 % and once at 100 % of the daily limit, live on the stream', async () => {
    const user = await harness.createUser()
    await user.caller.generate.image({ prompt: 'four', count: 4 })
    expect(await quotaWarningsOf(user)).toEqual([])

    const stream = await openStream(user)
    await user.caller.generate.image({ prompt: 'eight', count: 4 })
    const live = await stream.next()
    expect(live).toMatchObject({ type: 'quota.warning', data: { threshold: 80, used: 8, limit: 10 } })
    const warnings = await quotaWarningsOf(user)
    expect(warnings).toEqual([{ threshold: 80, used: 8, limit: 10, resetsAt: expect.any(String) }])
    expect(new Date(warnings[0]!.resetsAt).getTime()).toBeGreaterThan(Date.now())

    await user.caller.generate.image({ prompt: 'nine' })
    expect(await quotaWarningsOf(user)).toHaveLength(1)

    await user.caller.generate.image({ prompt: 'ten' })
    expect(await stream.next()).toMatchObject({ type: 'quota.warning', data: { threshold: 100, used: 10 } })
    await stream.close()
    expect((await quotaWarningsOf(user)).map((warning) => [warning.threshold, warning.used])).toEqual([
      [80, 8],
      [100, 10],
    ])
    expect(await listQuotaWarningThresholds(harness.deps.db, user.user.id, utcDay(Date.now()))).toEqual([
      80, 100,
    ])
  })

  it('sends both when one charge crosses both thresholds, and covers batch submissions', async () => {
    const user = await harness.createUser()
    await user.caller.generate.batch({ items: Array.from({ length: 10 }, () => ({ prompt: 'item' })) })
    expect((await quotaWarningsOf(user)).map((warning) => warning.threshold)).toEqual([80, 100])
  })

  it('warns again after an admin resets the day', async () => {
    const user = await harness.createUser()
    const admin = await harness.createUser({ role: 'admin', tier: 'unlimited' })
    await user.caller.generate.image({ prompt: 'eight', count: 4 })
    await user.caller.generate.image({ prompt: 'eight', count: 4 })
    expect((await quotaWarningsOf(user)).map((warning) => warning.threshold)).toEqual([80])
    await admin.caller.admin.quota.reset({ userId: user.user.id })
    await user.caller.generate.image({ prompt: 'eight again', count: 4 })
    await user.caller.generate.image({ prompt: 'eight again', count: 4 })
    expect((await quotaWarningsOf(user)).map((warning) => warning.threshold)).toEqual([80, 80])
  })

  it('never warns tiers without a cap', async () => {
    const user = await harness.createUser({ tier: 'unlimited' })
    for (let index = 0; index < 3; index++) await user.caller.generate.image({ prompt: 'many', count: 4 })
    expect(await quotaWarningsOf(user)).toEqual([])
    expect(await listQuotaWarningThresholds(harness.deps.db, user.user.id, utcDay(Date.now()))).toEqual([])
  })

  it('sends exactly one warning per threshold under concurrent charges and checkers', async () => {
    const user = await harness.createUser()
    await Promise.all(
      Array.from({ length: 10 }, (_, index) => user.caller.generate.image({ prompt: `burst ${index}` })),
    )
    expect((await quotaWarningsOf(user)).map((warning) => warning.threshold)).toEqual([80, 100])

    // Two instances noticing the same crossing: only the one that claims the row notifies.
    const other = await harness.createUser()
    await other.caller.generate.batch({ items: Array.from({ length: 8 }, () => ({ prompt: 'item' })) })
    await harness.quotaWarnings.idle()
    await harness.deps.db.deleteFrom('quota_warnings').where('user_id', '=', other.user.id).execute()
    await harness.deps.db.deleteFrom('notifications').where('user_id', '=', other.user.id).execute()
    const charge = {
      subject: { id: other.user.id, tier: 'free' as const },
      day: utcDay(Date.now()),
      unitsCharged: 8,
    }
    const created = await Promise.all(
      Array.from({ length: 4 }, () => sendQuotaWarnings(harness.deps, charge)),
    )
    expect(created.flat().map((row) => (row.data as { threshold: number }).threshold)).toEqual([80])
    expect((await quotaWarningsOf(other)).map((warning) => warning.threshold)).toEqual([80])
  })
})

describe('admin.announcements.create', () => {
  it('gives every user the notification, live to open streams, and audits it', async () => {
    const admin = await harness.createUser({ role: 'admin', tier: 'unlimited' })
    const listener = await harness.createUser()
    const quiet = await harness.createUser()
    const stream = await openStream(listener)
    const users = await harness.deps.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow()

    const created = await admin.caller.admin.announcements.create({
      title: '  Maintenance tonight ',
      body: 'Generation pauses at 02:00 UTC for ten minutes.',
      level: 'warning',
    })
    expect(created).toEqual({ id: expect.stringMatching(/^ann_/), recipients: Number(users.count) })

    const live = await stream.next()
    await stream.close()
    const expected = {
      type: 'announcement',
      title: 'Maintenance tonight',
      body: 'Generation pauses at 02:00 UTC for ten minutes.',
      data: { announcementId: created.id, level: 'warning' },
      read: false,
    }
    expect(live).toMatchObject(expected)
    for (const user of [listener, quiet, admin]) {
      const { items } = await user.caller.notifications.list({ limit: 100 })
      const announcement = items.filter((item) => item.type === 'announcement')
      expect(announcement).toEqual([expect.objectContaining(expected)])
      if (user === listener) expect(announcement[0]).toEqual(live)
    }
    // The streamed id is the listener's own row: it can be marked read.
    const marked = await listener.caller.notifications.markRead({ notificationId: live.id as string })
    expect(marked.notifications[0]).toMatchObject({ id: live.id, read: true })
    await expectAppError(quiet.caller.notifications.markRead({ notificationId: live.id as string })).then(
      (error) => expect(error.appCode).toBe('NOT_FOUND'),
    )

    const audit = await harness.deps.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'admin.announcements.create')
      .execute()
    expect(audit).toEqual([
      expect.objectContaining({
        actor_id: admin.user.id,
        details: expect.objectContaining({ announcementId: created.id, recipients: created.recipients }),
      }),
    ])
  })

  it('refuses non-admins and invalid input', async () => {
    const { caller } = await harness.createUser()
    const refused = await expectAppError(caller.admin.announcements.create({ title: 'x', body: 'y' }))
    expect(refused).toMatchObject({ trpcCode: 'FORBIDDEN', appCode: 'FORBIDDEN' })
    const admin = await harness.createUser({ role: 'admin', tier: 'unlimited' })
    const invalid = await expectAppError(
      admin.caller.admin.announcements.create({ title: '   ', body: 'y'.repeat(4001) }),
    )
    expect(invalid.appCode).toBe('VALIDATION')
    expect(Object.keys(invalid.details.fieldErrors ?? {}).sort()).toEqual(['body', 'title'])
  })
})

describe('admin.system.metrics', () => {
  it('reports process, database, queue and provider figures that follow new generations', async () => {
    const admin = await harness.createUser({ role: 'admin', tier: 'unlimited' })
    const before = await admin.caller.admin.system.metrics()
    const user = await harness.createUser()
    await user.caller.generate.image({ prompt: 'metrics', count: 2 })
    await user.caller.generate.image({ prompt: 'metrics 2K', resolution: '2K' })
    await user.caller.generate.batch({ items: [{ prompt: 'queued' }] })
    const after = await admin.caller.admin.system.metrics()

    expect(after.process.rssBytes).toBeGreaterThan(0)
    expect(after.process.heapUsedBytes).toBeGreaterThan(0)
    expect(after.process.uptimeSeconds).toBeGreaterThanOrEqual(0)
    expect(after.process.eventLoopDelay.samples).toBeGreaterThan(0)
    expect(after.process.eventLoopDelay.p99Ms).toBeGreaterThanOrEqual(after.process.eventLoopDelay.p50Ms ?? 0)
    expect(after.database.users).toBe(before.database.users + 1)
    expect(after.database.generationsToday.succeeded).toBe(before.database.generationsToday.succeeded + 2)
    expect(after.database.generationsToday.total).toBe(before.database.generationsToday.total + 2)
    expect(after.database.unitsChargedToday).toBe(before.database.unitsChargedToday + 4)
    expect(after.database.imagesTotal).toBe(before.database.imagesTotal + 3)
    expect(after.database.jobs.queued).toBe(before.database.jobs.queued + 1)
    expect(after.queue.depth).toBe(before.queue.depth + 1)
    expect(after.providers).toEqual([
      expect.objectContaining({ name: 'local', enabled: true, breaker: { image: 'closed' } }),
    ])
    const status = await admin.caller.admin.system.status()
    expect(status.queue.depth).toBe(after.queue.depth)
    expect(status.providers).toEqual(after.providers)

    const { caller } = await harness.createUser()
    const refused = await expectAppError(caller.admin.system.metrics())
    expect(refused).toMatchObject({ trpcCode: 'FORBIDDEN', appCode: 'FORBIDDEN' })
  })
})
