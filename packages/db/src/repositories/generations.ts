/**
 * @module Generations: one row per request, with attempts, cost and latency; the source of quota usage.
 */
import type {
  GenerationResponse,
  GenerationRow,
  GenerationStatus,
  ImageRow,
  NewGenerationRow,
  NewImageRow,
  StoredAttempt,
} from '../schema.js'
import type { Executor } from './executor.js'
import { IMAGE_COLUMNS } from './images.js'

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
  /** What an idempotent retry replays. */
  response?: GenerationResponse
}

/** A generation written once, already finished (its row was not written when it started). */
export interface FinishedGeneration {
  generation: NewGeneration
  outcome: FinishGenerationPatch
  images: readonly NewImageRow[]
}

/**
 * Writes finished generations and their images in one statement: one round trip, atomic without
 * a transaction (all rows or none). The images' foreign keys are checked at the end of the
 * statement, after the CTE inserted the generations. Returns the images in the order given.
 */
export async function insertFinishedGenerations(
  db: Executor,
  finished: readonly FinishedGeneration[],
): Promise<ImageRow[]> {
  if (finished.length === 0) return []
  const generations = finished.map(({ generation, outcome }) => {
    const { request, attempts: _replacedByOutcome, ...rest } = generation
    return { ...rest, request: JSON.stringify(request), ...outcomeColumns(outcome) }
  })
  const images = finished.flatMap((entry) => entry.images)
  if (images.length === 0) {
    await db.insertInto('generations').values(generations).execute()
    return []
  }
  return db
    .with('generation', (cte) => cte.insertInto('generations').values(generations))
    .insertInto('images')
    .values(images)
    .returning(IMAGE_COLUMNS)
    .execute()
}

function outcomeColumns(patch: FinishGenerationPatch) {
  return {
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
    ...(patch.response === undefined ? {} : { response: JSON.stringify(patch.response) }),
  }
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
    .set(outcomeColumns(patch))
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

/** The generation a user started with this idempotency key, if any. */
export async function findGenerationByIdempotencyKey(
  db: Executor,
  userId: string,
  idempotencyKey: string,
): Promise<GenerationRow | undefined> {
  return db
    .selectFrom('generations')
    .selectAll()
    .where('user_id', '=', userId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst()
}

/** Removes a generation that never reached a provider (frees its idempotency key). */
export async function deleteGenerationForOwner(db: Executor, userId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('generations')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** True for PostgreSQL's unique_violation (23505), from pg and PGlite alike. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505'
}
