import { describe, expect, it } from 'vitest'
import { createMemoryQuotaStore } from './memory-store.js'
import { DEFAULT_TIERS, DEFAULT_UNIT_COSTS } from './policy.js'
import { createQuotaService } from './quota-service.js'

const NOON = Date.parse('2026-11-25T12:00:00Z')

describe('quota service', () => {
  it('answers the state after a settle from the settle itself, equal to a fresh read', async () => {
    let clock = NOON
    const quota = createQuotaService({
      store: createMemoryQuotaStore(),
      tiers: { ...DEFAULT_TIERS, free: { ...DEFAULT_TIERS.free, dailyLimit: 10, cooldownSeconds: 30 } },
      costs: DEFAULT_UNIT_COSTS,
      adjustmentFor: async () => 2,
      now: () => clock,
    })
    const subject = { id: 'usr_a', tier: 'free' as const }
    const reserved = await quota.reserve(subject, 4)
    if (!reserved.ok) throw reserved.error
    clock += 1_000
    const settled = await quota.settle(reserved.value, 3)
    expect(settled).toEqual({
      tier: 'free',
      limit: 12,
      used: 3,
      remaining: 9,
      resetsAt: '2026-11-26T00:00:00.000Z',
      cooldownMs: 30_000,
      readyAt: '2026-11-25T12:00:30.000Z',
    })
    expect(settled).toEqual(await quota.state(subject))
    // A second settle of the same reservation knows nothing more.
    expect(await quota.settle(reserved.value, 0)).toBeUndefined()
  })

  it('leaves the state to `state` when the settle comes after midnight', async () => {
    let clock = Date.parse('2026-11-25T23:59:59Z')
    const quota = createQuotaService({
      store: createMemoryQuotaStore(),
      tiers: DEFAULT_TIERS,
      costs: DEFAULT_UNIT_COSTS,
      now: () => clock,
    })
    const reserved = await quota.reserve({ id: 'usr_b', tier: 'pro' }, 2)
    if (!reserved.ok) throw reserved.error
    clock += 2_000
    expect(await quota.settle(reserved.value, 2)).toBeUndefined()
    expect((await quota.state({ id: 'usr_b', tier: 'pro' })).used).toBe(0)
  })
})
