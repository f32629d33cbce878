import { describe, expect, it } from 'vitest'
import { runQuotaStoreConformance } from './conformance.js'
import { createMemoryQuotaStore } from './memory-store.js'

runQuotaStoreConformance('memory', { create: async () => createMemoryQuotaStore() })

describe('memory quota store', () => {
  it('starts from the units already charged today, loading them once for concurrent callers', async () => {
    let loads = 0
    const store = createMemoryQuotaStore({
      loadUsed: async () => {
        loads++
        await new Promise((resolve) => setTimeout(resolve, 5))
        return 8
      },
    })
    const now = Date.UTC(2026, 10, 25, 9)
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        store.reserve({ userId: 'u', units: 1, dailyLimit: 10, cooldownMs: 0, now }),
      ),
    )
    expect(results.filter((r) => r.ok)).toHaveLength(2)
    expect(loads).toBe(1)
  })

  it('retries a failed load on the next call instead of keeping the failure until midnight', async () => {
    let loads = 0
    const store = createMemoryQuotaStore({
      loadUsed: async () => {
        loads++
        await new Promise((resolve) => setTimeout(resolve, 5))
        if (loads === 1) throw new Error('database unavailable')
        return 2
      },
    })
    const now = Date.UTC(2026, 10, 25, 9)
    const request = { userId: 'u', units: 1, dailyLimit: 10, cooldownMs: 0, now }
    const first = await Promise.allSettled([store.reserve(request), store.reserve(request)])
    expect(first.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected'])
    expect((first[0] as PromiseRejectedResult).reason).toMatchObject({ message: 'database unavailable' })
    expect(await store.reserve(request)).toMatchObject({ ok: true })
    expect(await store.snapshot('u', 0, now)).toMatchObject({ used: 3 })
    expect(loads).toBe(2)
  })

  it('keeps the next day’s counters when a load from before midnight finishes after it', async () => {
    const midnight = Date.UTC(2026, 10, 26)
    let releaseSlowLoad = () => {}
    const slowLoad = new Promise<void>((resolve) => {
      releaseSlowLoad = resolve
    })
    const store = createMemoryQuotaStore({
      loadUsed: async (userId) => {
        if (userId === 'late') await slowLoad
        return 0
      },
    })
    const beforeMidnight = store.reserve({
      userId: 'late',
      units: 1,
      dailyLimit: 10,
      cooldownMs: 0,
      now: midnight - 1_000,
    })
    const after = midnight + 1_000
    expect(
      await store.reserve({ userId: 'early', units: 4, dailyLimit: 10, cooldownMs: 0, now: after }),
    ).toMatchObject({ ok: true })
    releaseSlowLoad()
    expect(await beforeMidnight).toMatchObject({ ok: true })
    expect(await store.snapshot('early', 0, after)).toMatchObject({ used: 4 })
  })
})
