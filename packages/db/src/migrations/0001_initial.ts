/**
 * @module Users, API keys, generations and images. Frozen: never edit after release, add a new migration.
 */
import { type Kysely, sql } from 'kysely'

// Millisecond precision, so that a timestamp read into a JS Date and sent back (keyset cursors) still matches.
const timestamp = 'timestamptz(3)'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('email', 'text')
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('tier', 'text', (column) => column.notNull())
    .addColumn('is_service_account', 'boolean', (column) => column.notNull().defaultTo(false))
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('users_role_check', sql`role in ('user', 'admin')`)
    .addCheckConstraint('users_tier_check', sql`tier in ('free', 'pro', 'unlimited')`)
    .execute()

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('prefix', 'text', (column) => column.notNull())
    .addColumn('secret_hash', 'text', (column) => column.notNull())
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', timestamp)
    .addColumn('expires_at', timestamp)
    .addColumn('revoked_at', timestamp)
    .execute()
  await db.schema
    .createIndex('api_keys_secret_hash_key')
    .unique()
    .on('api_keys')
    .column('secret_hash')
    .execute()
  await db.schema.createIndex('api_keys_user_id_idx').on('api_keys').column('user_id').execute()

  await db.schema
    .createTable('generations')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('prompt', 'text', (column) => column.notNull())
    .addColumn('request', 'jsonb', (column) => column.notNull())
    .addColumn('provider', 'text')
    .addColumn('model', 'text')
    .addColumn('attempts', 'jsonb', (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('units_reserved', 'integer', (column) => column.notNull())
    .addColumn('units_charged', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('cost_usd', 'double precision', (column) => column.notNull().defaultTo(0))
    .addColumn('latency_ms', 'integer')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', timestamp)
    .execute()
  await db.schema
    .createIndex('generations_user_id_created_at_idx')
    .on('generations')
    .columns(['user_id', 'created_at desc'])
    .execute()

  await db.schema
    .createTable('images')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('generation_id', 'text', (column) => column.references('generations.id').onDelete('set null'))
    .addColumn('storage_key', 'text', (column) => column.notNull())
    .addColumn('mime_type', 'text', (column) => column.notNull())
    .addColumn('width', 'integer', (column) => column.notNull())
    .addColumn('height', 'integer', (column) => column.notNull())
    .addColumn('bytes', 'integer', (column) => column.notNull())
    .addColumn('prompt', 'text', (column) => column.notNull())
    .addColumn('provider', 'text', (column) => column.notNull())
    .addColumn('model', 'text', (column) => column.notNull())
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('images_user_id_created_at_id_idx')
    .on('images')
    .columns(['user_id', 'created_at desc', 'id desc'])
    .execute()
  // ON DELETE SET NULL on generations scans images by generation_id; without an index that is a full scan.
  await db.schema.createIndex('images_generation_id_idx').on('images').column('generation_id').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('images').execute()
  await db.schema.dropTable('generations').execute()
  await db.schema.dropTable('api_keys').execute()
  await db.schema.dropTable('users').execute()
}
