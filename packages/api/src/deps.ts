/**
 * @module The services every procedure and route reads: built once at startup, passed through context.
 */
import type { Database } from '@nbl/db'
import type { ProviderRouter, Strategy } from '@nbl/providers'
import type { Kysely } from 'kysely'
import type { AccountCache } from './services/account/account-cache.js'
import type { ApiKeyAuthenticator } from './services/auth/api-keys.js'
import type { EventBus } from './services/events/event-bus.js'
import type { GenerationWriter } from './services/generation/generation-writer.js'
import type { LookupAllFunction, RequestFunction } from './services/images/remote-image.js'
import type { JobScheduler } from './services/jobs/job-runner.js'
import type { ModerationService } from './services/moderation/moderation.js'
import type { AppMetrics } from './services/observability/metrics.js'
import type { PromptImprover } from './services/prompts/prompt-improver.js'
import type { QuotaService } from './services/quota/quota-service.js'
import type { RateLimitSettings } from './services/rate-limit/enforce.js'
import type { RateLimiter } from './services/rate-limit/rate-limiter.js'
import type { LocalObjectStore } from './services/storage/local-store.js'
import type { ObjectStore } from './services/storage/store.js'

/** The logging calls we make; pino's logger satisfies it. */
export interface AppLogger {
  debug(object: object, message?: string): void
  info(object: object, message?: string): void
  warn(object: object, message?: string): void
  error(object: object, message?: string): void
}

export interface AppConfig {
  /** Absolute origin for links we hand out (file URLs); else the request's own origin. */
  publicUrl?: string
  /** Lifetime of signed download URLs. */
  signedUrlTtlSeconds: number
  defaultStrategy: Strategy
  version: string
  /** Request-rate limits; default DEFAULT_RATE_LIMITS (60 generations, 20 auth calls a minute). */
  rateLimits?: RateLimitSettings
  /** Believe the right-most `X-Forwarded-For` entry (one trusted reverse proxy in front). */
  trustProxy?: boolean
  /** Browser origins allowed cross-origin, with credentials; none by default (same-origin only). */
  corsOrigins?: string[]
  /**
   * Secret the JWT signing key is derived from (the server's SECRET_KEY). Without it, no access
   * tokens are issued or accepted; API keys still work.
   */
  sessionSecret?: string
  /** GitHub (or GitHub Enterprise Server) OAuth app; without it `auth.loginUrl` is unavailable. */
  github?: GithubOAuthConfig
  /**
   * Origins the browser may be sent to after login (`AUTH_REDIRECT_ORIGINS`). Empty or unset: only
   * the server's own origin.
   */
  authRedirectOrigins?: string[]
  /** When set, `GET /metrics` requires `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string
  /** The built web playground (apps/web/dist), served at `/app/` when set. */
  webDir?: string
}

export interface GithubOAuthConfig {
  clientId: string
  clientSecret: string
  /** @default 'https://github.com' */
  oauthBaseUrl: string
  /** @default 'https://api.github.com' */
  apiBaseUrl: string
}

export interface AppDeps {
  db: Kysely<Database>
  databaseKind: 'postgres' | 'pglite'
  providers: ProviderRouter
  quota: QuotaService
  storage: ObjectStore
  /** Set when objects live in the local folder: `/files/:key` serves and verifies them. */
  localFiles?: LocalObjectStore
  apiKeys: ApiKeyAuthenticator
  /** The callers' keys and preferences, per instance; `accountChanged` drops a user's on every instance. */
  accountCache: AccountCache
  /**
   * Group commit of finished generations; with a journal, `generate.image` answers before the
   * database write (generation-writer.ts). Without it, one journal-less writer per database.
   */
  generationWriter?: GenerationWriter
  /** Where submitted jobs go; the runner is attached after the deps are built. */
  jobs: JobScheduler
  /** Live fan-out of job events and notifications (memory in one process, Redis across several). */
  events: EventBus
  /** Request-rate limits (memory in one process, Redis across several). */
  rateLimiter: RateLimiter
  /** Keyword filter plus an optional AI moderator; every user text goes through it. */
  moderation: ModerationService
  /** `library.prompts.suggest`: a text model when configured; the rule-based improver otherwise. */
  promptImprover?: PromptImprover
  /** Test seams for fetching reference-image URLs (DNS lookup and https request). */
  remoteImages?: { lookup?: LookupAllFunction; request?: RequestFunction }
  logger: AppLogger
  /** Prometheus metrics, served at `/metrics` when set. */
  metrics?: AppMetrics
  /** Set when Redis is configured: readiness reports it (quota, events and queues depend on it). */
  redisPing?: () => Promise<{ ok: boolean; latencyMs: number; error?: string }>
  config: AppConfig
  startedAt: number
}

export const silentLogger: AppLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
}
