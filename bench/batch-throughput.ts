/**
 * @module Batch throughput and event latency: a batch of 100 images against the OpenAI contract
 * fake answering after 200 ms, at concurrency 8. Reports the wall time against the ideal
 * (ceil(100 / 8) x 200 ms = 2.6 s) and how long an item's event takes to reach a subscriber.
 * Runs on embedded defaults (in-memory PGlite, in-process event bus) and networked (a fresh PostgreSQL
 * database, events over Redis pub/sub between separate connections, as between two instances);
 * BENCH_MODES=embedded|networked picks one, BENCH_DATABASE_URL / BENCH_REDIS_URL say where.
 *
 * Run: pnpm --filter @nbl/bench bench:batch
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type AppDeps,
  createAccountCache,
  createApiKeyAuthenticator,
  createCaller,
  createContextInner,
  createJobRunner,
  createLocalObjectStore,
  createMemoryEventBus,
  createMemoryQuotaStore,
  createModerationService,
  createQuotaService,
  DEFAULT_TIERS,
  DEFAULT_UNIT_COSTS,
  idleJobScheduler,
  silentLogger,
  unlimitedRateLimiter,
} from '@nbl/api'
import { connectRedisEventBus } from '@nbl/api/redis'
import { createDatabase, createId, insertUser, migrateToLatest } from '@nbl/db'
import { createOpenAIProvider, createProviderRouter } from '@nbl/providers'
import { startOpenAIFake } from '@nbl/providers/fakes'
import { createNetworkedResources, type NetworkedResources } from './gateway/networked.js'

const ITEMS = 100
const CONCURRENCY = 8
const UPSTREAM_LATENCY_MS = 200
const MODES = (process.env.BENCH_MODES ?? 'embedded,networked')
  .split(',')
  .map((mode) => mode.trim())
  .filter(Boolean)

const fake = await startOpenAIFake({ latencyMs: UPSTREAM_LATENCY_MS })
const results: Record<string, unknown>[] = []
for (const mode of MODES) {
  const networked =
    mode === 'networked' ? await createNetworkedResources(`nbl_bench_batch_${Date.now()}`) : undefined
  results.push(await runBatch(networked))
  await networked?.cleanUp()
}
await fake.close()
await mkdir(new URL('./results/', import.meta.url), { recursive: true })
await writeFile(
  new URL('./results/batch-throughput.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, results }, null, 2)}\n`,
)

async function runBatch(networked: NetworkedResources | undefined): Promise<Record<string, unknown>> {
  const redisUrl = networked?.redisUrl
  const dataDir = await mkdtemp(join(tmpdir(), 'nbl-bench-'))
  const database = await createDatabase(networked ? { databaseUrl: networked.databaseUrl } : {})
  await migrateToLatest(database.db)
  const files = createLocalObjectStore({
    root: join(dataDir, 'objects'),
    secret: 'bench-secret-bench-secret-bench!!',
  })
  const prefix = networked?.redisPrefix ?? `nbl-bench:${Date.now()}:`
  const publisherBus = redisUrl ? connectRedisEventBus(redisUrl, { prefix }) : undefined
  const subscriberBus = redisUrl ? connectRedisEventBus(redisUrl, { prefix }) : undefined
  const memoryBus = createMemoryEventBus()
  const accountCache = createAccountCache()

  const deps: AppDeps = {
    db: database.db,
    databaseKind: database.kind,
    providers: createProviderRouter({
      providers: [createOpenAIProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl }).image],
    }),
    quota: createQuotaService({
      store: createMemoryQuotaStore(),
      tiers: DEFAULT_TIERS,
      costs: DEFAULT_UNIT_COSTS,
    }),
    storage: files,
    localFiles: files,
    jobs: idleJobScheduler,
    events: publisherBus ?? memoryBus,
    apiKeys: createApiKeyAuthenticator(database.db, { cache: accountCache.apiKeys }),
    accountCache,
    rateLimiter: unlimitedRateLimiter,
    moderation: createModerationService(),
    logger: silentLogger,
    config: { signedUrlTtlSeconds: 600, defaultStrategy: 'priority', version: 'bench' },
    startedAt: Date.now(),
  }
  const runner = createJobRunner(deps, { concurrency: CONCURRENCY, pollIntervalMs: 200 })
  deps.jobs = runner
  runner.start()

  const user = await insertUser(database.db, {
    id: createId('usr'),
    name: 'bench',
    email: null,
    role: 'admin',
    tier: 'unlimited',
  })
  const caller = createCaller(
    createContextInner({
      deps,
      user: { id: user.id, name: user.name, role: 'admin', tier: 'unlimited', apiKeyId: null },
    }),
  )

  const startedAt = performance.now()
  const { jobId } = await caller.generate.batch({
    items: Array.from({ length: ITEMS }, (_, index) => ({ prompt: `bench ${index}` })),
    concurrency: CONCURRENCY,
  })

  // The subscriber side: when each item event arrives, compare with when the item was finished.
  const latencies: number[] = []
  const subscriberSide = subscriberBus ?? memoryBus
  let resolveDone: () => void = () => undefined
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve
  })
  const unsubscribe = await subscriberSide.subscribe(`job:${jobId}`, (message) => {
    const received = Date.now()
    const events = (message as { events?: { type: string; payload: { index?: number } }[] }).events ?? []
    for (const event of events) {
      if (event.type === 'item' && event.payload.index !== undefined) {
        const index = event.payload.index
        void database.db
          .selectFrom('job_items')
          .select('finished_at')
          .where('job_id', '=', jobId)
          .where('index', '=', index)
          .executeTakeFirst()
          .then((row) => {
            if (row?.finished_at) latencies.push(received - row.finished_at.getTime())
          })
      }
      if (event.type === 'done') resolveDone()
    }
  })
  await done
  const wallMs = performance.now() - startedAt
  const job = await caller.generate.jobs.get({ jobId })
  await new Promise((resolve) => setTimeout(resolve, 200))

  const sorted = [...latencies].sort((a, b) => a - b)
  const percentile = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
  const idealMs = Math.ceil(ITEMS / CONCURRENCY) * UPSTREAM_LATENCY_MS
  const row = {
    items: ITEMS,
    concurrency: CONCURRENCY,
    upstreamLatencyMs: UPSTREAM_LATENCY_MS,
    status: job.status,
    wallMs: Math.round(wallMs),
    idealMs,
    overheadPercent: Math.round(((wallMs - idealMs) / idealMs) * 100),
    database: database.kind,
    eventBus: redisUrl ? 'redis' : 'memory',
    eventLatencyMsP50: percentile(50),
    eventLatencyMsP99: percentile(99),
    eventsMeasured: latencies.length,
  }
  console.table([row])

  await unsubscribe()
  await runner.stop()
  await publisherBus?.close()
  await subscriberBus?.close()
  await database.close()
  await rm(dataDir, { recursive: true, force: true })
  return row
}
