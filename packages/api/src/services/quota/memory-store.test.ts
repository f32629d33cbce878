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
})
