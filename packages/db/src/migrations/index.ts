/**
 * @module The migration list, in order; names are stored in the database, so never rename one.
 */
import type { Migration } from 'kysely'
import * as initial from './0001_initial.js'
import * as generationIdempotency from './0002_generation_idempotency.js'
import * as jobs from './0003_jobs.js'
import * as jobEventsNotifications from './0004_job_events_notifications.js'
import * as authSessionsAudit from './0005_auth_sessions_audit.js'
import * as chat from './0006_chat.js'
import * as accountAdmin from './0007_account_admin.js'
import * as library from './0008_library.js'

export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_generation_idempotency': generationIdempotency,
  '0003_jobs': jobs,
  '0004_job_events_notifications': jobEventsNotifications,
  '0005_auth_sessions_audit': authSessionsAudit,
  '0006_chat': chat,
  '0007_account_admin': accountAdmin,
  '0008_library': library,
}
