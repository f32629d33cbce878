/**
 * @module Quota usage from the database: what a restarted process starts its counters from.
 */
import type { Executor } from './executor.js'
import { sumUnitsChargedSince } from './generations.js'

/**
 * Units used since `since`: charged generations, plus the units still reserved by job items that
 * have not finished (they are charged on success and refunded otherwise, so they stay counted).
 */
export async function sumUnitsUsedSince(db: Executor, userId: string, since: Date): Promise<number> {
  const [charged, pending] = await Promise.all([
    sumUnitsChargedSince(db, userId, since),
    db
      .selectFrom('job_items')
      .innerJoin('jobs', 'jobs.id', 'job_items.job_id')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('job_items.units'), eb.lit(0)).as('total'))
      .where('jobs.user_id', '=', userId)
      .where('jobs.created_at', '>=', since)
      .where('job_items.status', 'in', ['queued', 'running'])
      .executeTakeFirstOrThrow(),
  ])
  return charged + Number(pending.total)
}
