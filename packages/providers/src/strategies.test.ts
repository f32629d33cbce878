import { describe, expect, it } from 'vitest'
import { type Candidate, orderCandidates } from './strategies.js'
import type { ProviderName } from './types.js'

const candidate = (name: ProviderName, figures: Partial<Candidate<null>> = {}): Candidate<null> => ({
  provider: null,
  name,
  priority: 1,
  estimatedCostUsd: 0.04,
  qualityScore: 0.5,
  latencyMs: 1000,
  ...figures,
})

const names = (candidates: Candidate<null>[]) => candidates.map((entry) => entry.name)

describe('orderCandidates', () => {
  const pool = [
    candidate('google', { priority: 2, estimatedCostUsd: 0.134, qualityScore: 0.95, latencyMs: 9000 }),
    candidate('flux', { priority: 3, estimatedCostUsd: 0.04, qualityScore: 0.85, latencyMs: 4000 }),
    candidate('local', { priority: 9, estimatedCostUsd: 0, qualityScore: 0.1, latencyMs: 40 }),
    candidate('openai', { priority: 1, estimatedCostUsd: 0.167, qualityScore: 0.9, latencyMs: 20000 }),
  ]

  it.each([
    ['priority', ['openai', 'google', 'flux', 'local']],
    ['cost', ['local', 'flux', 'google', 'openai']],
    ['quality', ['google', 'openai', 'flux', 'local']],
    ['speed', ['local', 'flux', 'google', 'openai']],
  ] as const)('orders by %s', (strategy, expected) => {
    expect(names(orderCandidates(strategy, pool))).toEqual(expected)
  })

  it('breaks ties by priority, then by name', () => {
    const tied = [
      candidate('openai', { priority: 2 }),
      candidate('google', { priority: 1 }),
      candidate('flux', { priority: 1 }),
    ]
    for (const strategy of ['cost', 'quality', 'speed'] as const) {
      expect(names(orderCandidates(strategy, tied))).toEqual(['flux', 'google', 'openai'])
    }
  })

  it('rotates the priority order by the round-robin ticket', () => {
    const order = (ticket: number) =>
      names(orderCandidates('round_robin', pool, { roundRobinTicket: ticket }))
    expect(order(0)).toEqual(['openai', 'google', 'flux', 'local'])
    expect(order(1)).toEqual(['google', 'flux', 'local', 'openai'])
    expect(order(5)).toEqual(order(1))
    const firsts = Array.from({ length: 8 }, (_, ticket) => order(ticket)[0])
    expect(new Set(firsts).size).toBe(4)
  })

  it('never mutates its input', () => {
    const copy = [...pool]
    orderCandidates('cost', pool)
    expect(pool).toEqual(copy)
  })
})
