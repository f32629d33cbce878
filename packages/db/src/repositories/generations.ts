/**
 * @module Generations: one row per request, with attempts, cost and latency; the source of quota usage.
 */
import type { GenerationRow, GenerationStatus, NewGenerationRow, StoredAttempt } from '../schema.js'
import type { Executor } from './executor.js'

export type NewGeneration = Omit<NewGenerationRow, 'request' | 'attempts'> & {
  request: Record<string, unknown>
  attempts?: StoredAttempt[]
}

export async function insertGeneration(db: Executor, row: NewGeneration): Promise<GenerationRow> {
  const { request, attempts, ...rest } = row
  return db
    .insertInto('generations')
    .values({
      ...rest,
      request: JSON.stringify(request),
      ...(attempts === undefined ? {} : { attempts: JSON.stringify(attempts) }),
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export interface FinishGenerationPatch {
  status: GenerationStatus
  provider?: string | null
  model?: string | null
  attempts: StoredAttempt[]
  unitsCharged: number
  costUsd: number
  latencyMs: number
  errorCode?: string | null
  errorMessage?: string | null
  finishedAt: Date
}

/** Records the outcome; returns the updated row, or `undefined` if the owner has no such generation. */
export async function finishGeneration(
  db: Executor,
  userId: string,
  id: string,
  patch: FinishGenerationPatch,
): Promise<GenerationRow | undefined> {
  return db
    .updateTable('generations')
    .set({
      status: patch.status,
      attempts: JSON.stringify(patch.attempts),
      units_charged: patch.unitsCharged,
      cost_usd: patch.costUsd,
      latency_ms: patch.latencyMs,
      finished_at: patch.finishedAt,
      // Leave columns alone when the caller did not mention them (a failed request may have no provider).
      ...(patch.provider === undefined ? {} : { provider: patch.provider }),
      ...(patch.model === undefined ? {} : { model: patch.model }),
      ...(patch.errorCode === undefined ? {} : { error_code: patch.errorCode }),
      ...(patch.errorMessage === undefined ? {} : { error_message: patch.errorMessage }),
    })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirst()
}

export async function findGenerationForOwner(
  db: Executor,
  userId: string,
  id: string,
): Promise<GenerationRow | undefined> {
  return db
    .selectFrom('generations')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst()
}

/** Units charged to the user for generations created at or after `since` (e.g. the start of the UTC day). */
export async function sumUnitsChargedSince(db: Executor, userId: string, since: Date): Promise<number> {
  const { total } = await db
    .selectFrom('generations')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('units_charged'), eb.lit(0)).as('total'))
    .where('user_id', '=', userId)
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow()
  return Number(total)
}
