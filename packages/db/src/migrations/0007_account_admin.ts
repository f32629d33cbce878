/**
 * @module Account preferences (generation defaults, provider order and exclusions) and one-day
 * quota adjustments granted by admins. Frozen: never edit after release, add a new migration.
 */
import { type Kysely, sql } from 'kysely'

const timestamp = 'timestamptz(3)'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('user_settings')
    .addColumn('user_id', 'text', (column) => column.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('resolution', 'text')
    .addColumn('aspect_ratio', 'text')
    .addColumn('strategy', 'text')
    .addColumn('output_format', 'text')
    .addColumn('provider_order', 'jsonb', (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('provider_exclude', 'jsonb', (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('updated_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .execute()

  await db.schema
    .createTable('quota_adjustments')
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    // The UTC day (YYYY-MM-DD) the adjustment applies to.
    .addColumn('day', 'text', (column) => column.notNull())
    .addColumn('units', 'integer', (column) => column.notNull())
    .addColumn('updated_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('quota_adjustments_pkey', ['user_id', 'day'])
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('quota_adjustments').execute()
  await db.schema.dropTable('user_settings').execute()
}
