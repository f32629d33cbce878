/**
 * @module Jobs (batch and video) and their items; items carry the provider task id and a lease,
 * so work cut off by a crash or restart is picked up again without a second charge.
 * Frozen: never edit after release, add a new migration.
 */
import { type Kysely, sql } from 'kysely'

const timestamp = 'timestamptz(3)'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('total', 'integer', (column) => column.notNull())
    .addColumn('done', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('request', 'jsonb', (column) => column.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('request_hash', 'text')
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', timestamp)
    .addCheckConstraint('jobs_kind_check', sql`kind in ('batch', 'video')`)
    .addCheckConstraint(
      'jobs_status_check',
      sql`status in ('queued', 'running', 'succeeded', 'partial', 'failed', 'canceled')`,
    )
    .execute()
  await db.schema
    .createIndex('jobs_user_id_created_at_idx')
    .on('jobs')
    .columns(['user_id', 'created_at desc', 'id desc'])
    .execute()
  await db.schema
    .createIndex('jobs_user_id_idempotency_key_key')
    .unique()
    .on('jobs')
    .columns(['user_id', 'idempotency_key'])
    .where(sql.ref('idempotency_key'), 'is not', null)
    .execute()

  await db.schema
    .createTable('job_items')
    .addColumn('job_id', 'text', (column) => column.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('index', 'integer', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('input', 'jsonb', (column) => column.notNull())
    .addColumn('units', 'integer', (column) => column.notNull())
    .addColumn('generation_id', 'text', (column) => column.references('generations.id').onDelete('set null'))
    .addColumn('provider', 'text')
    .addColumn('model', 'text')
    .addColumn('provider_task_id', 'text')
    .addColumn('image_ids', 'jsonb', (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('video_key', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', timestamp)
    .addColumn('started_at', timestamp)
    .addColumn('finished_at', timestamp)
    .addPrimaryKeyConstraint('job_items_pkey', ['job_id', 'index'])
    .addCheckConstraint(
      'job_items_status_check',
      sql`status in ('queued', 'running', 'succeeded', 'failed', 'canceled')`,
    )
    .execute()
  // Workers look for unfinished items whose lease is free or expired.
  await db.schema
    .createIndex('job_items_unfinished_idx')
    .on('job_items')
    .columns(['status', 'lease_expires_at'])
    .where(sql.ref('status'), 'in', sql`('queued', 'running')`)
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_items').execute()
  await db.schema.dropTable('jobs').execute()
}
