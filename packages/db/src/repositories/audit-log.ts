/**
 * @module Audit log: who did what to which target, when and from where.
 */
import type { AuditLogRow } from '../schema.js'
import type { Executor } from './executor.js'

export interface NewAuditEntry {
  id: string
  actorId: string | null
  action: string
  targetType?: string | null
  targetId?: string | null
  ip?: string | null
  /** Never secrets. */
  details?: Record<string, unknown>
}

export async function insertAuditEntry(db: Executor, entry: NewAuditEntry): Promise<AuditLogRow> {
  return db
    .insertInto('audit_log')
    .values({
      id: entry.id,
      actor_id: entry.actorId,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      ip: entry.ip ?? null,
      details: JSON.stringify(entry.details ?? {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Newest first; optionally only one actor's or one action's entries. */
export async function listAuditEntries(
  db: Executor,
  options: { actorId?: string; action?: string; limit?: number } = {},
): Promise<AuditLogRow[]> {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .$if(options.actorId !== undefined, (query) => query.where('actor_id', '=', options.actorId!))
    .$if(options.action !== undefined, (query) => query.where('action', '=', options.action!))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 100)
    .execute()
}
