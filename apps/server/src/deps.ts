/**
 * @module Builds the service graph from configuration: embedded defaults unless networked parts
 * are configured.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import {
  type AppDeps,
  type AppLogger,
  cachedQuotaAdjustment,
  createAccountCache,
  createApiKeyAuthenticator,
  createAppMetrics,
  createChatCompletionsPromptImprover,
  createGenerationWriter,
  createJobRunner,
  createKeywordFilter,
  createLocalObjectStore,
  createMemoryEventBus,
  createMemoryQuotaStore,
  createMemoryRateLimiter,
  createModerationService,
  createOpenAIModerator,
  createQuotaService,
  createQuotaWarningNotifier,
  createRedisQuotaStore,
  createRedisRateLimiter,
  createRedisRoundRobinCounter,
  DEFAULT_UNIT_COSTS,
  type EventBus,
  followAccountChanges,
  followProviderControl,
  InvalidModerationEntryError,
  idleJobScheduler,
  type JobRunner,
  type LocalObjectStore,
  type ModerationService,
  openGenerationJournal,
  readModerationListFile,
} from '@nbl/api'
import {
  countUnfinishedJobItems,
  createDatabase,
  type DatabaseHandle,
  findQuotaAdjustment,
  sumUnitsUsedSince,
} from '@nbl/db'
import {
  type CatalogOverrides,
  createConfiguredProviders,
  createProviderRouter,
  type ImageProvider,
  type ProviderName,
  type VideoProvider,
} from '@nbl/providers'
import { ConfigError, type ModerationSettings, type ServerConfig } from './config.js'
import { findBaseDirectory } from './workspace-root.js'

export interface BuiltDeps {
  deps: AppDeps
  database: DatabaseHandle
  /** Runs batch and video jobs in this process; started by the caller once migrations ran. */
  jobRunner: JobRunner
  close(): Promise<void>
}

/** How long closing waits for queued history writes before leaving them to the journal. */
const FLUSH_ON_CLOSE_MS = 5_000

export const generationJournalDirectory = (dataDir: string) => join(dataDir, 'journal')

