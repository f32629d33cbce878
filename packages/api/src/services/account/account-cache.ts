/**
 * @module What every generation reads about its caller (the API key's user, the saved
 * preferences, an admin's quota adjustment), kept per instance so the hot path costs no database read.
 *
 * A change to a user's keys, tier, preferences or adjustment calls `accountChanged`: this instance forgets
 * the user at once, and the event bus tells the others (Redis pub/sub across instances). Entries
 * also expire after `ttlMs`, so an instance that missed a message (the bus was down) heals by
 * itself. Misses are never cached: a key issued a moment ago works at once.
 */
import { LRUCache } from 'lru-cache'
import type { AppDeps } from '../../deps.js'
import type { CachedApiKey } from '../auth/api-keys.js'
import type { Unsubscribe } from '../events/event-bus.js'
import type { SavedPreferences } from './settings.js'

export const ACCOUNT_CHANGED_CHANNEL = 'account:changed'

/** A per-instance cache whose entries belong to one user each, dropped together. */
export class UserScopedCache<V extends {}> {
  readonly #entries: LRUCache<string, { userId: string; value: V }>
  /** Bumped by every `forgetUser`: a load that overlapped one may have read the old row. */
  #epoch = 0

  constructor(options: { max: number; ttlMs: number }) {
    this.#entries = new LRUCache({ max: options.max, ttl: options.ttlMs })
  }

  get(key: string): V | undefined {
    return this.#entries.get(key)?.value
  }

  /**
   * Loads on a miss and keeps what was found; `undefined` (not found) is not kept. A result whose
   * load overlapped a `forgetUser` is returned but not kept.
   */
  async load(
    key: string,
    load: () => Promise<{ userId: string; value: V } | undefined>,
  ): Promise<V | undefined> {
    const epoch = this.#epoch
    const loaded = await load()
    if (loaded && epoch === this.#epoch) this.#entries.set(key, loaded)
    return loaded?.value
  }

  /** Changes are rare (a key revoked, a tier or a preference changed): a scan is cheaper than an index. */
  forgetUser(userId: string): void {
    this.#epoch++
    for (const [key, entry] of this.#entries.entries()) {
      if (entry.userId === userId) this.#entries.delete(key)
    }
  }
}

export interface AccountCache {
  /** Presented API keys, by the secret's hash. */
  readonly apiKeys: UserScopedCache<CachedApiKey>
  /** Saved preferences, by user id. */
  readonly preferences: UserScopedCache<SavedPreferences>
  /** An admin's quota adjustment, by `<user id>:<UTC day>`. */
  readonly quotaAdjustments: UserScopedCache<{ units: number }>
  forgetUser(userId: string): void
}

/**
 * @example
 * const accountCache = createAccountCache()
 * const apiKeys = createApiKeyAuthenticator(db, { cache: accountCache.apiKeys })
 */
export function createAccountCache(options: { max?: number; ttlMs?: number } = {}): AccountCache {
  const sizing = { max: options.max ?? 10_000, ttlMs: options.ttlMs ?? 30_000 }
  const apiKeys = new UserScopedCache<CachedApiKey>(sizing)
  const preferences = new UserScopedCache<SavedPreferences>(sizing)
  const quotaAdjustments = new UserScopedCache<{ units: number }>(sizing)
  return {
    apiKeys,
    preferences,
    quotaAdjustments,
    forgetUser(userId) {
      apiKeys.forgetUser(userId)
      preferences.forgetUser(userId)
      quotaAdjustments.forgetUser(userId)
    },
  }
}

/** The quota service's `adjustmentFor`, read through the cache (admin.users.adjustQuota forgets it). */
export function cachedQuotaAdjustment(
  cache: AccountCache,
  read: (userId: string, day: string) => Promise<number>,
): (userId: string, day: string) => Promise<number> {
  return async (userId, day) => {
    const key = `${userId}:${day}`
    const found =
      cache.quotaAdjustments.get(key) ??
      (await cache.quotaAdjustments.load(key, async () => ({
        userId,
        value: { units: await read(userId, day) },
      })))
    return found?.units ?? 0
  }
}

interface AccountChangedMessage {
  kind: 'account-changed'
  userId: string
}

function isAccountChangedMessage(message: unknown): message is AccountChangedMessage {
  const candidate = message as Partial<AccountChangedMessage> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.kind === 'account-changed' &&
    typeof candidate.userId === 'string'
  )
}

/** Call after a user's keys, tier or preferences changed (after the change is committed). */
export async function accountChanged(
  deps: Pick<AppDeps, 'accountCache' | 'events' | 'logger'>,
  userId: string,
): Promise<void> {
  deps.accountCache.forgetUser(userId)
  const message: AccountChangedMessage = { kind: 'account-changed', userId }
  await deps.events.publish(ACCOUNT_CHANGED_CHANNEL, message).catch((error: unknown) => {
    // Forgotten here; the other instances let the entry expire (ttl) instead.
    deps.logger.warn({ err: error, userId }, 'could not tell the other instances of an account change')
  })
}

/** Every server instance subscribes at start, so a change made through another instance reaches it. */
export function followAccountChanges(deps: Pick<AppDeps, 'accountCache' | 'events'>): Promise<Unsubscribe> {
  return deps.events.subscribe(ACCOUNT_CHANGED_CHANNEL, (message) => {
    if (isAccountChangedMessage(message)) deps.accountCache.forgetUser(message.userId)
  })
}
