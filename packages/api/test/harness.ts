/**
 * @module Test harness: a real, migrated embedded database and real services, one per test file.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createDatabase,
  createId,
  type DatabaseHandle,
  findQuotaAdjustment,
  insertUser,
  migrateToLatest,
  type UserTier,
} from '@nbl/db'
import {
  createLocalProvider,
  createProviderRouter,
  type ImageProvider,
  type ProviderRouterOptions,
  type VideoProvider,
} from '@nbl/providers'
import { inject } from 'vitest'
import { createContextInner } from '../src/context.js'
import type { AppDeps } from '../src/deps.js'
import { silentLogger } from '../src/deps.js'
import { createCaller } from '../src/routers/_app.js'
import { cachedQuotaAdjustment, createAccountCache } from '../src/services/account/account-cache.js'
import { type AuthUser, createApiKeyAuthenticator, issueApiKey } from '../src/services/auth/api-keys.js'
import { createMemoryEventBus } from '../src/services/events/event-bus.js'
import { openGenerationJournal } from '../src/services/generation/generation-journal.js'
import { createGenerationWriter } from '../src/services/generation/generation-writer.js'
import { idleJobScheduler } from '../src/services/jobs/job-runner.js'
import { createModerationService } from '../src/services/moderation/moderation.js'
import {
  createQuotaWarningNotifier,
  type QuotaWarningNotifier,
} from '../src/services/notifications/quota-warnings.js'
import { createMemoryQuotaStore } from '../src/services/quota/memory-store.js'
import { DEFAULT_TIERS, DEFAULT_UNIT_COSTS, type TierPolicy } from '../src/services/quota/policy.js'
import { createQuotaService } from '../src/services/quota/quota-service.js'
import type { RateLimitSettings } from '../src/services/rate-limit/enforce.js'
import { createMemoryRateLimiter } from '../src/services/rate-limit/rate-limiter.js'
import { createLocalObjectStore, type LocalObjectStore } from '../src/services/storage/local-store.js'
import type { ObjectStore } from '../src/services/storage/store.js'

export interface Harness {
  deps: AppDeps
  database: DatabaseHandle
  dataDir: string
  /** Quota warnings run in the background; `await quotaWarnings.idle()` to see their outcome. */
  quotaWarnings: QuotaWarningNotifier
  createUser(options?: { role?: 'user' | 'admin'; tier?: UserTier; name?: string }): Promise<TestUser>
  close(): Promise<void>
}

export interface TestUser {
  user: AuthUser
  apiKey: string
  caller: ReturnType<typeof createCaller>
}

/** The run's migrated database dump (see global-setup.ts); read once per test file. */
let snapshot: Promise<Blob> | undefined
function migratedSnapshot(): Promise<Blob> {
  snapshot ??= readFile(inject('pgliteSnapshot')).then((bytes) => new Blob([bytes]))
  return snapshot
}

export async function createHarness(
  options: {
    providers?: ImageProvider[]
    videoProviders?: VideoProvider[]
    includeLocal?: boolean
    /** Router settings and resilience, e.g. short timeouts for fault-injection runs. */
    router?: Pick<ProviderRouterOptions, 'settings' | 'resilience'>
    /** Overrides of the free tier's policy (tests mostly create free users). */
    free?: Partial<TierPolicy>
    /** Request-rate limits; generous by default so bursts in other tests never trip them. */
    rateLimits?: RateLimitSettings
    /** Other AppConfig settings (trustProxy, corsOrigins). */
    config?: Partial<AppDeps['config']>
    remoteImages?: AppDeps['remoteImages']
    /** Object storage instead of a fresh local folder (S3 against s3rver); `/files` serves only `localFiles`. */
    storage?: { objects: ObjectStore; localFiles?: LocalObjectStore }
    /** Content moderation; the real keyword filter by default. */
    moderation?: AppDeps['moderation']
    /**
     * Journal finished generations under the data dir and commit them behind the answer, as the
     * server does. Off by default: tests then read the database right after a call.
     */
    journal?: boolean
  } = {},
): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nbl-api-test-'))
  const database = await createDatabase({ snapshot: await migratedSnapshot() })
  await migrateToLatest(database.db)
  const files = createLocalObjectStore({
    root: join(dataDir, 'objects'),
    secret: 'test-secret-test-secret-test-secret',
  })
  const localFiles = options.storage ? options.storage.localFiles : files
  const providers = [
    ...(options.includeLocal === false ? [] : [createLocalProvider()]),
    ...(options.providers ?? []),
  ]
  // Wired as the server does: the quota service reports charges, the notifier reads the deps.
  const quotaWarnings = createQuotaWarningNotifier(() => deps)
  const accountCache = createAccountCache()
  const journal = options.journal ? openGenerationJournal(join(dataDir, 'journal')) : undefined
  const deps: AppDeps = {
    db: database.db,
    databaseKind: database.kind,
    providers: createProviderRouter({
      providers,
      ...(options.videoProviders ? { videoProviders: options.videoProviders } : {}),
      ...options.router,
    }),
    quota: createQuotaService({
      store: createMemoryQuotaStore(),
      tiers: { ...DEFAULT_TIERS, free: { ...DEFAULT_TIERS.free, ...options.free } },
      costs: DEFAULT_UNIT_COSTS,
      adjustmentFor: cachedQuotaAdjustment(accountCache, (userId, day) =>
        findQuotaAdjustment(database.db, userId, day),
      ),
      onCharged: quotaWarnings.onCharged,
    }),
    storage: options.storage?.objects ?? files,
    ...(localFiles ? { localFiles } : {}),
    apiKeys: createApiKeyAuthenticator(database.db, { cache: accountCache.apiKeys }),
    accountCache,
    ...(journal ? { generationWriter: createGenerationWriter(database.db, { journal }) } : {}),
    jobs: idleJobScheduler,
    events: createMemoryEventBus(),
    rateLimiter: createMemoryRateLimiter(),
    moderation: options.moderation ?? createModerationService(),
    ...(options.remoteImages ? { remoteImages: options.remoteImages } : {}),
    logger: silentLogger,
    config: {
      signedUrlTtlSeconds: 600,
      defaultStrategy: 'priority',
      version: 'test',
      sessionSecret: 'test-session-secret-test-session-secret',
      rateLimits: options.rateLimits ?? { generatePerMinute: 100_000, authPerMinute: 100_000 },
      ...options.config,
    },
    startedAt: Date.now(),
  }
  return {
    deps,
    database,
    dataDir,
    quotaWarnings,
    async createUser({ role = 'user', tier = 'free', name = 'tester' } = {}) {
      const row = await insertUser(database.db, { id: createId('usr'), name, email: null, role, tier })
      const key = await issueApiKey(database.db, { userId: row.id, name: 'test' })
      const user: AuthUser = { id: row.id, name, role, tier, apiKeyId: key.id }
      return { user, apiKey: key.secret, caller: createCaller(createContextInner({ deps, user })) }
    },
    async close() {
      await quotaWarnings.idle()
      await deps.generationWriter?.flush()
      journal?.close()
      await database.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/** A caller with no credentials. */
export function anonymousCaller(harness: Harness) {
  return createCaller(createContextInner({ deps: harness.deps }))
}