export async function buildDeps(options: {
  config: ServerConfig
  secretKey: string
  logger: AppLogger
  version: string
  /** Extra adapters (tests); the configured ones are added here. */
  providers?: ImageProvider[]
  videoProviders?: VideoProvider[]
  /** Operator overrides of the provider catalog, per provider (PROVIDER_CATALOG_FILE). */
  catalog?: Partial<Record<ProviderName, CatalogOverrides>>
}): Promise<BuiltDeps> {
  const { config, logger } = options
  // Before anything is opened: a bad block list stops start-up without leaving connections behind.
  const moderation = await buildModeration(config.moderation, logger)
  const database = await createDatabase({
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir }),
    max: config.databasePoolMax,
    preparedStatements: config.databasePreparedStatements,
    onError: (error) => logger.warn({ err: error.message }, 'idle database connection failed'),
  })
  const { db } = database

  const configured = createConfiguredProviders(
    Object.fromEntries(
      Object.entries(config.providers).map(([name, settings]) => {
        const overrides = options.catalog?.[name as ProviderName]
        return [name, overrides ? { ...settings, overrides } : settings]
      }),
    ),
  )
  for (const { name, reason } of configured.skipped)
    logger.info({ provider: name, reason }, 'provider not registered')
  // ioredis (and BullMQ, in main.ts) are loaded only when there is a Redis to talk to.
  const redisModule = config.redisUrl ? await import('@nbl/api/redis') : undefined
  // Quota counters and round-robin turns live in Redis when there is one, so every instance agrees.
  const redis = config.redisUrl
    ? redisModule?.createRedisConnection(config.redisUrl, {
        onError: (error: Error) => logger.warn({ err: error.message }, 'redis connection error'),
        // Commands issued in the same turn of the event loop (the quota scripts of concurrent
        // generations) leave in one write: one system call instead of one per command.
        enableAutoPipelining: true,
      })
    : undefined
  const metrics = config.metricsEnabled ? createAppMetrics() : undefined
  const providers = createProviderRouter({
    providers: [...configured.providers, ...(options.providers ?? [])],
    videoProviders: [...configured.videoProviders, ...(options.videoProviders ?? [])],
    settings: config.providers,
    resilience: { fallback: config.enableFallback },
    ...(redis ? { roundRobin: createRedisRoundRobinCounter({ redis, keyPrefix: config.redisPrefix }) } : {}),
    ...(metrics ? { onAttempt: (sample) => metrics.providerAttempt(sample) } : {}),
  })
  metrics?.setSources({
    queueDepth: () => countUnfinishedJobItems(db),
    breakers: () =>
      providers.listProviders().flatMap(({ name, breaker }) =>
        (['image', 'video'] as const).flatMap((kind) => {
          const state = breaker[kind]
          return state ? [{ provider: name, kind, state }] : []
        }),
      ),
  })

  const loadUsed = (userId: string, dayStart: Date) => sumUnitsUsedSince(db, userId, dayStart)
  // Quota warnings (80 % / 100 % of the day) are sent beside the generation, reading the finished deps.
  const quotaWarnings = createQuotaWarningNotifier(() => deps)
  // What every generation reads about its caller, without a database read (changes publish on the bus).
  const accountCache = createAccountCache()
  const quota = createQuotaService({
    store: redis
      ? createRedisQuotaStore({ redis, keyPrefix: config.redisPrefix, loadUsed })
      : createMemoryQuotaStore({ loadUsed }),
    tiers: config.tiers,
    costs: DEFAULT_UNIT_COSTS,
    adjustmentFor: cachedQuotaAdjustment(accountCache, (userId, day) => findQuotaAdjustment(db, userId, day)),
    onCharged: quotaWarnings.onCharged,
  })

  // A bucket when S3/R2 is configured (links are presigned GETs); else files under DATA_DIR, served at /files.
  // Imported only here: the AWS SDK costs ~5 MiB of heap and more of code that a server without a bucket never runs.
  const bucket = config.s3 ? (await import('@nbl/api/s3')).createS3ObjectStore(config.s3) : undefined
  const storage = bucket
    ? { storage: bucket }
    : localObjectStorage(
        createLocalObjectStore({ root: join(config.dataDir, 'objects'), secret: options.secretKey }),
      )

  // Job events and notifications reach every instance's streams through Redis when there is one.
  const redisEvents = config.redisUrl
    ? redisModule?.connectRedisEventBus(config.redisUrl, {
        prefix: `${config.redisPrefix}events:`,
        onError: (error) => logger.warn({ err: error.message }, 'redis (event bus) connection error'),
      })
    : undefined
  const events: EventBus = redisEvents ?? createMemoryEventBus()

  // With the embedded database, finished generations are journaled under DATA_DIR and committed
  // behind the answer: this process is the database's only user, so its own wait for pending rows
  // (read-your-writes) covers every reader. With PostgreSQL another instance may serve the caller's
  // next request, so the rows are committed before the answer.
  const journal =
    database.kind === 'pglite' ? openGenerationJournal(generationJournalDirectory(config.dataDir)) : undefined
  const generationWriter = createGenerationWriter(db, { ...(journal ? { journal } : {}), logger })
  const deps: AppDeps = {
    db,
    databaseKind: database.kind,
    generationWriter,
    providers,
    quota,
    ...storage,
    jobs: idleJobScheduler,
    events,
    rateLimiter: redis
      ? createRedisRateLimiter({ redis, keyPrefix: config.redisPrefix })
      : createMemoryRateLimiter(),
    moderation,
    // Without a configured text model, suggestions come from the rule-based improver.
    ...(config.promptSuggest
      ? { promptImprover: createChatCompletionsPromptImprover({ ...config.promptSuggest, logger }) }
      : {}),
    accountCache,
    apiKeys: createApiKeyAuthenticator(db, {
      cache: accountCache.apiKeys,
      onError: (error) => logger.warn({ err: String(error) }, 'could not record API key use'),
    }),
    logger,
    ...(metrics ? { metrics } : {}),
    ...(redis && redisModule ? { redisPing: () => redisModule.pingRedis(redis) } : {}),
    config: {
      signedUrlTtlSeconds: config.signedUrlTtlSeconds,
      defaultStrategy: config.defaultStrategy,
      version: options.version,
      // The JWT key is derived from the server's secret key (HKDF, its own purpose label).
      sessionSecret: options.secretKey,
      authRedirectOrigins: config.authRedirectOrigins,
      ...(config.github ? { github: config.github } : {}),
      rateLimits: config.rateLimits,
      trustProxy: config.trustProxy,
      corsOrigins: config.corsOrigins,
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
      ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
      ...webDirOf(config),
    },
    startedAt: Date.now(),
  }
  const jobRunner = createJobRunner(deps, { leaseMs: config.jobLeaseMs, concurrency: config.jobConcurrency })
  deps.jobs = jobRunner
  // admin.providers.setEnabled on any instance reaches this one through the bus.
  const stopProviderControl = await followProviderControl(deps)
  // A key revoked, a tier or a preference changed on any instance: this one forgets the user too.
  const stopAccountChanges = await followAccountChanges(deps)
  return {
    deps,
    database,
    jobRunner,
    async close() {
      await jobRunner.stop()
      await quotaWarnings.idle()
      await stopProviderControl().catch(() => undefined)
      await stopAccountChanges().catch(() => undefined)
      await redisEvents?.close()
      await redis?.quit().catch(() => undefined)
      // What is still queued is committed now; if the database is gone, the journal keeps it.
      await Promise.race([generationWriter.flush(), delay(FLUSH_ON_CLOSE_MS, undefined, { ref: false })])
      journal?.close()
      await database.close()
      bucket?.destroy()
    },
  }
}

