/**
 * @module Quota tiers and unit costs (API.md "Quota"): defaults that configuration may override.
 */
import type { Resolution } from '@nbl/providers'

export const TIERS = ['free', 'pro', 'unlimited'] as const
export type Tier = (typeof TIERS)[number]

export interface TierPolicy {
  /** Units per UTC day; null = no cap (usage is still counted). */
  dailyLimit: number | null
  cooldownSeconds: number
  maxBatch: number
  maxResolution: Resolution
}

export type TierTable = Record<Tier, TierPolicy>

export const DEFAULT_TIERS: TierTable = {
  free: { dailyLimit: 50, cooldownSeconds: 3, maxBatch: 10, maxResolution: '2K' },
  pro: { dailyLimit: 500, cooldownSeconds: 0, maxBatch: 100, maxResolution: '4K' },
  unlimited: { dailyLimit: null, cooldownSeconds: 0, maxBatch: 100, maxResolution: '4K' },
}

export interface UnitCosts {
  imageByResolution: Record<Resolution, number>
  searchGroundingPerImage: number
  videoPerFiveSeconds: number
}

export const DEFAULT_UNIT_COSTS: UnitCosts = {
  imageByResolution: { '1K': 1, '2K': 2, '4K': 4 },
  searchGroundingPerImage: 1,
  videoPerFiveSeconds: 5,
}

/** Units one image costs: its resolution, plus search grounding when asked. */
export function unitsPerImage(costs: UnitCosts, resolution: Resolution, searchGrounding: boolean): number {
  return costs.imageByResolution[resolution] + (searchGrounding ? costs.searchGroundingPerImage : 0)
}

/** Units a video costs: per started five seconds. */
export function unitsForVideo(costs: UnitCosts, durationSec: number): number {
  return Math.ceil(durationSec / 5) * costs.videoPerFiveSeconds
}

const DAY_MS = 86_400_000

/** The UTC day a moment falls in, as `YYYY-MM-DD` (quota counters are per UTC day). */
export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10)
}

export function startOfUtcDay(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS
}

export function nextUtcMidnight(now: number): number {
  return startOfUtcDay(now) + DAY_MS
}
