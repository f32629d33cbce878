/**
 * @module The quota service: tier policy + store -> reservations and the QuotaState of API.md.
 */
import type { Resolution } from '@nbl/providers'
import type { AppLogger } from '../../deps.js'
import { AppError } from '../../errors.js'
import { Err, Ok, type Result } from '../../result.js'
import {
  nextUtcMidnight,
  type Tier,
  type TierPolicy,
  type TierTable,
  type UnitCosts,
  utcDay,
} from './policy.js'
import type { QuotaStore, Reservation } from './store.js'

export interface QuotaState {
  tier: Tier
  limit: number | null
  used: number
  remaining: number | null
  resetsAt: string
  cooldownMs: number
  readyAt: string
}

export interface QuotaSubject {
  id: string
  tier: Tier
}

/** Units kept by a settle on a capped tier: what the quota warnings look at. */
export interface QuotaCharge {
  subject: QuotaSubject
  /** The UTC day the units were taken from (YYYY-MM-DD). */
  day: string
  unitsCharged: number
  /** The logger of the request that charged, so what the listener logs carries its request id. */
  logger?: AppLogger
}

export interface QuotaService {
  readonly tiers: TierTable
  readonly costs: UnitCosts
  policyFor(tier: Tier): TierPolicy
  /** Takes `units` for one request, or says why not (QUOTA_EXCEEDED / COOLDOWN with retryAfterMs). */
  reserve(subject: QuotaSubject, units: number): Promise<Result<Reservation, AppError>>
  /**
   * Keeps `unitsCharged` and gives the rest back. Answers the caller's state afterwards from the
   * same store call, for a reservation this service made today; otherwise undefined (ask `state`).
   * `logger` (the request's) goes on to `onCharged`.
   */
  settle(reservation: Reservation, unitsCharged: number, logger?: AppLogger): Promise<QuotaState | undefined>
  /** Gives back units taken on `day` (YYYY-MM-DD) without the reservation (job items). */
  refund(userId: string, day: string, units: number): Promise<void>
  /** Sets today's usage to zero and clears the cooldown (admin.quota.reset). */
  reset(userId: string): Promise<void>
  /** Would `units` be granted now? Reserves nothing. */
  check(subject: QuotaSubject, units: number): Promise<Result<true, AppError>>
  state(subject: QuotaSubject): Promise<QuotaState>
  /** Fails with FORBIDDEN when the tier does not allow this resolution. */
  assertResolutionAllowed(subject: QuotaSubject, resolution: Resolution): Result<true, AppError>
}

const RESOLUTION_RANK: Record<Resolution, number> = { '1K': 1, '2K': 2, '4K': 3 }

