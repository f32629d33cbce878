import { describe, expect, it } from 'vitest'
import { runRateLimiterConformance } from './conformance.js'
import { createMemoryRateLimiter } from './rate-limiter.js'

runRateLimiterConformance('memory', { create: async () => createMemoryRateLimiter() })

describe('memory rate limiter', () => {
  it('forgets expired windows when the table grows', async () => {
    let now = 0
    const limiter = createMemoryRateLimiter({ now: () => now })
    for (let i = 0; i < 10_000; i++) await limiter.hit(`k${i}`, { limit: 1, windowMs: 10 })
    now = 100
    // The sweep runs on this hit; the old keys' windows are gone, so they are allowed again.
    expect((await limiter.hit('k0', { limit: 1, windowMs: 10 })).allowed).toBe(true)
    expect((await limiter.hit('k0', { limit: 1, windowMs: 10 })).allowed).toBe(false)
  })
})
