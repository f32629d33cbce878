/**
 * @module Routing strategies: pure functions that order the capable candidates for one request.
 * Everything a strategy weighs (price for this exact request, quality, observed latency) is
 * computed by the router beforehand, so the strategies stay pure and testable.
 */
import type { ProviderName, Strategy } from './types.js'

/** A capable, enabled, healthy provider, with the figures the strategies weigh. */
export interface Candidate<P = unknown> {
  provider: P
  name: ProviderName
  /** Lower is tried first. */
  priority: number
  /** What this provider would charge for this exact request (resolution, count, seconds). */
  estimatedCostUsd: number
  /** 0..1, higher is better. */
  qualityScore: number
  /** Observed latency (EWMA), the declared figure as prior. */
  latencyMs: number
}

export interface StrategyContext {
  /** A counter shared by every request (and instance) for round_robin; its value picks the first. */
  roundRobinTicket?: number
}

/**
 * Orders candidates for a strategy; returns a new array and never mutates its input. Ties always
 * fall back to priority, then name, so the order is deterministic.
 * @example orderCandidates('cost', candidates) // cheapest for this request first
 */
export function orderCandidates<P>(
  strategy: Strategy,
  candidates: readonly Candidate<P>[],
  context: StrategyContext = {},
): Candidate<P>[] {
  const byPriority = [...candidates].sort(comparePriority)
  switch (strategy) {
    case 'priority':
      return byPriority
    case 'cost':
      return byPriority.sort(
        (left, right) => left.estimatedCostUsd - right.estimatedCostUsd || comparePriority(left, right),
      )
    case 'quality':
      return byPriority.sort(
        (left, right) => right.qualityScore - left.qualityScore || comparePriority(left, right),
      )
    case 'speed':
      return byPriority.sort(
        (left, right) => left.latencyMs - right.latencyMs || comparePriority(left, right),
      )
    case 'round_robin': {
      if (byPriority.length === 0) return byPriority
      const offset = Math.abs(Math.trunc(context.roundRobinTicket ?? 0)) % byPriority.length
      return [...byPriority.slice(offset), ...byPriority.slice(0, offset)]
    }
  }
}

function comparePriority(left: Candidate<unknown>, right: Candidate<unknown>): number {
  return left.priority - right.priority || (left.name < right.name ? -1 : left.name > right.name ? 1 : 0)
}
