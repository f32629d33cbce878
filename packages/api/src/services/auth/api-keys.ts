/**
 * @module API keys: generated secrets, stored only as a sha256 hash, looked up per request.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  createId,
  type Executor,
  findActiveApiKeyByHash,
  insertApiKey,
  touchApiKeyLastUsed,
  type UserRole,
  type UserTier,
} from '@nbl/db'
import type { UserScopedCache } from '../account/account-cache.js'

export const API_KEY_PREFIX = 'nbl_'

/** Who is calling: the narrowed user of `authedProcedure`. */
export interface AuthUser {
  id: string
  name: string
  role: UserRole
  tier: UserTier
  apiKeyId: string | null
  /** The session (refresh-token family) when the caller presented an access JWT. */
  sessionId?: string
}

/** A fresh secret: `nbl_` + 32 random bytes (base64url), so a plain sha256 is a safe hash for it. */
export function generateApiKeySecret(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`
}

export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/** What lists show so a user can tell keys apart; reveals 8 characters past `nbl_` at most. */
export function apiKeyDisplayPrefix(secret: string): string {
  return secret.slice(0, Math.min(12, Math.floor(secret.length / 3)))
}

export interface IssuedApiKey {
  id: string
  name: string
  prefix: string
  secret: string
  createdAt: string
  expiresAt: string | null
}

export async function issueApiKey(
  db: Executor,
  options: { userId: string; name: string; secret?: string; expiresAt?: Date | null },
): Promise<IssuedApiKey> {
  const secret = options.secret ?? generateApiKeySecret()
  const row = await insertApiKey(db, {
    id: createId('key'),
    user_id: options.userId,
    name: options.name,
    prefix: apiKeyDisplayPrefix(secret),
    secret_hash: hashApiKeySecret(secret),
    expires_at: options.expiresAt ?? null,
  })
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    secret,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at ? row.expires_at.toISOString() : null,
  }
}

export interface ApiKeyAuthenticator {
  authenticate(secret: string): Promise<AuthUser | undefined>
}

/** A key found active, as the authenticator remembers it between requests. */
export interface CachedApiKey {
  keyId: string
  user: AuthUser
  /** Epoch ms; null for a key that never expires. */
  expiresAt: number | null
  /** Epoch ms of the last `last_used_at` write (or the stored value when the key was read). */
  lastUsedAt: number
}

/**
 * Resolves a presented key to its user. `last_used_at` is written at most once per interval per
 * key, off the request path. With a `cache` (see account-cache.ts: revocations and tier changes
 * drop the user's entries on every instance), a known key costs no database read at all.
 */
export function createApiKeyAuthenticator(
  db: Executor,
  options: {
    touchIntervalMs?: number
    onError?: (error: unknown) => void
    cache?: UserScopedCache<CachedApiKey>
  } = {},
): ApiKeyAuthenticator {
  const touchIntervalMs = options.touchIntervalMs ?? 60_000
  const { cache } = options

  async function lookUp(secretHash: string, now: Date): Promise<CachedApiKey | undefined> {
    const found = await findActiveApiKeyByHash(db, secretHash, now)
    if (!found) return undefined
    return {
      keyId: found.key.id,
      user: {
        id: found.user.id,
        name: found.user.name,
        role: found.user.role,
        tier: found.user.tier,
        apiKeyId: found.key.id,
      },
      expiresAt: found.key.expires_at?.getTime() ?? null,
      lastUsedAt: found.key.last_used_at?.getTime() ?? 0,
    }
  }

  async function activeKey(secretHash: string, now: Date): Promise<CachedApiKey | undefined> {
    if (!cache) return lookUp(secretHash, now)
    const cached = cache.get(secretHash)
    if (cached && (cached.expiresAt === null || cached.expiresAt > now.getTime())) return cached
    return cache.load(secretHash, async () => {
      const entry = await lookUp(secretHash, now)
      return entry && { userId: entry.user.id, value: entry }
    })
  }

  return {
    async authenticate(secret) {
      if (secret.length < 16 || secret.length > 256) return undefined
      const now = new Date()
      const entry = await activeKey(hashApiKeySecret(secret), now)
      if (!entry) return undefined
      if (now.getTime() - entry.lastUsedAt >= touchIntervalMs) {
        entry.lastUsedAt = now.getTime()
        touchApiKeyLastUsed(db, entry.keyId, now, touchIntervalMs).catch((error) => options.onError?.(error))
      }
      return { ...entry.user }
    },
  }
}
