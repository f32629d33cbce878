/**
 * @module The networked quota store: the same semantics as the embedded store, shared by every API
 * instance through Redis. Each check-and-take is one Lua script, so it is atomic across instances.
 *
 * Keys (the `{userId}` hash tag keeps one user's keys in one cluster slot):
 * - `${prefix}quota:{userId}:used:${day}`  units taken that UTC day (expires 48 h after creation)
 * - `${prefix}quota:{userId}:cooldown`     the last request time, epoch ms (PX = the cooldown)
 * - `${prefix}quota:{userId}:res:${id}`    an unsettled reservation: hash { units, day } (48 h)
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { Err, Ok } from '../../result.js'
import { nextUtcMidnight, startOfUtcDay, utcDay } from './policy.js'
import type { QuotaStore, Reservation } from './store.js'

export interface RedisQuotaStoreOptions {
  redis: Redis
  /** Prepended to every key, e.g. `nbl:`. */
  keyPrefix: string
  /**
   * Today's units already charged (from the database). Read when a user's day counter does not
   * exist in Redis yet (first request of the day, or after a flush), so it does not hand out a
   * fresh allowance. Concurrent seeds agree: the first one written wins (SET NX).
   */
  loadUsed?: (userId: string, dayStart: Date) => Promise<number>
}

/** Day counters and reservation records outlive their day by at least a day. */
const RETENTION_SECONDS = 48 * 3600

const NO_LIMIT = 'none'

/** Reply codes of the reserve script. */
const GRANTED = 0
const EXCEEDED = 1
const COOLING = 2
const NEEDS_SEED = 3

// KEYS: used counter, cooldown, reservation.
// ARGV: units, daily limit or 'none', cooldown ms, now ms, day, retention s, '1' = ask for a seed.
// Returns { GRANTED, used after } | { EXCEEDED, used } | { COOLING, retry after ms } | { NEEDS_SEED, 0 }.
const RESERVE_LUA = `
local raw = redis.call('GET', KEYS[1])
if not raw and ARGV[7] == '1' then return {${NEEDS_SEED}, 0} end
local used = tonumber(raw or '0')
local units = tonumber(ARGV[1])
if ARGV[2] ~= '${NO_LIMIT}' and used + units > tonumber(ARGV[2]) then
  return {${EXCEEDED}, used}
end
local cooldown = tonumber(ARGV[3])
if cooldown > 0 then
  local last = redis.call('GET', KEYS[2])
  local now = tonumber(ARGV[4])
  if last and now - tonumber(last) < cooldown then
    return {${COOLING}, tonumber(last) + cooldown - now}
  end
  redis.call('SET', KEYS[2], ARGV[4], 'PX', math.ceil(cooldown))
end
if raw then
  redis.call('INCRBY', KEYS[1], units)
else
  redis.call('SET', KEYS[1], units, 'EX', ARGV[6])
end
redis.call('HSET', KEYS[3], 'units', ARGV[1], 'day', ARGV[5])
redis.call('EXPIRE', KEYS[3], ARGV[6])
return {${GRANTED}, used + units}
`

// KEYS: reservation, used counter of its day. ARGV: units charged (0..units).
// Only the first settle finds the record and gives units back; returns the day's usage after it.
const SETTLE_LUA = `
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
local units = redis.call('HGET', KEYS[1], 'units')
if not units then return used end
redis.call('DEL', KEYS[1])
local back = math.min(tonumber(units) - math.min(tonumber(ARGV[1]), tonumber(units)), used)
if back > 0 then used = redis.call('DECRBY', KEYS[2], back) end
return used
`

// KEYS: used counter. ARGV: units. Never below zero; a missing counter stays missing.
const REFUND_LUA = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local back = math.min(tonumber(ARGV[1]), used)
if back > 0 then redis.call('DECRBY', KEYS[1], back) end
return back
`

interface QuotaCommands {
  nblQuotaReserve(
    usedKey: string,
    cooldownKey: string,
    reservationKey: string,
    units: string,
    dailyLimit: string,
    cooldownMs: string,
    now: string,
    day: string,
    retentionSeconds: string,
    askForSeed: string,
  ): Promise<[number, number]>
  nblQuotaSettle(reservationKey: string, usedKey: string, unitsCharged: string): Promise<number>
  nblQuotaRefund(usedKey: string, units: string): Promise<number>
}

function defineQuotaCommands(redis: Redis): QuotaCommands {
  const scripts = {
    nblQuotaReserve: [3, RESERVE_LUA],
    nblQuotaSettle: [2, SETTLE_LUA],
    nblQuotaRefund: [1, REFUND_LUA],
  } as const
  for (const [name, [numberOfKeys, lua]] of Object.entries(scripts)) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') {
      redis.defineCommand(name, { numberOfKeys, lua })
    }
  }
  return redis as unknown as QuotaCommands
}

function assertUnits(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`)
  }
}

