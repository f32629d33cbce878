import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../deps.js'
import { createMemoryEventBus } from '../events/event-bus.js'
import { accountChanged, createAccountCache, followAccountChanges, UserScopedCache } from './account-cache.js'

describe('UserScopedCache', () => {
  it('forgets every entry of one user and only those', async () => {
    const cache = new UserScopedCache<{ n: number }>({ max: 10, ttlMs: 60_000 })
    await cache.load('a1', async () => ({ userId: 'usr_a', value: { n: 1 } }))
    await cache.load('a2', async () => ({ userId: 'usr_a', value: { n: 2 } }))
    await cache.load('b1', async () => ({ userId: 'usr_b', value: { n: 3 } }))
    cache.forgetUser('usr_a')
    expect([cache.get('a1'), cache.get('a2'), cache.get('b1')]).toEqual([undefined, undefined, { n: 3 }])
  })

  it('keeps no miss, and no load that overlapped a change (it may have read the old row)', async () => {
    const cache = new UserScopedCache<{ n: number }>({ max: 10, ttlMs: 60_000 })
    expect(await cache.load('gone', async () => undefined)).toBeUndefined()
    expect(cache.get('gone')).toBeUndefined()

    let finishRead!: () => void
    const reading = cache.load('a1', async () => {
      await new Promise<void>((resolve) => {
        finishRead = resolve
      })
      return { userId: 'usr_a', value: { n: 1 } }
    })
    cache.forgetUser('usr_a')
    finishRead()
    expect(await reading).toEqual({ n: 1 })
    expect(cache.get('a1')).toBeUndefined()
  })

  it('lets entries expire', async () => {
    const cache = new UserScopedCache<{ n: number }>({ max: 10, ttlMs: 20 })
    await cache.load('a1', async () => ({ userId: 'usr_a', value: { n: 1 } }))
    await expect.poll(() => cache.get('a1'), { timeout: 1000 }).toBeUndefined()
  })
})

describe('accountChanged', () => {
  it('forgets the user here at once and on every instance that follows the bus', async () => {
    const events = createMemoryEventBus()
    const here = { accountCache: createAccountCache(), events, logger: silentLogger }
    const there = { accountCache: createAccountCache(), events }
    const stop = await followAccountChanges(there)
    for (const { accountCache } of [here, there]) {
      await accountCache.preferences.load('usr_a', async () => ({
        userId: 'usr_a',
        value: {
          settings: { resolution: '2K', aspectRatio: null, strategy: null, outputFormat: null },
          providers: { order: [], exclude: [] },
        },
      }))
    }
    await accountChanged(here, 'usr_a')
    expect(here.accountCache.preferences.get('usr_a')).toBeUndefined()
    await expect.poll(() => there.accountCache.preferences.get('usr_a')).toBeUndefined()
    await stop()
  })
})