export function createQuotaService(options: {
  store: QuotaStore
  tiers: TierTable
  costs: UnitCosts
  now?: () => number
  /** Units an admin added (or took) for this user on `day` (YYYY-MM-DD); the daily limit moves by it. */
  adjustmentFor?: (userId: string, day: string) => Promise<number>
  /**
   * Told (synchronously, never awaited) after a settle keeps units on a tier with a daily cap, so
   * generation is neither slowed nor failed by what it does (the quota warnings).
   */
  onCharged?: (charge: QuotaCharge) => void
}): QuotaService {
  const { store, tiers, costs, adjustmentFor, onCharged } = options
  const now = options.now ?? Date.now
  // Who took each open reservation, under which limit and cooldown: `settle` gets only the
  // reservation. Weak, so one never settled does not stay here; removed at the first settle.
  const openReservations = new WeakMap<
    Reservation,
    { subject: QuotaSubject; dailyLimit: number | null; readyAt: number }
  >()

  /** The tier's daily limit plus today's adjustment; null (no cap) stays null. */
  async function dailyLimitFor(subject: QuotaSubject, at: number): Promise<number | null> {
    const base = policyFor(subject.tier).dailyLimit
    if (base === null || !adjustmentFor) return base
    return Math.max(0, base + (await adjustmentFor(subject.id, utcDay(at))))
  }

  const policyFor = (tier: Tier): TierPolicy => tiers[tier]

  function stateOf(
    subject: QuotaSubject,
    usage: { dailyLimit: number | null; used: number; readyAt: number },
    at: number,
  ): QuotaState {
    const { dailyLimit, used, readyAt } = usage
    return {
      tier: subject.tier,
      limit: dailyLimit,
      used,
      remaining: dailyLimit === null ? null : Math.max(0, dailyLimit - used),
      resetsAt: new Date(nextUtcMidnight(at)).toISOString(),
      cooldownMs: policyFor(subject.tier).cooldownSeconds * 1000,
      readyAt: new Date(Math.max(readyAt, at)).toISOString(),
    }
  }

  function denialToError(denial: { code: 'QUOTA_EXCEEDED' | 'COOLDOWN'; retryAfterMs: number }): AppError {
    const message =
      denial.code === 'QUOTA_EXCEEDED'
        ? 'Daily quota exceeded; it resets at the next UTC midnight'
        : `Cooldown: wait ${Math.ceil(denial.retryAfterMs / 1000)} s before the next generation`
    return new AppError(denial.code, message, { retryAfterMs: denial.retryAfterMs })
  }

  return {
    tiers,
    costs,
    policyFor,

    async reserve(subject, units) {
      const policy = policyFor(subject.tier)
      const at = now()
      const dailyLimit = await dailyLimitFor(subject, at)
      const cooldownMs = policy.cooldownSeconds * 1000
      const result = await store.reserve({ userId: subject.id, units, dailyLimit, cooldownMs, now: at })
      if (!result.ok) return Err(denialToError(result.error))
      // A granted reservation started the cooldown now.
      openReservations.set(result.value, { subject, dailyLimit, readyAt: at + cooldownMs })
      return result
    },

    async settle(reservation, unitsCharged, logger) {
      // Charged in full, nothing goes back: the day's usage is what the reserve left, and the store
      // only has to forget the reservation. That happens behind the answer (one Redis round trip
      // fewer to wait for); if it fails, the record expires unused, giving nothing back either.
      let used = reservation.usedAfter
      if (unitsCharged >= reservation.units)
        void store.settle(reservation, unitsCharged).catch(() => undefined)
      else ({ used } = await store.settle(reservation, unitsCharged))
      const taken = openReservations.get(reservation)
      openReservations.delete(reservation)
      if (!taken) return undefined
      const { subject } = taken
      if (onCharged && policyFor(subject.tier).dailyLimit !== null && unitsCharged > 0) {
        try {
          onCharged({ subject, day: reservation.day, unitsCharged, ...(logger ? { logger } : {}) })
        } catch {
          // The listener's own failure; the units are settled either way.
        }
      }
      const at = now()
      // Settled after midnight: the store answered for yesterday.
      if (reservation.day !== utcDay(at)) return undefined
      return stateOf(subject, { ...taken, used }, at)
    },
    refund: (userId, day, units) => store.refund(userId, day, units),
    reset: (userId) => store.reset(userId, now()),

    async check(subject, units) {
      const policy = policyFor(subject.tier)
      const at = now()
      const dailyLimit = await dailyLimitFor(subject, at)
      const { used, readyAt } = await store.snapshot(subject.id, policy.cooldownSeconds * 1000, at)
      if (dailyLimit !== null && used + units > dailyLimit) {
        return Err(denialToError({ code: 'QUOTA_EXCEEDED', retryAfterMs: nextUtcMidnight(at) - at }))
      }
      if (readyAt > at) return Err(denialToError({ code: 'COOLDOWN', retryAfterMs: readyAt - at }))
      return Ok(true as const)
    },

    async state(subject) {
      const at = now()
      const dailyLimit = await dailyLimitFor(subject, at)
      const cooldownMs = policyFor(subject.tier).cooldownSeconds * 1000
      const { used, readyAt } = await store.snapshot(subject.id, cooldownMs, at)
      return stateOf(subject, { dailyLimit, used, readyAt }, at)
    },

    assertResolutionAllowed(subject, resolution) {
      const max = policyFor(subject.tier).maxResolution
      if (RESOLUTION_RANK[resolution] <= RESOLUTION_RANK[max]) return Ok(true as const)
      return Err(new AppError('FORBIDDEN', `The ${subject.tier} tier allows resolutions up to ${max}`))
    },
  }
}
