import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../deps.js'
import { createMemoryQuotaStore } from './memory-store.js'
import { DEFAULT_TIERS, DEFAULT_UNIT_COSTS } from './policy.js'
import { createQuotaService, type QuotaCharge } from './quota-service.js'

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

  it('answers a settle that keeps every unit without waiting for the store to forget the reservation', async () => {
    const memory = createMemoryQuotaStore()
    const forgotten: string[] = []
    let releaseStore: () => void = () => undefined
    const held = new Promise<void>((resolve) => {
      releaseStore = resolve
    })
    // A store whose settle takes its time (a Redis round trip, say).
    const store = {
      ...memory,
      async settle(...args: Parameters<typeof memory.settle>) {
        await held
        forgotten.push(args[0].id)
        return memory.settle(...args)
      },
    }
    const quota = createQuotaService({
      store,
      tiers: { ...DEFAULT_TIERS, free: { ...DEFAULT_TIERS.free, cooldownSeconds: 0 } },
      costs: DEFAULT_UNIT_COSTS,
      now: () => NOON,
    })
    const subject = { id: 'usr_b', tier: 'free' as const }
    const reserved = await quota.reserve(subject, 1)
    if (!reserved.ok) throw reserved.error
    // Nothing to give back: answered at once, with the usage the reserve left.
    expect((await quota.settle(reserved.value, 1))?.used).toBe(1)
    expect(forgotten).toEqual([])
    releaseStore()
    await new Promise((resolve) => setImmediate(resolve))
    expect(forgotten).toEqual([reserved.value.id])

    // Units to give back: that waits for the store, and the answer has them back.
    const partial = await quota.reserve(subject, 2)
    if (!partial.ok) throw partial.error
    expect((await quota.settle(partial.value, 0))?.used).toBe(1)
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

describe('quota service charges', () => {
  it('tells the listener who charged, with the logger of the request that settled', async () => {
    const charges: QuotaCharge[] = []
    const quota = createQuotaService({
      store: createMemoryQuotaStore(),
      tiers: { ...DEFAULT_TIERS, free: { ...DEFAULT_TIERS.free, dailyLimit: 10, cooldownSeconds: 0 } },
      costs: DEFAULT_UNIT_COSTS,
      now: () => NOON,
      onCharged: (charge) => charges.push(charge),
    })
    const subject = { id: 'usr_c', tier: 'free' as const }
    const requestLogger = { ...silentLogger }
    const first = await quota.reserve(subject, 2)
    const second = await quota.reserve(subject, 2)
    if (!first.ok || !second.ok) throw new Error('expected reservations')
    await quota.settle(first.value, 2, requestLogger)
    await quota.settle(second.value, 1)
    expect(charges).toEqual([
      { subject, day: '2026-11-25', unitsCharged: 2, logger: requestLogger },
      { subject, day: '2026-11-25', unitsCharged: 1 },
    ])
    // That very logger, not one that looks the same.
    expect(charges[0]?.logger).toBe(requestLogger)
  })
})