export function createRedisQuotaStore({ redis, keyPrefix, loadUsed }: RedisQuotaStoreOptions): QuotaStore {
  const commands = defineQuotaCommands(redis)
  const retention = String(RETENTION_SECONDS)
  const userKey = (userId: string) => `${keyPrefix}quota:{${userId}}`
  const usedKey = (userId: string, day: string) => `${userKey(userId)}:used:${day}`
  const cooldownKey = (userId: string) => `${userKey(userId)}:cooldown`
  const reservationKey = (userId: string, id: string) => `${userKey(userId)}:res:${id}`

  // Concurrent first requests on this instance share one database read.
  const seeding = new Map<string, Promise<void>>()

  /** Writes the database's count as the day counter unless the counter exists by then. */
  function seed(userId: string, now: number): Promise<void> {
    const load = loadUsed
    if (!load) return Promise.resolve()
    const day = utcDay(now)
    const key = usedKey(userId, day)
    let pending = seeding.get(key)
    if (!pending) {
      pending = (async () => {
        try {
          const used = await load(userId, new Date(startOfUtcDay(now)))
          if (!Number.isFinite(used)) throw new RangeError(`loadUsed returned ${used} for ${userId}`)
          await redis.set(key, String(Math.max(0, Math.ceil(used))), 'EX', RETENTION_SECONDS, 'NX')
        } finally {
          // Also on failure: the next call loads again instead of reusing a rejected promise.
          seeding.delete(key)
        }
      })()
      seeding.set(key, pending)
    }
    return pending
  }

  return {
    async reserve({ userId, units, dailyLimit, cooldownMs, now }) {
      assertUnits('units', units)
      const day = utcDay(now)
      const id = randomUUID()
      const run = (askForSeed: boolean) =>
        commands.nblQuotaReserve(
          usedKey(userId, day),
          cooldownKey(userId),
          reservationKey(userId, id),
          String(units),
          dailyLimit === null ? NO_LIMIT : String(dailyLimit),
          String(Math.max(0, cooldownMs)),
          String(now),
          day,
          retention,
          askForSeed ? '1' : '0',
        )
      let [code, value] = await run(loadUsed !== undefined)
      if (code === NEEDS_SEED) {
        await seed(userId, now)
        // The counter exists now (or was flushed again: then it starts from zero, as without loadUsed).
        ;[code, value] = await run(false)
      }
      switch (code) {
        case GRANTED: {
          const reservation: Reservation = { id, userId, day, units, usedAfter: value }
          return Ok(reservation)
        }
        case EXCEEDED:
          return Err({ code: 'QUOTA_EXCEEDED', used: value, retryAfterMs: nextUtcMidnight(now) - now })
        case COOLING:
          return Err({ code: 'COOLDOWN', retryAfterMs: value })
        default:
          throw new Error(`unexpected reply from the quota reserve script: ${code}`)
      }
    },

    async settle(reservation, unitsCharged) {
      // NaN keeps everything, as in the memory store; partial units are kept, not refunded.
      const charged = Number.isNaN(unitsCharged) ? reservation.units : Math.ceil(unitsCharged)
      const kept = Math.min(Math.max(charged, 0), reservation.units)
      const used = await commands.nblQuotaSettle(
        reservationKey(reservation.userId, reservation.id),
        usedKey(reservation.userId, reservation.day),
        String(kept),
      )
      return { used }
    },

    async refund(userId, day, units) {
      if (!(units > 0)) return
      assertUnits('units', units)
      await commands.nblQuotaRefund(usedKey(userId, day), String(units))
    },

    async snapshot(userId, cooldownMs, now) {
      const key = usedKey(userId, utcDay(now))
      let [used, last] = await redis.mget(key, cooldownKey(userId))
      if (used === null && loadUsed) {
        await seed(userId, now)
        used = await redis.get(key)
      }
      const lastAt = last === null ? undefined : Number(last)
      const readyAt = lastAt !== undefined && cooldownMs > 0 ? Math.max(now, lastAt + cooldownMs) : now
      return { used: used === null ? 0 : Number(used), readyAt }
    },

    async reset(userId, now) {
      // Zero rather than delete: a missing counter would be seeded again from the database.
      const replies = await redis
        .multi()
        .set(usedKey(userId, utcDay(now)), '0', 'EX', RETENTION_SECONDS)
        .del(cooldownKey(userId))
        .exec()
      const failed = replies?.find(([error]) => error)
      if (!replies || failed) throw failed?.[0] ?? new Error('quota reset transaction was discarded')
    },
  }
}
