import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createBullMQConnection,
  createRedisConnection,
  deleteKeysByPrefix,
  pingRedis,
} from '../redis/connection.js'
import { createRedisRoundRobinCounter } from '../redis/round-robin.js'
import { runQuotaStoreConformance } from './conformance.js'
import { createRedisQuotaStore } from './redis-store.js'

const url = process.env.TEST_REDIS_URL
const NOON = Date.UTC(2026, 10, 25, 12)
const DAY = '2026-11-25'

describe.skipIf(!url)('redis quota store', () => {
  // Two clients stand for two API instances sharing one Redis.
  let a: Redis
  let b: Redis
  const keyPrefix = `nbl-test:${randomBytes(6).toString('hex')}:`
  const user = () => `user_${randomBytes(6).toString('hex')}`

  beforeAll(() => {
    a = createRedisConnection(url as string)
    b = createRedisConnection(url as string)
  })

  afterAll(async () => {
    await deleteKeysByPrefix(a, keyPrefix)
    await Promise.all([a.quit(), b.quit()])
  })

  runQuotaStoreConformance('redis', { create: async () => createRedisQuotaStore({ redis: a, keyPrefix }) })

  it('seeds a missing day counter from the database once for 100 concurrent first requests', async () => {
    const userId = user()
    let loads = 0
    const loadUsed = async (id: string, dayStart: Date) => {
      expect(id).toBe(userId)
      expect(dayStart.toISOString()).toBe(`${DAY}T00:00:00.000Z`)
      loads++
      await new Promise((resolve) => setTimeout(resolve, 5))
      return 4
    }
    const stores = [a, b].map((redis) => createRedisQuotaStore({ redis, keyPrefix, loadUsed }))
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        stores[i % 2]?.reserve({ userId, units: 1, dailyLimit: 10, cooldownMs: 0, now: NOON }),
      ),
    )
    expect(results.filter((r) => r?.ok)).toHaveLength(6)
    expect(loads).toBeGreaterThanOrEqual(1)
    expect(loads).toBeLessThanOrEqual(2) // at most one database read per instance
    expect((await stores[0]?.snapshot(userId, 0, NOON))?.used).toBe(10)
    expect(loads).toBeLessThanOrEqual(2) // an existing counter is not read again
  })

  it('lets concurrent seeds agree on the first value written', async () => {
    const userId = user()
    const seeded = [3, 7]
    const stores = [a, b].map((redis, i) =>
      createRedisQuotaStore({
        redis,
        keyPrefix,
        loadUsed: async () => {
          await new Promise((resolve) => setTimeout(resolve, 2))
          return seeded[i] ?? 0
        },
      }),
    )
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        stores[i % 2]?.reserve({ userId, units: 1, dailyLimit: 10, cooldownMs: 0, now: NOON }),
      ),
    )
    const granted = results.filter((r) => r?.ok).length
    expect([10 - 3, 10 - 7]).toContain(granted)
    expect((await stores[1]?.snapshot(userId, 0, NOON))?.used).toBe(10)
  })

  it('reads the database again after a flush instead of handing out a fresh allowance', async () => {
    const userId = user()
    let charged = 0
    const store = createRedisQuotaStore({ redis: a, keyPrefix, loadUsed: async () => charged })
    const reserved = await store.reserve({ userId, units: 3, dailyLimit: 5, cooldownMs: 0, now: NOON })
    expect(reserved.ok).toBe(true)
    charged = 3 // the database recorded the charge
    await a.del(`${keyPrefix}quota:{${userId}}:used:${DAY}`)
    expect(await store.snapshot(userId, 0, NOON)).toMatchObject({ used: 3 })
    expect(await store.reserve({ userId, units: 3, dailyLimit: 5, cooldownMs: 0, now: NOON })).toMatchObject({
      ok: false,
      error: { code: 'QUOTA_EXCEEDED', used: 3 },
    })
  })

  it('retries a failed database read on the next request', async () => {
    const userId = user()
    let loads = 0
    const store = createRedisQuotaStore({
      redis: a,
      keyPrefix,
      loadUsed: async () => {
        loads++
        if (loads === 1) throw new Error('database unavailable')
        return 2
      },
    })
    const request = { userId, units: 1, dailyLimit: 10, cooldownMs: 0, now: NOON }
    await expect(store.reserve(request)).rejects.toThrow('database unavailable')
    expect(await store.reserve(request)).toMatchObject({ ok: true })
    expect(await store.snapshot(userId, 0, NOON)).toMatchObject({ used: 3 })
  })

  it('keeps a reset at zero rather than seeding it again from the database', async () => {
    const userId = user()
    const store = createRedisQuotaStore({ redis: a, keyPrefix, loadUsed: async () => 8 })
    expect(await store.snapshot(userId, 0, NOON)).toMatchObject({ used: 8 })
    await store.reset(userId, NOON)
    expect(await store.snapshot(userId, 0, NOON)).toMatchObject({ used: 0 })
  })

  it('refunds a reservation settled twice by two instances once', async () => {
    const userId = user()
    const [first, second] = [a, b].map((redis) => createRedisQuotaStore({ redis, keyPrefix }))
    const reserved = await first?.reserve({ userId, units: 4, dailyLimit: 10, cooldownMs: 0, now: NOON })
    if (!reserved?.ok) throw new Error('expected a reservation')
    await Promise.all([first?.settle(reserved.value, 1), second?.settle(reserved.value, 0)])
    expect((await second?.snapshot(userId, 0, NOON))?.used).toBe(1)
    expect(await a.exists(`${keyPrefix}quota:{${userId}}:res:${reserved.value.id}`)).toBe(0)
  })

  it('sets expiries on every key it writes and does not create counters on refund', async () => {
    const userId = user()
    const store = createRedisQuotaStore({ redis: a, keyPrefix })
    const reserved = await store.reserve({ userId, units: 2, dailyLimit: 10, cooldownMs: 3000, now: NOON })
    if (!reserved.ok) throw new Error('expected a reservation')
    const base = `${keyPrefix}quota:{${userId}}`
    const usedTtl = await a.ttl(`${base}:used:${DAY}`)
    expect(usedTtl).toBeGreaterThan(47 * 3600)
    expect(usedTtl).toBeLessThanOrEqual(48 * 3600)
    const cooldownTtl = await a.pttl(`${base}:cooldown`)
    expect(cooldownTtl).toBeGreaterThan(0)
    expect(cooldownTtl).toBeLessThanOrEqual(3000)
    expect(await a.ttl(`${base}:res:${reserved.value.id}`)).toBeGreaterThan(47 * 3600)
    expect(await a.hgetall(`${base}:res:${reserved.value.id}`)).toEqual({ units: '2', day: DAY })
    await store.reset(userId, NOON)
    expect(await a.ttl(`${base}:used:${DAY}`)).toBeGreaterThan(47 * 3600)
    expect(await a.exists(`${base}:cooldown`)).toBe(0)
    await store.refund(userId, '2026-11-20', 5)
    expect(await a.exists(`${base}:used:2026-11-20`)).toBe(0)
  })

  it('rejects fractional units instead of corrupting the counter', async () => {
    const store = createRedisQuotaStore({ redis: a, keyPrefix })
    await expect(
      store.reserve({ userId: user(), units: 1.5, dailyLimit: 10, cooldownMs: 0, now: NOON }),
    ).rejects.toThrow(RangeError)
  })

  it('shares a round-robin counter between instances', async () => {
    const [first, second] = [a, b].map((redis) => createRedisRoundRobinCounter({ redis, keyPrefix }))
    if (!first || !second) throw new Error('unreachable')
    expect(await first.next('image')).toBe(0)
    expect(await second.next('image')).toBe(1)
    expect(await first.next('image')).toBe(2)
    expect(await second.next('video')).toBe(0)
    const tickets = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? first : second).next('burst')),
    )
    expect([...tickets].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })

  it('pings for readiness and reports an unreachable server without throwing', async () => {
    expect(await pingRedis(a)).toMatchObject({ ok: true })
    const down = createRedisConnection('redis://127.0.0.1:1', {
      retryStrategy: () => null,
      onError: () => {},
    })
    try {
      const ping = await pingRedis(down, 500)
      expect(ping.ok).toBe(false)
      expect(ping.error).toMatch(/redis unreachable/)
    } finally {
      down.disconnect()
    }
  })

  it('gives BullMQ a connection that waits for Redis instead of failing commands', async () => {
    const bull = createBullMQConnection(url as string)
    try {
      expect(bull.options.maxRetriesPerRequest).toBeNull()
      expect(await pingRedis(bull)).toMatchObject({ ok: true })
    } finally {
      await bull.quit()
    }
  })
})
