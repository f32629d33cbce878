/**
 * @module The rate limiter conformance suite: every RateLimiter implementation must pass it.
 * @example runRateLimiterConformance('memory', { create: async () => createMemoryRateLimiter() })
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import type { RateLimiter } from './rate-limiter.js'

export interface RateLimiterFactory {
  create(): Promise<RateLimiter>
}

export function runRateLimiterConformance(label: string, factory: RateLimiterFactory): void {
  describe(`RateLimiter conformance: ${label}`, () => {
    const key = () => `key_${Math.random().toString(36).slice(2)}`

    it('allows exactly the limit of 500 concurrent hits, and says when to retry', async () => {
      const limiter = await factory.create()
      const k = key()
      const outcomes = await Promise.all(
        Array.from({ length: 500 }, () => limiter.hit(k, { limit: 7, windowMs: 60_000 })),
      )
      expect(outcomes.filter((o) => o.allowed)).toHaveLength(7)
      const refused = outcomes.filter((o) => !o.allowed)
      expect(refused).toHaveLength(493)
      for (const o of refused) {
        expect(o.retryAfterMs).toBeGreaterThan(0)
        expect(o.retryAfterMs).toBeLessThanOrEqual(60_000)
      }
      expect(outcomes.filter((o) => o.allowed).every((o) => o.retryAfterMs === 0)).toBe(true)
    })

    it('keeps keys apart', async () => {
      const limiter = await factory.create()
      const [a, b] = [key(), key()]
      expect((await limiter.hit(a, { limit: 1, windowMs: 60_000 })).allowed).toBe(true)
      expect((await limiter.hit(a, { limit: 1, windowMs: 60_000 })).allowed).toBe(false)
      expect((await limiter.hit(b, { limit: 1, windowMs: 60_000 })).allowed).toBe(true)
    })

    it('opens a new window once the old one has passed', async () => {
      const limiter = await factory.create()
      const k = key()
      const rule = { limit: 2, windowMs: 150 }
      expect((await limiter.hit(k, rule)).allowed).toBe(true)
      expect((await limiter.hit(k, rule)).allowed).toBe(true)
      const refused = await limiter.hit(k, rule)
      expect(refused.allowed).toBe(false)
      expect(refused.retryAfterMs).toBeLessThanOrEqual(150)
      await sleep(refused.retryAfterMs + 30)
      expect((await limiter.hit(k, rule)).allowed).toBe(true)
    })

    it('does not extend the window with refused hits', async () => {
      const limiter = await factory.create()
      const k = key()
      const rule = { limit: 1, windowMs: 200 }
      await limiter.hit(k, rule)
      const first = await limiter.hit(k, rule)
      await sleep(50)
      const second = await limiter.hit(k, rule)
      expect(second.allowed).toBe(false)
      expect(second.retryAfterMs).toBeLessThan(first.retryAfterMs)
    })

    it('treats a limit of 0 as no limit', async () => {
      const limiter = await factory.create()
      const k = key()
      for (let i = 0; i < 20; i++)
        expect((await limiter.hit(k, { limit: 0, windowMs: 1000 })).allowed).toBe(true)
    })
  })
}
