/**
 * @module Public entry of @nbl/db: schema types, connection, migrations, ids and repositories.
 */
export {
  type CreateDatabaseOptions,
  createDatabase,
  createPGliteSnapshot,
  type DatabaseHandle,
} from './dialect.js'
export { createId } from './ids.js'
export { MigrationFailedError, migrateToLatest } from './migrate.js'
export { PGliteDialect, type PGliteDialectConfig } from './pglite-dialect.js'
export * from './repositories/account.js'
export * from './repositories/analytics.js'
export * from './repositories/api-keys.js'
export * from './repositories/audit-log.js'
export * from './repositories/chats.js'
export { InvalidCursorError } from './repositories/cursor.js'
export type { Executor } from './repositories/executor.js'
export * from './repositories/favorites.js'
export * from './repositories/generations.js'
export * from './repositories/images.js'
export * from './repositories/job-events.js'
export * from './repositories/jobs.js'
export * from './repositories/notifications.js'
export * from './repositories/oauth-states.js'
export * from './repositories/projects.js'
export * from './repositories/prompts.js'
export * from './repositories/quota-warnings.js'
export * from './repositories/refresh-tokens.js'
export {
  decodeOffsetCursor,
  encodeOffsetCursor,
  type ImageSearchRow,
  MAX_SEARCH_OFFSET,
  type PromptSearchRow,
  type PromptSearchScope,
  type SearchImagesOptions,
  type SearchPage,
  type SearchPromptsOptions,
  type SearchSuggestion,
  type SearchSuggestionKind,
  type SearchTemplatesOptions,
  searchImagesForOwner,
  searchPrompts,
  searchTemplates,
  suggestSearchTerms,
  type TemplateSearchRow,
} from './repositories/search.js'
export * from './repositories/templates.js'
export * from './repositories/usage.js'
export * from './repositories/users.js'
export type * from './schema.js'
