/**
 * @module The quota store conformance suite: every QuotaStore implementation must pass it.
 * @example runQuotaStoreConformance('memory', { create: async () => createMemoryQuotaStore() })
 */
import { describe, expect, it } from 'vitest'
import type { QuotaStore } from './store.js'

export interface QuotaStoreFactory {
  create(): Promise<QuotaStore>
}

const NOON = Date.UTC(2026, 10, 25, 12, 0, 0)

export function runQuotaStoreConformance(label: string, factory: QuotaStoreFactory): void {
  describe(`QuotaStore conformance: ${label}`, () => {
    const user = () => `user_${Math.random().toString(36).slice(2)}`

    it('grants exactly the limit to 1000 concurrent reservations', async () => {
      const store = await factory.create()
      const userId = user()
      const results = await Promise.all(
        Array.from({ length: 1000 }, () =>
          store.reserve({ userId, units: 1, dailyLimit: 10, cooldownMs: 0, now: NOON }),
        ),
      )
      expect(results.filter((r) => r.ok)).toHaveLength(10)
      const denied = results.filter((r) => !r.ok)
      expect(denied).toHaveLength(990)
      expect(denied.every((r) => !r.ok && r.error.code === 'QUOTA_EXCEEDED')).toBe(true)
      expect((await store.snapshot(userId, 0, NOON)).used).toBe(10)
    })

    it('denies a reservation that would cross the limit and says when the day resets', async () => {
      const store = await factory.create()
      const userId = user()
      expect((await store.reserve({ userId, units: 4, dailyLimit: 5, cooldownMs: 0, now: NOON })).ok).toBe(
        true,
      )
      const denied = await store.reserve({ userId, units: 2, dailyLimit: 5, cooldownMs: 0, now: NOON })
      expect(denied).toEqual({
        ok: false,
        error: { code: 'QUOTA_EXCEEDED', used: 4, retryAfterMs: 12 * 3600_000 },
      })
      expect((await store.reserve({ userId, units: 1, dailyLimit: 5, cooldownMs: 0, now: NOON })).ok).toBe(
        true,
      )
    })

    it('refunds what was not delivered, once', async () => {
      const store = await factory.create()
      const userId = user()
      const reserved = await store.reserve({ userId, units: 4, dailyLimit: 10, cooldownMs: 0, now: NOON })
      if (!reserved.ok) throw new Error('expected a reservation')
      // Each settle answers the day's usage after it.
      expect(await store.settle(reserved.value, 1)).toEqual({ used: 1 })
      expect(await store.settle(reserved.value, 0)).toEqual({ used: 1 })
      expect((await store.snapshot(userId, 0, NOON)).used).toBe(1)
    })

    it('refunds units to the day they were taken from, never below zero', async () => {
      const store = await factory.create()
      const userId = user()
      expect((await store.reserve({ userId, units: 5, dailyLimit: 10, cooldownMs: 0, now: NOON })).ok).toBe(
        true,
      )
      await store.refund(userId, '2026-11-25', 2)
      expect((await store.snapshot(userId, 0, NOON)).used).toBe(3)
      await store.refund(userId, '2026-11-24', 3)
      await store.refund(userId, '2026-11-25', 99)
      expect((await store.snapshot(userId, 0, NOON)).used).toBe(0)
    })

    it('enforces the cooldown between requests and reports readyAt', async () => {
      const store = await factory.create()
      const userId = user()
      expect(
        (await store.reserve({ userId, units: 1, dailyLimit: 10, cooldownMs: 3000, now: NOON })).ok,
      ).toBe(true)
      const denied = await store.reserve({
        userId,
        units: 1,
        dailyLimit: 10,
        cooldownMs: 3000,
        now: NOON + 1000,
      })
      expect(denied).toEqual({ ok: false, error: { code: 'COOLDOWN', retryAfterMs: 2000 } })
      expect((await store.snapshot(userId, 3000, NOON + 1000)).readyAt).toBe(NOON + 3000)
      expect(
        (await store.reserve({ userId, units: 1, dailyLimit: 10, cooldownMs: 3000, now: NOON + 3000 })).ok,
      ).toBe(true)
      expect((await store.snapshot(userId, 3000, NOON + 3000)).used).toBe(2)
    })

    it('counts usage without a cap when the limit is null', async () => {
      const store = await factory.create()
      const userId = user()
      for (let i = 0; i < 5; i++) {
        expect(
          (await store.reserve({ userId, units: 100, dailyLimit: null, cooldownMs: 0, now: NOON })).ok,
        ).toBe(true)
      }
      expect((await store.snapshot(userId, 0, NOON)).used).toBe(500)
    })

    it('starts a new allowance at the next UTC midnight', async () => {
      const store = await factory.create()
      const userId = user()
      expect((await store.reserve({ userId, units: 5, dailyLimit: 5, cooldownMs: 0, now: NOON })).ok).toBe(
        true,
      )
      const tomorrow = NOON + 12 * 3600_000
      expect((await store.snapshot(userId, 0, tomorrow)).used).toBe(0)
      expect(
        (await store.reserve({ userId, units: 5, dailyLimit: 5, cooldownMs: 0, now: tomorrow })).ok,
      ).toBe(true)
    })

    it('resets usage and cooldown', async () => {
      const store = await factory.create()
      const userId = user()
      await store.reserve({ userId, units: 5, dailyLimit: 5, cooldownMs: 60_000, now: NOON })
      await store.reset(userId, NOON)
      expect(await store.snapshot(userId, 60_000, NOON)).toEqual({ used: 0, readyAt: NOON })
      expect(
        (await store.reserve({ userId, units: 5, dailyLimit: 5, cooldownMs: 60_000, now: NOON })).ok,
      ).toBe(true)
    })
  })
}