/** The built playground next to this package (apps/web/dist), unless WEB_DIR names another or `off`. */
function webDirOf(config: ServerConfig): { webDir?: string } {
  if (config.webDir === 'off') return {}
  if (config.webDir) return { webDir: config.webDir }
  const built = fileURLToPath(new URL('../../web/dist/', import.meta.url))
  return existsSync(join(built, 'index.html')) ? { webDir: built } : {}
}

function localObjectStorage(files: LocalObjectStore): Pick<AppDeps, 'storage' | 'localFiles'> {
  return { storage: files, localFiles: files }
}

/** The keyword filter (built-in terms plus MODERATION_BLOCKLIST / _FILE / _ALLOWLIST) and the AI moderator. */
async function buildModeration(settings: ModerationSettings, logger: AppLogger): Promise<ModerationService> {
  let fileEntries: string[] = []
  if (settings.blocklistFile) {
    // Relative to the repository root when run from it, like DATA_DIR.
    const file = resolve(findBaseDirectory(), settings.blocklistFile)
    try {
      fileEntries = await readModerationListFile(file)
    } catch (error) {
      throw new ConfigError([`MODERATION_BLOCKLIST_FILE: cannot read ${file} (${(error as Error).message})`])
    }
  }
  let keywordFilter: ReturnType<typeof createKeywordFilter>
  try {
    keywordFilter = createKeywordFilter({
      blocklist: [...settings.blocklist, ...fileEntries],
      allowlist: settings.allowlist,
    })
  } catch (error) {
    if (error instanceof InvalidModerationEntryError) {
      throw new ConfigError([`MODERATION_BLOCKLIST_FILE: ${error.message}`])
    }
    throw error
  }
  return createModerationService({
    keywordFilter,
    ...(settings.ai ? { aiModerator: createOpenAIModerator(settings.ai) } : {}),
    onError: settings.onError,
    logger,
  })
}
