/**
 * @module Idempotency keys: the first outcome per (user, key) is stored and replayed; a key reused
 * with another input is IDEMPOTENCY_CONFLICT; concurrent calls with one key generate once.
 */
import { createHash } from 'node:crypto'
import { findGenerationByIdempotencyKey, type GenerationRow } from '@nbl/db'
import type { AppDeps } from '../../deps.js'
import { APP_CODES, type AppCode, AppError } from '../../errors.js'

/** sha256 of the request with keys sorted at every level, so field order does not matter. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex')
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableStringify(entry)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

const isAppCode = (code: string | null): code is AppCode =>
  code !== null && (APP_CODES as readonly string[]).includes(code)

/** The failure a finished generation recorded, as the AppError to replay. */
export function recordedFailure(row: GenerationRow): AppError {
  const appCode = isAppCode(row.error_code) ? row.error_code : 'PROVIDERS_FAILED'
  return new AppError(appCode, row.error_message ?? 'The generation failed', {
    attempts: row.attempts as never,
  })
}

export interface WaitOptions {
  /** Default 100. */
  pollMs?: number
  /** How long to wait for a running request with the key. Default 60 000. */
  timeoutMs?: number
  /**
   * A claim still `running` after this long was left by a crashed process: it is released and
   * the caller runs the generation itself. Default 10 minutes.
   */
  staleAfterMs?: number
}

/**
 * Deletes a claim only if it is still the same stale, running row, so two callers that both saw it
 * stale cannot delete a newer claim or an outcome recorded in between.
 */
async function releaseStaleClaim(deps: AppDeps, row: GenerationRow, cutoff: Date): Promise<void> {
  await deps.db
    .deleteFrom('generations')
    .where('id', '=', row.id)
    .where('user_id', '=', row.user_id)
    .where('status', '=', 'running')
    .where('created_at', '<', cutoff)
    .execute()
}

/**
 * The finished generation for this key, waiting while another request is still running it;
 * `undefined` when the key is free (never used, released, or its stale claim was just released).
 * Throws IDEMPOTENCY_CONFLICT when the input differs, or when the first request is still running.
 */
export async function settledGenerationForKey(
  deps: AppDeps,
  userId: string,
  idempotencyKey: string,
  hash: string,
  { pollMs = 100, timeoutMs = 60_000, staleAfterMs = 10 * 60_000 }: WaitOptions = {},
): Promise<GenerationRow | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const row = await findGenerationByIdempotencyKey(deps.db, userId, idempotencyKey)
    if (!row) return undefined
    if (row.request_hash !== hash) {
      throw new AppError('IDEMPOTENCY_CONFLICT', 'This idempotency key was used with a different input')
    }
    if (row.status !== 'running') return row
    const cutoff = new Date(Date.now() - staleAfterMs)
    if (row.created_at < cutoff) {
      await releaseStaleClaim(deps, row, cutoff)
      // Read again: whether we or a concurrent caller released it, or it finished meanwhile.
      if (Date.now() < deadline) continue
    }
    if (Date.now() >= deadline) {
      throw new AppError('IDEMPOTENCY_CONFLICT', 'A request with this idempotency key is still in progress', {
        retryAfterMs: pollMs * 10,
      })
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}
