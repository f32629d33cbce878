/**
 * @module Accounts and sessions: GitHub identity on users, rotating refresh tokens (by family),
 * single-use OAuth states and the audit log. Frozen: never edit after release, add a new migration.
 */
import { type Kysely, sql } from 'kysely'

const timestamp = 'timestamptz(3)'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('github_id', 'text', (column) => column.unique())
    .addColumn('login', 'text')
    .addColumn('avatar_url', 'text')
    .execute()

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    // Every token rotated from one login shares a family; reuse of a used token revokes it all.
    .addColumn('family_id', 'text', (column) => column.notNull())
    .addColumn('token_hash', 'text', (column) => column.notNull().unique())
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', timestamp, (column) => column.notNull())
    .addColumn('used_at', timestamp)
    .addColumn('revoked_at', timestamp)
    .execute()
  await db.schema
    .createIndex('refresh_tokens_family_id_idx')
    .on('refresh_tokens')
    .column('family_id')
    .execute()

  await db.schema
    .createTable('oauth_states')
    // sha256 of the state: a leaked table row cannot be replayed as a state.
    .addColumn('state_hash', 'text', (column) => column.primaryKey())
    .addColumn('provider', 'text', (column) => column.notNull())
    .addColumn('code_verifier', 'text', (column) => column.notNull())
    .addColumn('redirect_to', 'text')
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', timestamp, (column) => column.notNull())
    .execute()

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('actor_id', 'text', (column) => column.references('users.id').onDelete('set null'))
    .addColumn('action', 'text', (column) => column.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('details', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('audit_log_created_at_idx')
    .on('audit_log')
    .columns(['created_at desc', 'id desc'])
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_log').execute()
  await db.schema.dropTable('oauth_states').execute()
  await db.schema.dropTable('refresh_tokens').execute()
  await db.schema
    .alterTable('users')
    .dropColumn('avatar_url')
    .dropColumn('login')
    .dropColumn('github_id')
    .execute()
}
