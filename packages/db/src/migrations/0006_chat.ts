/**
 * @module Chat sessions (multi-turn image refinement) and their messages; images record the session
 * and the image they refine. Frozen: never edit after release, add a new migration.
 */
import { type Kysely, sql } from 'kysely'

const timestamp = 'timestamptz(3)'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('chat_sessions')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text', (column) => column.notNull())
    .addColumn('provider', 'text')
    .addColumn('resolution', 'text', (column) => column.notNull())
    .addColumn('aspect_ratio', 'text', (column) => column.notNull())
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('chat_sessions_user_updated_idx')
    .on('chat_sessions')
    .columns(['user_id', 'updated_at', 'id'])
    .execute()

  await db.schema
    .createTable('chat_messages')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('session_id', 'text', (column) =>
      column.notNull().references('chat_sessions.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull().check(sql`role in ('user', 'assistant')`))
    .addColumn('text', 'text')
    .addColumn('image_ids', 'jsonb', (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('provider_metadata', 'jsonb')
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('chat_messages_session_created_idx')
    .on('chat_messages')
    .columns(['session_id', 'created_at'])
    .execute()

  await db.schema
    .alterTable('images')
    .addColumn('chat_session_id', 'text', (column) =>
      column.references('chat_sessions.id').onDelete('set null'),
    )
    .execute()
  await db.schema
    .alterTable('images')
    .addColumn('parent_image_id', 'text', (column) => column.references('images.id').onDelete('set null'))
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('images').dropColumn('parent_image_id').execute()
  await db.schema.alterTable('images').dropColumn('chat_session_id').execute()
  await db.schema.dropTable('chat_messages').execute()
  await db.schema.dropTable('chat_sessions').execute()
}
