/**
 * `generate.jobs.events` and `notifications.stream` over real HTTP (SSE) with the SDK: the Hono
 * app served on a random port, job progress driven the way workers record it. Embedded (one
 * process, memory bus) always; with TEST_DATABASE_URL and TEST_REDIS_URL also two instances on
 * one PostgreSQL and Redis, watched on one while the other records.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import {
  type AppDeps,
  createApp,
  issueApiKey,
  type JobEvent,
  recordItemFinished,
  silentLogger,
} from '@nbl/api'
import {
  claimJobItems,
  createId,
  finishJobItem,
  insertJobWithItems,
  insertUser,
  type JobRow,
  migrateToLatest,
} from '@nbl/db'
import { createClient, getAppError, type NanoBananaClient } from '@nbl/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { buildDeps } from '../src/deps.js'
import { deleteRedisKeys } from './redis-keys.js'
import { runSql } from './run-sql.js'

interface Instance {
  url: string
  deps: AppDeps
  /** Drops every open HTTP connection (as a network blip would). */
  dropConnections(): void
  close(): Promise<void>
}

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nbl-events-'))
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, ...env }, { dataDir })
  const built = await buildDeps({
    config,
    secretKey: 'test-secret-test-secret-test-secret',
    logger: silentLogger,
    version: 'test',
  })
  await migrateToLatest(built.deps.db)
  const app = createApp(built.deps)
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    deps: built.deps,
    dropConnections: () => (server as unknown as { closeAllConnections(): void }).closeAllConnections(),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        ;(server as unknown as { closeAllConnections(): void }).closeAllConnections()
      })
      await built.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

async function newUser(deps: AppDeps) {
  const user = await insertUser(deps.db, {
    id: createId('usr'),
    name: 'watcher',
    email: null,
    role: 'user',
    tier: 'pro',
  })
  const key = await issueApiKey(deps.db, { userId: user.id, name: 'test' })
  return { id: user.id, apiKey: key.secret }
}

/** A job whose items are leased to a test worker; `finish` records them as a worker would. */
async function startJob(deps: AppDeps, userId: string, total: number) {
  const job = await insertJobWithItems(
    deps.db,
    {
      id: createId('job'),
      user_id: userId,
      kind: 'batch',
      status: 'queued',
      total,
      request: {},
      idempotency_key: null,
      request_hash: null,
    },
    Array.from({ length: total }, (_, index) => ({ index, input: { prompt: `p${index}` }, units: 1 })),
  )
  await claimJobItems(deps.db, { owner: 'w', leaseMs: 600_000, limit: total, jobId: job.id })
  return {
    job,
    /** Finishes item `index`; `recordOn` is where the worker runs (another instance, say). */
    async finish(index: number, status: 'succeeded' | 'failed' = 'succeeded', recordOn: AppDeps = deps) {
      const finished = (await finishJobItem(deps.db, job.id, index, 'w', {
        status,
        ...(status === 'failed' ? { errorCode: 'PROVIDERS_FAILED', errorMessage: 'nope' } : {}),
      })) as JobRow
      await recordItemFinished(recordOn, {
        job: finished,
        index,
        status,
        ...(status === 'failed' ? { error: { appCode: 'PROVIDERS_FAILED', message: 'nope' } } : {}),
      })
    },
  }
}

interface Watch {
  events: { id: string; data: JobEvent }[]
  error: unknown
  completed: boolean
  started: boolean
  stop(): void
}

