/**
 * @module The quota store interface: atomic reserve -> settle (refund what was not delivered).
 * An embedded (in-process) and a networked (Redis) implementation share these semantics.
 */
import type { Result } from '../../result.js'

export interface ReserveRequest {
  userId: string
  units: number
  /** Units per UTC day; null = no cap (still counted). */
  dailyLimit: number | null
  cooldownMs: number
  now: number
}

export interface Reservation {
  id: string
  userId: string
  /** The UTC day the units were taken from (`YYYY-MM-DD`); a refund goes back to that day. */
  day: string
  units: number
  /** Units used on that day right after this reservation took its own (them included). */
  usedAfter: number
}

export type QuotaDenial =
  | { code: 'QUOTA_EXCEEDED'; used: number; retryAfterMs: number }
  | { code: 'COOLDOWN'; retryAfterMs: number }

export interface UsageSnapshot {
  used: number
  /** When the caller may make the next request (cooldown), epoch ms; <= now when ready. */
  readyAt: number
}

export interface QuotaStore {
  /** Atomically checks the daily limit and the cooldown and takes `units` if both allow. */
  reserve(request: ReserveRequest): Promise<Result<Reservation, QuotaDenial>>
  /**
   * Keeps `unitsCharged` of the reservation and gives the rest back. Settling twice gives nothing
   * back again. Answers the units used on the reservation's day afterwards (the same round trip).
   */
  settle(reservation: Reservation, unitsCharged: number): Promise<{ used: number }>
  /**
   * Gives units back to the day they were taken from, without a reservation in hand (a job item
   * that failed or was canceled, possibly after a restart). Never goes below zero.
   */
  refund(userId: string, day: string, units: number): Promise<void>
  /** Today's usage and cooldown, reserving nothing. */
  snapshot(userId: string, cooldownMs: number, now: number): Promise<UsageSnapshot>
  /** Sets today's usage to zero and clears the cooldown (admin reset). */
  reset(userId: string, now: number): Promise<void>
}
