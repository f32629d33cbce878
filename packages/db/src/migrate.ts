/**
 * @module Brings a database up to the latest migration.
 */
import { type Kysely, type MigrationResult, Migrator } from 'kysely'
import { migrations } from './migrations/index.js'
import type { Database } from './schema.js'

export class MigrationFailedError extends Error {
  override readonly name = 'MigrationFailedError'
  readonly migrationName: string | undefined

  constructor(migrationName: string | undefined, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause)
    super(migrationName ? `migration "${migrationName}" failed: ${detail}` : `migrating failed: ${detail}`, {
      cause,
    })
    this.migrationName = migrationName
  }
}

/**
 * Runs every migration not yet applied, in name order, and returns the names it applied.
 * Safe to call at every start; concurrent callers wait on Kysely's migration lock.
 * @throws {MigrationFailedError} when a migration fails (the failing one is rolled back).
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
  const { error, results = [] } = await migrator.migrateToLatest()
  if (error !== undefined) {
    const failed = results.find((result: MigrationResult) => result.status === 'Error')
    throw new MigrationFailedError(failed?.migrationName, error)
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName)
}
