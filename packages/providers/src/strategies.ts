/**
 * @module Routing strategies: pure functions that order the capable candidates for one request.
 */
import type { ImageGenerationRequest, ImageProvider, Strategy } from './types.js'

/** A capable, enabled provider with its configured priority. */
export interface Candidate {
  provider: ImageProvider
  /** Lower is tried first. */
  priority: number
}

/** What a strategy may consult besides the candidates. */
export interface StrategyContext {
  request: ImageGenerationRequest
}

/**
 * Orders candidates for a strategy; returns a new array and never mutates its input.
 * @example orderCandidates('priority', candidates, { request }) // lower priority first, ties by name
 */
export function orderCandidates(
  strategy: Strategy,
  candidates: readonly Candidate[],
  _context: StrategyContext,
): Candidate[] {
  switch (strategy) {
    case 'priority':
      return byPriority(candidates)
    // TODO(next issue): cost (pricing × resolution × count), quality (profile.qualityScore), speed (observed
    // latency, profile.typicalLatencyMs as prior) and round_robin (a rotating offset) fall back to priority
    // until then; `context` is where they will find the request and the observed latencies.
    case 'cost':
    case 'quality':
    case 'speed':
    case 'round_robin':
      return byPriority(candidates)
  }
}

function byPriority(candidates: readonly Candidate[]): Candidate[] {
  return [...candidates].sort(
    (left, right) => left.priority - right.priority || compareNames(left.provider.name, right.provider.name),
  )
}

function compareNames(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0
}
