import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisConnection, deleteKeysByPrefix } from '../redis/connection.js'
import { runRateLimiterConformance } from './conformance.js'
import { createRedisRateLimiter } from './redis-limiter.js'

const url = process.env.TEST_REDIS_URL

describe.skipIf(!url)('redis rate limiter', () => {
  // Two clients stand for two API instances sharing one Redis.
  let a: Redis
  let b: Redis
  const keyPrefix = `nbl-test:${randomBytes(6).toString('hex')}:`

  beforeAll(() => {
    a = createRedisConnection(url as string)
    b = createRedisConnection(url as string)
  })

  afterAll(async () => {
    await deleteKeysByPrefix(a, keyPrefix)
    await Promise.all([a.quit(), b.quit()])
  })

  runRateLimiterConformance('redis', { create: async () => createRedisRateLimiter({ redis: a, keyPrefix }) })

  it('shares one window between instances, under its own key prefix', async () => {
    const one = createRedisRateLimiter({ redis: a, keyPrefix })
    const two = createRedisRateLimiter({ redis: b, keyPrefix })
    const rule = { limit: 10, windowMs: 60_000 }
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? one : two).hit('shared', rule)),
    )
    expect(outcomes.filter((o) => o.allowed)).toHaveLength(10)
    expect(await a.get(`${keyPrefix}ratelimit:{shared}`)).toBe('10')
  })
})
