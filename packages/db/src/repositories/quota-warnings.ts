/**
 * @module Quota warnings already sent: one row per user, UTC day and threshold, so each warning
 * goes out once however many requests or instances notice the crossing at the same time.
 */
import type { Executor } from './executor.js'

/**
 * Claims the warning for (user, day, threshold): true for the one caller that inserted the row,
 * false for every other (the primary key turns the race into `on conflict do nothing`).
 */
export async function claimQuotaWarning(
  db: Executor,
  warning: { userId: string; day: string; threshold: number },
): Promise<boolean> {
  const inserted = await db
    .insertInto('quota_warnings')
    .values({ user_id: warning.userId, day: warning.day, threshold: warning.threshold })
    .onConflict((conflict) => conflict.columns(['user_id', 'day', 'threshold']).doNothing())
    .returning('threshold')
    .executeTakeFirst()
  return inserted !== undefined
}

/** The thresholds already warned about for the user on `day` (YYYY-MM-DD), ascending. */
export async function listQuotaWarningThresholds(
  db: Executor,
  userId: string,
  day: string,
): Promise<number[]> {
  const rows = await db
    .selectFrom('quota_warnings')
    .select('threshold')
    .where('user_id', '=', userId)
    .where('day', '=', day)
    .orderBy('threshold')
    .execute()
  return rows.map((row) => row.threshold)
}

/** Forgets the warnings sent to the user on `day`: after a reset, crossing 80 % again warns again. */
export async function clearQuotaWarnings(db: Executor, userId: string, day: string): Promise<void> {
  await db.deleteFrom('quota_warnings').where('user_id', '=', userId).where('day', '=', day).execute()
}