function watchJob(client: NanoBananaClient, input: { jobId: string; lastEventId?: string }): Watch {
  const watch: Watch = {
    events: [],
    error: undefined,
    completed: false,
    started: false,
    stop: () => subscription.unsubscribe(),
  }
  const subscription = client.generate.jobs.events.subscribe(input, {
    onStarted: () => {
      watch.started = true
    },
    onData: (event) => void watch.events.push(event),
    onError: (error) => {
      watch.error = error
    },
    onComplete: () => {
      watch.completed = true
    },
  })
  return watch
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const ids = (watch: Watch) => watch.events.map((event) => event.id)
const shapes = (watch: Watch) =>
  watch.events.map(({ id, data }) => `${id}:${data.type}${data.type === 'item' ? data.index : ''}`)

function runSuite(
  label: string,
  setup: () => Promise<{ watched: Instance; recorder: Instance; close(): Promise<void> }>,
) {
  describe(label, () => {
    let watched: Instance
    let recorder: Instance
    let teardown: () => Promise<void>
    let owner: { id: string; apiKey: string }
    let client: NanoBananaClient

    beforeAll(async () => {
      const started = await setup()
      watched = started.watched
      recorder = started.recorder
      teardown = started.close
      owner = await newUser(watched.deps)
      client = createClient({ url: watched.url, apiKey: owner.apiKey })
    })
    afterAll(async () => {
      await teardown?.()
    })

    it('delivers events in order with their ids, live, and completes after done', async () => {
      const { job, finish } = await startJob(watched.deps, owner.id, 3)
      await finish(1, 'failed', recorder.deps)
      const watch = watchJob(client, { jobId: job.id })
      await until(() => watch.events.length === 2, 'the back-fill')
      await finish(0, 'succeeded', recorder.deps)
      await until(() => watch.events.length === 4, 'live events')
      await finish(2, 'succeeded', recorder.deps)
      await until(() => watch.completed, 'the end of the stream')
      expect(shapes(watch)).toEqual([
        '1:item1',
        '2:progress',
        '3:item0',
        '4:progress',
        '5:item2',
        '6:progress',
        '7:done',
      ])
      expect(watch.events[0]!.data).toEqual({
        type: 'item',
        index: 1,
        status: 'failed',
        imageIds: [],
        error: { appCode: 'PROVIDERS_FAILED', message: 'nope' },
      })
      expect(watch.events.at(-2)!.data).toEqual({
        type: 'progress',
        done: 2,
        failed: 1,
        total: 3,
        status: 'partial',
      })
      expect(watch.events.at(-1)!.data).toEqual({ type: 'done', status: 'partial' })
      expect(watch.error).toBeUndefined()
    })

    it('gives a subscriber that reconnects with lastEventId exactly what it missed, then live events', async () => {
      const { job, finish } = await startJob(watched.deps, owner.id, 4)
      await finish(0, 'succeeded', recorder.deps)
      const first = watchJob(client, { jobId: job.id })
      await until(() => first.events.length === 2, 'the first events')
      first.stop()
      await finish(1, 'succeeded', recorder.deps)
      await finish(2, 'failed', recorder.deps)

      const resumed = watchJob(client, { jobId: job.id, lastEventId: first.events.at(-1)!.id })
      await until(() => resumed.events.length === 4, 'the missed events')
      await finish(3, 'succeeded', recorder.deps)
      await until(() => resumed.completed, 'the end of the stream')
      expect(ids(first)).toEqual(['1', '2'])
      expect(shapes(resumed)).toEqual([
        '3:item1',
        '4:progress',
        '5:item2',
        '6:progress',
        '7:item3',
        '8:progress',
        '9:done',
      ])
      expect(first.events.length).toBe(2) // stopped means stopped
    })

    it('resumes by itself after the connection drops, without losing or repeating an event', async () => {
      const { job, finish } = await startJob(watched.deps, owner.id, 3)
      const watch = watchJob(client, { jobId: job.id })
      await until(() => watch.started, 'the stream to start')
      await finish(0, 'succeeded', recorder.deps)
      await until(() => watch.events.length === 2, 'the first events')
      watched.dropConnections()
      await finish(1, 'succeeded', recorder.deps)
      await finish(2, 'succeeded', recorder.deps)
      await until(() => watch.completed, 'the end of the stream', 20_000)
      expect(ids(watch)).toEqual(['1', '2', '3', '4', '5', '6', '7'])
      expect(watch.events.at(-1)!.data).toEqual({ type: 'done', status: 'succeeded' })
    })

    it('replays a finished job’s events to a late subscriber and completes', async () => {
      const { job, finish } = await startJob(watched.deps, owner.id, 2)
      await finish(0, 'succeeded', recorder.deps)
      await finish(1, 'succeeded', recorder.deps)
      const late = watchJob(client, { jobId: job.id })
      await until(() => late.completed, 'the replay to end')
      expect(shapes(late)).toEqual(['1:item0', '2:progress', '3:item1', '4:progress', '5:done'])
    })

    it('answers another user’s jobId with NOT_FOUND', async () => {
      const { job } = await startJob(watched.deps, owner.id, 1)
      const stranger = await newUser(watched.deps)
      const watch = watchJob(createClient({ url: watched.url, apiKey: stranger.apiKey }), { jobId: job.id })
      await until(() => watch.error !== undefined, 'the error')
      expect(getAppError(watch.error)).toMatchObject({ appCode: 'NOT_FOUND', httpStatus: 404 })
      expect(watch.events).toEqual([])
    })

    it('streams the owner’s notifications', async () => {
      const received: { id: string; data: { title: string; data: Record<string, unknown> } }[] = []
      let started = false
      const subscription = client.notifications.stream.subscribe(undefined, {
        onStarted: () => {
          started = true
        },
        onData: (event) => void received.push(event),
      })
      await until(() => started, 'the stream to start')
      // Let the server subscribe before anything is published.
      await new Promise((resolve) => setTimeout(resolve, 100))
      const { job, finish } = await startJob(watched.deps, owner.id, 1)
      await finish(0, 'succeeded', recorder.deps)
      await until(() => received.length === 1, 'the notification')
      subscription.unsubscribe()
      expect(received[0]).toMatchObject({ data: { title: 'Your batch finished', data: { jobId: job.id } } })
      expect(received[0]!.id).toEqual(expect.stringMatching(/^ntf_/))
    })
  })
}

runSuite('job events over HTTP, embedded', async () => {
  const instance = await startInstance({})
  return { watched: instance, recorder: instance, close: () => instance.close() }
})

const databaseAdminUrl = process.env.TEST_DATABASE_URL
const redisUrl = process.env.TEST_REDIS_URL

describe.skipIf(!databaseAdminUrl || !redisUrl)('networked', () => {
  runSuite('job events over HTTP, two instances on PostgreSQL and Redis', async () => {
    const suffix = randomBytes(5).toString('hex')
    const name = `nbl_events_${suffix}`
    await runSql(databaseAdminUrl!, `create database ${name}`)
    const databaseUrl = new URL(databaseAdminUrl!)
    databaseUrl.pathname = `/${name}`
    const env = {
      DATABASE_URL: databaseUrl.toString(),
      DATABASE_POOL_MAX: '4',
      REDIS_URL: redisUrl!,
      REDIS_PREFIX: `nbl-test:${suffix}:`,
    }
    const watched = await startInstance(env)
    const recorder = await startInstance(env)
    return {
      watched,
      recorder,
      async close() {
        await watched.close()
        await recorder.close()
        await runSql(databaseAdminUrl!, `drop database if exists ${name} with (force)`)
        await deleteRedisKeys(redisUrl!, env.REDIS_PREFIX)
      },
    }
  })
})
