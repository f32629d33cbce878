/**
 * @module Builds the service graph from configuration: embedded defaults unless networked parts
 * are configured.
 */
import { join } from 'node:path'
import {
  type AppDeps,
  type AppLogger,
  createApiKeyAuthenticator,
  createLocalObjectStore,
  createMemoryQuotaStore,
  createQuotaService,
  DEFAULT_UNIT_COSTS,
} from '@nbl/api'
import { createDatabase, type DatabaseHandle, sumUnitsChargedSince } from '@nbl/db'
import { createLocalProvider, createProviderRouter, type ImageProvider } from '@nbl/providers'
import type { ServerConfig } from './config.js'

export interface BuiltDeps {
  deps: AppDeps
  database: DatabaseHandle
  close(): Promise<void>
}

export async function buildDeps(options: {
  config: ServerConfig
  secretKey: string
  logger: AppLogger
  version: string
  /** Extra adapters (tests); the configured ones are added here. */
  providers?: ImageProvider[]
}): Promise<BuiltDeps> {
  const { config, logger } = options
  const database = await createDatabase({
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir }),
    max: config.databasePoolMax,
  })
  const { db } = database

  const providers = createProviderRouter({
    providers: [createLocalProvider(), ...(options.providers ?? [])],
    settings: config.providers,
  })

  const quota = createQuotaService({
    store: createMemoryQuotaStore({
      loadUsed: (userId, dayStart) => sumUnitsChargedSince(db, userId, dayStart),
    }),
    tiers: config.tiers,
    costs: DEFAULT_UNIT_COSTS,
  })

  const files = createLocalObjectStore({ root: join(config.dataDir, 'objects'), secret: options.secretKey })

  const deps: AppDeps = {
    db,
    databaseKind: database.kind,
    providers,
    quota,
    storage: files,
    localFiles: files,
    apiKeys: createApiKeyAuthenticator(db, {
      onError: (error) => logger.warn({ err: String(error) }, 'could not record API key use'),
    }),
    logger,
    config: {
      signedUrlTtlSeconds: config.signedUrlTtlSeconds,
      defaultStrategy: config.defaultStrategy,
      version: options.version,
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    },
    startedAt: Date.now(),
  }
  return { deps, database, close: () => database.close() }
}
