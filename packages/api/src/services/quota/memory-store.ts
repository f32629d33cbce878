/**
 * @module The embedded quota store: in-process counters with the same semantics as the Redis store.
 * Atomicity comes from the event loop: each check-and-take runs without an await in between.
 */
import { randomUUID } from 'node:crypto'
import { Err, Ok } from '../../result.js'
import { nextUtcMidnight, startOfUtcDay, utcDay } from './policy.js'
import type { QuotaStore, Reservation } from './store.js'

export interface MemoryQuotaStoreOptions {
  /**
   * Today's units already charged, read once per user and day, so a restart does not hand out a
   * fresh allowance (the database keeps what was charged).
   */
  loadUsed?: (userId: string, dayStart: Date) => Promise<number>
}

interface DayCounter {
  used: number
}

export function createMemoryQuotaStore(options: MemoryQuotaStoreOptions = {}): QuotaStore {
  const counters = new Map<string, DayCounter>()
  const loading = new Map<string, Promise<DayCounter>>()
  const lastRequestAt = new Map<string, number>()
  const open = new Map<string, Reservation>()

  async function counterFor(userId: string, now: number): Promise<DayCounter> {
    const key = `${userId}:${utcDay(now)}`
    const existing = counters.get(key)
    if (existing) return existing
    // Concurrent first calls share one load, so all of them end up on the same counter.
    let pending = loading.get(key)
    if (!pending) {
      const day = utcDay(now)
      pending = (async () => {
        try {
          const used = options.loadUsed ? await options.loadUsed(userId, new Date(startOfUtcDay(now))) : 0
          const counter = { used }
          counters.set(key, counter)
          dropDaysBefore(day)
          return counter
        } finally {
          // Also on failure: the callers sharing this load see the error, and the next call loads
          // again instead of reusing a rejected promise until midnight.
          loading.delete(key)
        }
      })()
      loading.set(key, pending)
    }
    return pending
  }

  /**
   * Forgets the counters of days before `day`. Not "every other day": a load that started before
   * midnight may finish after it, when the next day's counters already exist.
   */
  function dropDaysBefore(day: string): void {
    for (const key of counters.keys()) {
      // `YYYY-MM-DD` orders as a string.
      if (key.slice(key.lastIndexOf(':') + 1) < day) counters.delete(key)
    }
  }

  return {
    async reserve({ userId, units, dailyLimit, cooldownMs, now }) {
      const counter = await counterFor(userId, now)
      if (dailyLimit !== null && counter.used + units > dailyLimit) {
        return Err({ code: 'QUOTA_EXCEEDED', used: counter.used, retryAfterMs: nextUtcMidnight(now) - now })
      }
      const last = lastRequestAt.get(userId)
      if (cooldownMs > 0 && last !== undefined && now - last < cooldownMs) {
        return Err({ code: 'COOLDOWN', retryAfterMs: last + cooldownMs - now })
      }
      counter.used += units
      lastRequestAt.set(userId, now)
      const reservation: Reservation = {
        id: randomUUID(),
        userId,
        day: utcDay(now),
        units,
        usedAfter: counter.used,
      }
      open.set(reservation.id, reservation)
      return Ok(reservation)
    },

    async settle(reservation, unitsCharged) {
      const counter = counters.get(`${reservation.userId}:${reservation.day}`)
      if (open.delete(reservation.id)) {
        const refund = reservation.units - Math.min(Math.max(unitsCharged, 0), reservation.units)
        if (counter && refund > 0) counter.used = Math.max(0, counter.used - refund)
      }
      return { used: counter?.used ?? 0 }
    },

    async refund(userId, day, units) {
      const counter = counters.get(`${userId}:${day}`)
      if (counter && units > 0) counter.used = Math.max(0, counter.used - units)
    },

    async snapshot(userId, cooldownMs, now) {
      const counter = await counterFor(userId, now)
      const last = lastRequestAt.get(userId)
      const readyAt = last !== undefined && cooldownMs > 0 ? Math.max(now, last + cooldownMs) : now
      return { used: counter.used, readyAt }
    },

    async reset(userId, now) {
      const counter = await counterFor(userId, now)
      counter.used = 0
      lastRequestAt.delete(userId)
    },
  }
}
