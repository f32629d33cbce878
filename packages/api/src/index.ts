/** @module @nbl/api: the router tree, its context and services, and the Hono app. */

export { type Context, createContextInner } from './context.js'
export type { AppConfig, AppDeps, AppLogger } from './deps.js'
export { silentLogger } from './deps.js'
export { APP_CODES, type AppCode, AppError, type AppErrorData } from './errors.js'
export { type CreateAppOptions, createApp } from './http.js'
export type { AppRouter } from './routers/_app.js'
export { appRouter, createCaller } from './routers/_app.js'
export {
  ACCOUNT_CHANGED_CHANNEL,
  type AccountCache,
  cachedQuotaAdjustment,
  createAccountCache,
  followAccountChanges,
} from './services/account/account-cache.js'
export { followProviderControl, PROVIDER_CONTROL_CHANNEL } from './services/admin/provider-control.js'
export {
  type AuthUser,
  createApiKeyAuthenticator,
  hashApiKeySecret,
  issueApiKey,
} from './services/auth/api-keys.js'
export { BOOTSTRAP_KEY_FILE, bootstrapAdmin } from './services/auth/bootstrap.js'
export { jobChannel, userChannel } from './services/events/channels.js'
export { createMemoryEventBus, type EventBus, type Unsubscribe } from './services/events/event-bus.js'
export {
  type ItemFinished,
  type JobEvent,
  reconcileJobEvents,
  recordItemFinished,
  recordJobCanceled,
} from './services/events/job-events.js'
export type { GenerationResult } from './services/generation/generate-image.js'
export {
  type GenerationJournal,
  openGenerationJournal,
  recoverGenerationJournals,
} from './services/generation/generation-journal.js'
export { createGenerationWriter, type GenerationWriter } from './services/generation/generation-writer.js'
export type { Image } from './services/images/image-output.js'
export type { Job, JobItem, JobSummary } from './services/jobs/job-output.js'
export {
  createJobRunner,
  idleJobScheduler,
  type JobRunner,
  type JobScheduler,
} from './services/jobs/job-runner.js'
export { readModerationListFile } from './services/moderation/blocklist-file.js'
export {
  createKeywordFilter,
  InvalidModerationEntryError,
  type KeywordFilter,
  type KeywordFilterOptions,
  parseModerationEntries,
} from './services/moderation/keyword-filter.js'
export {
  createModerationService,
  MODERATION_FAIL_MODES,
  type ModerationFailMode,
  type ModerationPurpose,
  type ModerationRequest,
  type ModerationService,
  type ModerationServiceOptions,
} from './services/moderation/moderation.js'
export {
  type AIModerator,
  createOpenAIModerator,
  ModeratorUnavailableError,
  type OpenAIModeratorOptions,
} from './services/moderation/openai-moderator.js'
export type { Notification } from './services/notifications/notification-output.js'
export {
  createQuotaWarningNotifier,
  type QuotaWarningNotifier,
} from './services/notifications/quota-warnings.js'
export { type AppMetrics, createAppMetrics, type MetricsSources } from './services/observability/metrics.js'
export { requestLogger } from './services/observability/request-logger.js'
export {
  type ChatCompletionsImproverOptions,
  createChatCompletionsPromptImprover,
} from './services/prompts/chat-completions-improver.js'
export type {
  PromptImprover,
  PromptSuggestion,
  PromptSuggestions,
} from './services/prompts/prompt-improver.js'
export { rulesPromptImprover } from './services/prompts/rules-improver.js'
export { createMemoryQuotaStore } from './services/quota/memory-store.js'
export * from './services/quota/policy.js'
export type { QuotaState } from './services/quota/quota-service.js'
export { createQuotaService } from './services/quota/quota-service.js'
export { createRedisQuotaStore } from './services/quota/redis-store.js'
export type { QuotaStore } from './services/quota/store.js'
export {
  DEFAULT_RATE_LIMITS,
  type RateLimitSettings,
} from './services/rate-limit/enforce.js'
export {
  createMemoryRateLimiter,
  type RateLimiter,
  unlimitedRateLimiter,
} from './services/rate-limit/rate-limiter.js'
export { createRedisRateLimiter } from './services/rate-limit/redis-limiter.js'
// Connections to Redis, its event bus and the BullMQ dispatch are `@nbl/api/redis` (see redis.ts).
export { createRedisRoundRobinCounter } from './services/redis/round-robin.js'
export { createLocalObjectStore, type LocalObjectStore } from './services/storage/local-store.js'
// The S3 store itself is `@nbl/api/s3`: the AWS SDK is loaded only by servers that configure a bucket.
export type { S3ObjectStoreOptions } from './services/storage/s3-store.js'
export type { ObjectStore } from './services/storage/store.js'
