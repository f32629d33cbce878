/**
 * @module API keys: stored by sha256 of the secret, looked up with their owner in one query.
 */
import type { ApiKeyRow, NewApiKeyRow, UserRow } from '../schema.js'
import type { Executor } from './executor.js'

export async function insertApiKey(db: Executor, row: NewApiKeyRow): Promise<ApiKeyRow> {
  return db.insertInto('api_keys').values(row).returningAll().executeTakeFirstOrThrow()
}

/** The key with this secret hash and its user, unless the key is revoked or expired at `now`. */
export async function findActiveApiKeyByHash(
  db: Executor,
  secretHash: string,
  now: Date = new Date(),
): Promise<{ key: ApiKeyRow; user: UserRow } | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .innerJoin('users', 'users.id', 'api_keys.user_id')
    .selectAll('api_keys')
    // api_keys.user_id is users.id already; the user's other columns get a prefix so nothing collides.
    .select([
      'users.name as user_name',
      'users.email as user_email',
      'users.role as user_role',
      'users.tier as user_tier',
      'users.is_service_account as user_is_service_account',
      'users.created_at as user_created_at',
      'users.updated_at as user_updated_at',
      'users.github_id as user_github_id',
      'users.login as user_login',
      'users.avatar_url as user_avatar_url',
    ])
    .where('api_keys.secret_hash', '=', secretHash)
    .where('api_keys.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('api_keys.expires_at', 'is', null), eb('api_keys.expires_at', '>', now)]))
    .executeTakeFirst()
  if (row === undefined) return undefined
  const {
    user_name,
    user_email,
    user_role,
    user_tier,
    user_is_service_account,
    user_created_at,
    user_updated_at,
    user_github_id,
    user_login,
    user_avatar_url,
    ...key
  } = row
  return {
    key,
    user: {
      id: key.user_id,
      name: user_name,
      email: user_email,
      role: user_role,
      tier: user_tier,
      is_service_account: user_is_service_account,
      created_at: user_created_at,
      updated_at: user_updated_at,
      github_id: user_github_id,
      login: user_login,
      avatar_url: user_avatar_url,
    },
  }
}

/**
 * Sets `last_used_at = now` unless it was set less than `minIntervalMs` ago, so a busy key costs one write
 * per interval rather than one per request. Returns whether the row was updated.
 */
export async function touchApiKeyLastUsed(
  db: Executor,
  keyId: string,
  now: Date,
  minIntervalMs: number,
): Promise<boolean> {
  const threshold = new Date(now.getTime() - minIntervalMs)
  const result = await db
    .updateTable('api_keys')
    .set({ last_used_at: now })
    .where('id', '=', keyId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', threshold)]))
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** All of the owner's keys, revoked and expired ones included, newest first. */
export async function listApiKeysForOwner(db: Executor, userId: string): Promise<ApiKeyRow[]> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute()
}

/** Returns `false` when the key does not exist, belongs to someone else or was already revoked. */
export async function revokeApiKeyForOwner(
  db: Executor,
  userId: string,
  keyId: string,
  now: Date = new Date(),
): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', keyId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}
