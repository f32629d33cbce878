/**
 * The networked deployment for real: two API instances and a worker process over PostgreSQL and
 * Redis. A batch submitted on instance A is watched on instance B; the worker is killed mid-batch
 * and a new one started; every item is charged exactly once and no event is lost.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type OpenAIFake, startOpenAIFake } from '@nbl/providers/fakes'
import { createClient } from '@nbl/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteRedisKeys } from './redis-keys.js'
import { runSql } from './run-sql.js'
import { type RunningServer, startServer } from './server-process.js'

const databaseAdminUrl = process.env.TEST_DATABASE_URL
const redisUrl = process.env.TEST_REDIS_URL
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--worker'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (/^ready in \d+ ms$/m.test(output)) resolve(child)
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}\n${output}`)))
  })
}

describe.skipIf(!databaseAdminUrl || !redisUrl)(
  'two API instances and a worker on PostgreSQL and Redis',
  () => {
    const suffix = randomBytes(5).toString('hex')
    const databaseName = `nbl_mp_${suffix}`
    const redisPrefix = `nbl-test:${suffix}:`
    const adminKey = `nbl_${randomBytes(24).toString('base64url')}`
    let databaseUrl: string
    let dataDir: string
    let fake: OpenAIFake
    let env: Record<string, string>
    const servers: RunningServer[] = []
    const workers: ChildProcess[] = []

    beforeAll(async () => {
      await runSql(databaseAdminUrl!, `create database ${databaseName}`)
      const url = new URL(databaseAdminUrl!)
      url.pathname = `/${databaseName}`
      databaseUrl = url.toString()
      dataDir = await mkdtemp(join(tmpdir(), 'nbl-mp-'))
      fake = await startOpenAIFake({ latencyMs: 250 })
      env = {
        DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl!,
        REDIS_PREFIX: redisPrefix,
        BOOTSTRAP_ADMIN_KEY: adminKey,
        SECRET_KEY: randomBytes(32).toString('hex'),
        PROVIDER_OPENAI_API_KEY: fake.apiKey,
        PROVIDER_OPENAI_BASE_URL: fake.baseUrl,
        PROVIDER_LOCAL_ENABLED: 'false',
        JOB_WORKERS: 'false',
        JOB_LEASE_MS: '3000',
        JOB_CONCURRENCY: '4',
      }
      servers.push(await startServer(env))
      servers.push(await startServer(env))
      workers.push(await startWorker(env))
    })

    afterAll(async () => {
      for (const worker of workers) worker.kill('SIGKILL')
      await Promise.all(servers.map((server) => server.stop()))
      await fake?.close()
      await runSql(databaseAdminUrl!, `drop database if exists ${databaseName} with (force)`)
      await deleteRedisKeys(redisUrl!, redisPrefix)
      await rm(dataDir, { recursive: true, force: true })
    })

    it('finishes a batch across a worker crash, charging each item once and losing no event', async () => {
      const [apiA, apiB] = servers
      const ready = (await (await fetch(`${apiA!.url}/health/ready`)).json()) as {
        checks: { redis?: { ok: boolean } }
      }
      expect(ready.checks.redis?.ok).toBe(true)
      const admin = createClient({ url: apiA!.url, apiKey: adminKey })
      const account = await admin.admin.users.create.mutate({ name: 'batcher', tier: 'pro' })
      const key = await admin.admin.users.issueApiKey.mutate({ userId: account.id, name: 'k' })
      const onA = createClient({ url: apiA!.url, apiKey: key.secret })
      const onB = createClient({ url: apiB!.url, apiKey: key.secret })

      const items = Array.from({ length: 20 }, (_, index) => ({ prompt: `item ${index}` }))
      const { jobId } = await onA.generate.batch.mutate({ items, concurrency: 4 })

      type Tracked = { id: string; data: { type: string; index?: number; status?: string } }
      const received: Tracked[] = []
      let lastEventId: string | undefined
      const follow = () =>
        new Promise<void>((resolve, reject) => {
          const subscription = onB.generate.jobs.events.subscribe(
            { jobId, ...(lastEventId ? { lastEventId } : {}) },
            {
              onData(event: Tracked) {
                received.push(event)
                lastEventId = event.id
                if (event.data.type === 'done') resolve()
                // Drop the connection once mid-way; the caller reconnects with lastEventId.
                if (received.filter((entry) => entry.data.type === 'item').length === 8 && !dropped) {
                  dropped = true
                  subscription.unsubscribe()
                  resolve()
                }
              },
              onError: reject,
            },
          )
        })
      let dropped = false
      const watching = follow()

      // Kill the worker once a few items are done, then start a new one.
      for (let wait = 0; wait < 200; wait++) {
        if (received.filter((event) => event.data.type === 'item').length >= 4) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      workers[0]!.kill('SIGKILL')
      workers.push(await startWorker(env))

      await watching
      if (!received.some((event) => event.data.type === 'done')) await follow()

      const itemEvents = received
        .filter((event) => event.data.type === 'item')
        .map((event) => event.data.index)
      expect([...itemEvents].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(items.map((_, index) => index))
      expect(new Set(received.map((event) => event.id)).size).toBe(received.length)
      expect(received.at(-1)?.data).toMatchObject({ type: 'done', status: 'succeeded' })

      const job = await onA.generate.jobs.get.query({ jobId })
      expect(job).toMatchObject({ status: 'succeeded', done: 20, failed: 0 })
      const [charged] = await runSql(
        databaseUrl,
        `select count(*) filter (where status = 'succeeded')::int as generations,
              count(*) filter (where status = 'running')::int as running,
              coalesce(sum(units_charged), 0)::int as units
       from generations where user_id = $1`,
        [account.id],
      )
      // Items the killed worker had in flight were run again and charged once; their first runs are closed.
      expect(charged).toEqual({ generations: 20, running: 0, units: 20 })
      expect((await onB.quota.status.query()).used).toBe(20)
    })
  },
)
