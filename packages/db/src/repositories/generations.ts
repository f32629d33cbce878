/**
 * @module Generations: one row per request, with attempts, cost and latency; the source of quota usage.
 */
import { preparedStatement } from '../prepared-statements.js'
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
 * statement, after the CTE inserted the generations. Returns the images, in the order given, as
 * stored: creation times are set here (not left to the database's clock), so the rows are known
 * without reading them back, and a generation written late (replayed from a journal) keeps its time.
 */
export async function insertFinishedGenerations(
  db: Executor,
  finished: readonly FinishedGeneration[],
  /** Rows whose id is already stored are left alone: replaying a journal twice writes nothing twice. */
  options: { skipExisting?: boolean } = {},
): Promise<ImageRow[]> {
  if (finished.length === 0) return []
  const now = new Date()
  const images: ImageRow[] = []
  const generations = finished.map(({ generation, outcome, images: entryImages }) => {
    const { request, attempts: _replacedByOutcome, ...rest } = generation
    const createdAt = toDate(generation.created_at) ?? now
    for (const image of entryImages) images.push(storedImageRow(image, createdAt))
    return { ...rest, created_at: createdAt, request: JSON.stringify(request), ...outcomeColumns(outcome) }
  })
  const skip = options.skipExisting === true
  if (images.length === 0) {
    let insert = db.insertInto('generations').values(generations)
    if (skip) insert = insert.onConflict((conflict) => conflict.doNothing())
    await insert.modifyEnd(preparedStatement).execute()
    return []
  }
  let insertImages = db
    .with('generation', (cte) => {
      const insert = cte.insertInto('generations').values(generations)
      return skip ? insert.onConflict((conflict) => conflict.doNothing()) : insert
    })
    .insertInto('images')
    .values(images)
  if (skip) insertImages = insertImages.onConflict((conflict) => conflict.doNothing())
  await insertImages.modifyEnd(preparedStatement).execute()
  return images
}

/**
 * The row `insertFinishedGenerations` stores for `image` (every column, none left to a default); its
 * creation time defaults to its generation's.
 */
export function storedImageRow(image: NewImageRow, generationCreatedAt: Date): ImageRow {
  return {
    id: image.id,
    user_id: image.user_id,
    generation_id: image.generation_id ?? null,
    storage_key: image.storage_key,
    mime_type: image.mime_type,
    width: image.width,
    height: image.height,
    bytes: image.bytes,
    prompt: image.prompt,
    provider: image.provider,
    model: image.model,
    chat_session_id: image.chat_session_id ?? null,
    parent_image_id: image.parent_image_id ?? null,
    created_at: toDate(image.created_at) ?? generationCreatedAt,
  }
}

const toDate = (value: Date | string | undefined): Date | undefined =>
  value === undefined ? undefined : value instanceof Date ? value : new Date(value)

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

/**
 * Whether no retry can change the database's refusal: SQLSTATE classes 22 (data exceptions), 23
 * (integrity constraints: a deleted user's foreign key, a duplicate id) and 42 (syntax, undefined
 * objects). Connection failures and the like carry no such code.
 */
export function isRefusedForGood(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' && /^(22|23|42)/.test(code)
}
