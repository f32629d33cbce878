/**
 * @module Job events (the resumable progress log behind `generate.jobs.events`) and user
 * notifications (behind `notifications.*`). Frozen: never edit after release, add a new migration.
 */
import { type Kysely, sql } from 'kysely'

const timestamp = 'timestamptz(3)'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('job_events')
    .addColumn('job_id', 'text', (column) => column.notNull().references('jobs.id').onDelete('cascade'))
    // 1, 2, 3, … per job, without gaps: the event id a client resumes from.
    .addColumn('seq', 'integer', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('payload', 'jsonb', (column) => column.notNull())
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('job_events_pkey', ['job_id', 'seq'])
    .addCheckConstraint('job_events_seq_check', sql`seq > 0`)
    .execute()

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('title', 'text', (column) => column.notNull())
    .addColumn('body', 'text', (column) => column.notNull())
    .addColumn('data', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('read_at', timestamp)
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('notifications_user_id_created_at_idx')
    .on('notifications')
    .columns(['user_id', 'created_at desc', 'id desc'])
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notifications').execute()
  await db.schema.dropTable('job_events').execute()
}
