/**
 * @module OAuth states: stored at the authorization request, consumed once at the callback.
 */
import type { NewOAuthStateRow, OAuthStateRow } from '../schema.js'
import type { Executor } from './executor.js'

export async function insertOAuthState(db: Executor, row: NewOAuthStateRow): Promise<OAuthStateRow> {
  return db.insertInto('oauth_states').values(row).returningAll().executeTakeFirstOrThrow()
}

/**
 * Deletes and returns the state when it exists and has not expired: single use, even when two
 * callbacks race (only one delete returns the row).
 */
export async function consumeOAuthState(
  db: Executor,
  stateHash: string,
  now: Date = new Date(),
): Promise<OAuthStateRow | undefined> {
  const row = await db
    .deleteFrom('oauth_states')
    .where('state_hash', '=', stateHash)
    .returningAll()
    .executeTakeFirst()
  return row && row.expires_at > now ? row : undefined
}

/** Removes expired states; returns how many. */
export async function deleteExpiredOAuthStates(db: Executor, now: Date = new Date()): Promise<number> {
  const result = await db.deleteFrom('oauth_states').where('expires_at', '<=', now).executeTakeFirst()
  return Number(result.numDeletedRows)
}
