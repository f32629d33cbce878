/**
 * @module Idempotency keys on generations: one per (user, key), with the request's hash and the
 * outcome to replay. Frozen: never edit after release, add a new migration.
 */
import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('generations')
    .addColumn('idempotency_key', 'text')
    .addColumn('request_hash', 'text')
    .addColumn('response', 'jsonb')
    .execute()
  await db.schema
    .createIndex('generations_user_id_idempotency_key_key')
    .unique()
    .on('generations')
    .columns(['user_id', 'idempotency_key'])
    .where(sql.ref('idempotency_key'), 'is not', null)
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('generations_user_id_idempotency_key_key').execute()
  await db.schema
    .alterTable('generations')
    .dropColumn('response')
    .dropColumn('request_hash')
    .dropColumn('idempotency_key')
    .execute()
}
