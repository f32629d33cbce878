/**
 * @module Public entry of @nbl/db: schema types, connection, migrations, ids and repositories.
 */
export { type CreateDatabaseOptions, createDatabase, type DatabaseHandle } from './dialect.js'
export { createId } from './ids.js'
export { MigrationFailedError, migrateToLatest } from './migrate.js'
export { PGliteDialect, type PGliteDialectConfig } from './pglite-dialect.js'
export * from './repositories/api-keys.js'
export { InvalidCursorError } from './repositories/cursor.js'
export type { Executor } from './repositories/executor.js'
export * from './repositories/generations.js'
export * from './repositories/images.js'
export * from './repositories/job-events.js'
export * from './repositories/jobs.js'
export * from './repositories/notifications.js'
export * from './repositories/usage.js'
export * from './repositories/users.js'
export type * from './schema.js'
