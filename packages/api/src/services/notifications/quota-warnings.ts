/**
 * @module Quota warnings: when a user's usage for the UTC day reaches 80 % and then 100 % of the
 * daily limit, one notification each, once per day, even when several requests or instances see
 * the crossing together (the `quota_warnings` row is claimed first; only its claimer notifies).
 * It runs beside the generation, after the units are settled, and never fails or delays it.
 */
import { claimQuotaWarning, createId, insertNotification, type NotificationRow } from '@nbl/db'
import type { AppDeps } from '../../deps.js'
import { utcDay } from '../quota/policy.js'
import type { QuotaCharge } from '../quota/quota-service.js'
import { publishNotification } from './notification-output.js'

/** Percent of the daily limit at which the user is told. */
export const QUOTA_WARNING_THRESHOLDS = [80, 100] as const

/**
 * Checks the user's usage after `charge` and sends the warnings it newly reached; returns the
 * notifications it created (none for tiers without a cap, below 80 %, or already sent today).
 */
export async function sendQuotaWarnings(deps: AppDeps, charge: QuotaCharge): Promise<NotificationRow[]> {
  const state = await deps.quota.state(charge.subject)
  const { limit, used } = state
  if (limit === null) return []
  // Units charged on a day that is already over count toward nothing the user can still use.
  if (utcDay(Date.parse(state.resetsAt) - 1) !== charge.day) return []
  const reached = QUOTA_WARNING_THRESHOLDS.filter((threshold) => used * 100 >= limit * threshold)
  const created: NotificationRow[] = []
  for (const threshold of reached) {
    const row = await deps.db.transaction().execute(async (trx) => {
      const claimed = await claimQuotaWarning(trx, { userId: charge.subject.id, day: charge.day, threshold })
      if (!claimed) return undefined
      return insertNotification(trx, {
        id: createId('ntf'),
        user_id: charge.subject.id,
        type: 'quota.warning',
        ...warningText(threshold, used, limit),
        data: { threshold, used, limit, resetsAt: state.resetsAt },
        read_at: null,
      })
    })
    if (row) created.push(row)
  }
  for (const row of created) await publishNotification(deps, row)
  return created
}

function warningText(threshold: number, used: number, limit: number): { title: string; body: string } {
  if (threshold >= 100) {
    return {
      title: 'You have used all of today’s quota',
      body: `${used} of ${limit} units used. New generations are refused until the quota resets at 00:00 UTC.`,
    }
  }
  return {
    title: `You have used ${threshold}% of today’s quota`,
    body: `${used} of ${limit} units used. The quota resets at 00:00 UTC.`,
  }
}

export interface QuotaWarningNotifier {
  /** The quota service's `onCharged`: starts the check in the background and returns at once. */
  onCharged(charge: QuotaCharge): void
  /** Resolves once every check started so far has finished (tests; graceful shutdown). */
  idle(): Promise<void>
}

/**
 * Sends quota warnings in the background, logging what fails. `resolveDeps` is read at each
 * charge, since the quota service that reports charges is itself part of the deps.
 * @example
 * const warnings = createQuotaWarningNotifier(() => deps)
 * const quota = createQuotaService({ store, tiers, costs, onCharged: warnings.onCharged })
 */
export function createQuotaWarningNotifier(resolveDeps: () => AppDeps): QuotaWarningNotifier {
  const pending = new Set<Promise<void>>()
  return {
    onCharged(charge) {
      const deps = resolveDeps()
      const task = sendQuotaWarnings(deps, charge).then(
        () => undefined,
        (error: unknown) =>
          (charge.logger ?? deps.logger).error(
            { err: error instanceof Error ? error.message : String(error), userId: charge.subject.id },
            'could not send quota warnings',
          ),
      )
      pending.add(task)
      void task.finally(() => pending.delete(task))
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending])
    },
  }
}
