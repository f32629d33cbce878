/**
 * @module Refresh tokens: stored by sha256, rotated once each, revoked by family.
 */
import type { NewRefreshTokenRow, RefreshTokenRow } from '../schema.js'
import type { Executor } from './executor.js'

export async function insertRefreshToken(db: Executor, row: NewRefreshTokenRow): Promise<RefreshTokenRow> {
  return db.insertInto('refresh_tokens').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function findRefreshTokenByHash(
  db: Executor,
  tokenHash: string,
): Promise<RefreshTokenRow | undefined> {
  return db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()
}

/**
 * Marks the token used, atomically: only one of two racing rotations gets the row back, the other
 * sees `undefined` and treats its token as reused.
 */
export async function markRefreshTokenUsed(
  db: Executor,
  tokenHash: string,
  now: Date,
): Promise<RefreshTokenRow | undefined> {
  return db
    .updateTable('refresh_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst()
}

/** Revokes every token of the family; returns how many were still unrevoked. */
export async function revokeRefreshTokenFamily(db: Executor, familyId: string, now: Date): Promise<number> {
  const result = await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: now })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** Whether the session family still has an unrevoked token (access tokens name their family). */
export async function isRefreshTokenFamilyActive(db: Executor, familyId: string): Promise<boolean> {
  const row = await db
    .selectFrom('refresh_tokens')
    .select('id')
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}
