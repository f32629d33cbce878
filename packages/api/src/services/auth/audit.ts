/**
 * @module Audit entries for logins, key changes and admin actions (never secrets in `details`).
 */
import { createId, type Executor, insertAuditEntry } from '@nbl/db'

export type AuditAction =
  | 'auth.login'
  | 'auth.logout'
  | 'auth.refreshReuse'
  | 'auth.apiKeys.create'
  | 'auth.apiKeys.revoke'
  | 'admin.users.create'
  | 'admin.users.issueApiKey'
  | 'admin.users.setTier'
  | 'admin.users.adjustQuota'
  | 'admin.quota.reset'
  | 'admin.providers.setEnabled'
  | 'admin.announcements.create'

export interface AuditEntry {
  actorId: string | null
  action: AuditAction
  targetType?: 'user' | 'api_key' | 'session' | 'provider'
  targetId?: string
  ip?: string | null
  details?: Record<string, string | number | boolean | null>
}

export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  await insertAuditEntry(db, {
    id: createId('aud'),
    actorId: entry.actorId,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    ip: entry.ip ?? null,
    details: entry.details ?? {},
  })
}
