/**
 * @module `analytics`: totals, daily usage, costs, provider health and trends over the caller's
 * generations, or over everyone's for an admin passing `scope: 'all'`.
 *
 * Ranges are half-open `[from, to)` (default: the 30 days before now, at most 366 days). Days are
 * UTC days. Rates are succeeded / (succeeded + failed): running generations and skipped attempts do
 * not count. Percentiles use `percentile_cont` (linear interpolation between nearest ranks).
 */
import {
  type AnalyticsFilter,
  countImagesOfGenerations,
  type GenerationBucket,
  type GenerationTotals,
  listGenerationBuckets,
  listGenerationCosts,
  listGenerationTotalsByKind,
  listProviderAttemptStats,
  summarizeGenerations,
} from '@nbl/db'
import { z } from 'zod'
import type { Context } from '../context.js'
import { fail } from '../errors.js'
import type { AuthUser } from '../services/auth/api-keys.js'
import { authedProcedure, router } from '../trpc.js'

const DAY_MS = 24 * 60 * 60 * 1000
const DEFAULT_RANGE_DAYS = 30
const MAX_RANGE_DAYS = 366

/** An ISO date-time in the years 1971..9999 (UTC), so the preceding range of up to 366 days stays after 1970. */
const instantSchema = z.iso.datetime({ offset: true }).refine(
  (value) => {
    const year = new Date(value).getUTCFullYear()
    return year >= 1971 && year <= 9999
  },
  { message: 'must fall between the years 1971 and 9999 (UTC)' },
)

const rangeFields = {
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  scope: z.enum(['mine', 'all']).default('mine'),
}

type Scope = 'mine' | 'all'
type ResolvedRange<T> = Omit<T, 'from' | 'to'> & { from: Date; to: Date }

/**
 * Resolves the range once: `to` defaults to now, `from` to 30 days before `to`; an empty, inverted
 * or over-long range is VALIDATION on the field at fault.
 */
function resolveRange<T extends { from?: string | undefined; to?: string | undefined }>(
  value: T,
  ctx: z.RefinementCtx<T>,
): ResolvedRange<T> {
  const to = value.to === undefined ? new Date() : new Date(value.to)
  const from =
    value.from === undefined ? new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY_MS) : new Date(value.from)
  if (from.getTime() >= to.getTime()) {
    ctx.issues.push({ code: 'custom', path: ['from'], message: 'from must be before to', input: value.from })
    return z.NEVER
  }
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
    const message = `the range may span at most ${MAX_RANGE_DAYS} days`
    ctx.issues.push({ code: 'custom', path: ['to'], message, input: value.to })
    return z.NEVER
  }
  return { ...value, from, to }
}

const rangeInput = z.strictObject(rangeFields).transform(resolveRange).prefault({})
const usageInput = z
  .strictObject({ ...rangeFields, granularity: z.enum(['day', 'week']).default('day') })
  .transform(resolveRange)
  .prefault({})
const costsInput = z
  .strictObject({ ...rangeFields, groupBy: z.enum(['provider', 'model']).default('provider') })
  .transform(resolveRange)
  .prefault({})
const TREND_METRICS = ['generations', 'costUsd', 'units', 'successRate', 'latencyP50'] as const
type TrendMetric = (typeof TREND_METRICS)[number]
const trendsInput = z.strictObject({ ...rangeFields, metric: z.enum(TREND_METRICS) }).transform(resolveRange)

type ScopedFilter = AnalyticsFilter & { scope: Scope }

/**
 * The filter the repository runs with. Scope 'all' is for admins only; anyone else is refused
 * before anything is read.
 */
function filterFor(
  ctx: Context & { user: AuthUser },
  input: { scope: Scope; from: Date; to: Date },
): ScopedFilter {
  if (input.scope === 'all' && ctx.user.role !== 'admin')
    fail('FORBIDDEN', "scope 'all' requires the admin role")
  return {
    scope: input.scope,
    userId: input.scope === 'all' ? undefined : ctx.user.id,
    from: input.from,
    to: input.to,
  }
}

function rangeOf(filter: ScopedFilter) {
  return { from: filter.from.toISOString(), to: filter.to.toISOString(), scope: filter.scope }
}

/** succeeded / (succeeded + failed); null when nothing finished. */
function successRate(succeeded: number, failed: number): number | null {
  return succeeded + failed === 0 ? null : succeeded / (succeeded + failed)
}

function totalsMetric(totals: GenerationTotals, metric: TrendMetric): number | null {
  switch (metric) {
    case 'generations':
      return totals.generations
    case 'costUsd':
      return totals.costUsd
    case 'units':
      return totals.units
    case 'successRate':
      return successRate(totals.succeeded, totals.failed)
    case 'latencyP50':
      return totals.latencyP50Ms
  }
}

function bucketMetric(bucket: GenerationBucket, metric: TrendMetric): number | null {
  switch (metric) {
    case 'generations':
      return bucket.generations
    case 'costUsd':
      return bucket.costUsd
    case 'units':
      return bucket.units
    case 'successRate':
      return successRate(bucket.succeeded, bucket.failed)
    case 'latencyP50':
      return bucket.latencyP50Ms
  }
}

export const analyticsRouter = router({
  /** Totals over the range: counts, success rate, images, units, cost, latency, top provider, by kind. */
  overview: authedProcedure.input(rangeInput).query(async ({ input, ctx }) => {
    const filter = filterFor(ctx, input)
    const { db } = ctx.deps
    const [totals, images, byKind, byProvider] = await Promise.all([
      summarizeGenerations(db, filter),
      countImagesOfGenerations(db, filter),
      listGenerationTotalsByKind(db, filter),
      listGenerationCosts(db, filter, 'provider'),
    ])
    // The provider that served the most generations successfully; ties go to the name first in order.
    const top = byProvider
      .filter((row) => row.succeeded > 0)
      .sort((a, b) => b.succeeded - a.succeeded || a.provider.localeCompare(b.provider))[0]
    return {
      ...rangeOf(filter),
      generations: totals.generations,
      succeeded: totals.succeeded,
      failed: totals.failed,
      running: totals.running,
      successRate: successRate(totals.succeeded, totals.failed),
      images,
      /** Units charged. */
      units: totals.units,
      costUsd: totals.costUsd,
      /** Over succeeded generations; null when there are none. */
      latencyMs: { avg: totals.latencyAvgMs, p50: totals.latencyP50Ms, p95: totals.latencyP95Ms },
      topProvider: top ? { provider: top.provider, succeeded: top.succeeded, costUsd: top.costUsd } : null,
      byKind: byKind.map((row) => ({ ...row, successRate: successRate(row.succeeded, row.failed) })),
    }
  }),

  /** One entry per UTC day (or ISO week, from its Monday) of the range, zero-filled. */
  usage: authedProcedure.input(usageInput).query(async ({ input, ctx }) => {
    const filter = filterFor(ctx, input)
    const buckets = await listGenerationBuckets(ctx.deps.db, filter, input.granularity)
    return buckets.map(({ date, generations, succeeded, failed, units, costUsd }) => ({
      date,
      generations,
      succeeded,
      failed,
      units,
      costUsd,
    }))
  }),

  /** Cost and units per provider (or provider and model), most expensive first, with each one's share. */
  costs: authedProcedure.input(costsInput).query(async ({ input, ctx }) => {
    const filter = filterFor(ctx, input)
    const rows = await listGenerationCosts(ctx.deps.db, filter, input.groupBy)
    const totalCostUsd = roundUsd(rows.reduce((sum, row) => sum + row.costUsd, 0))
    const totalUnits = rows.reduce((sum, row) => sum + row.units, 0)
    return {
      ...rangeOf(filter),
      groupBy: input.groupBy,
      totalCostUsd,
      totalUnits,
      items: rows.map((row) => ({
        provider: row.provider,
        ...(input.groupBy === 'model' ? { model: row.model } : {}),
        generations: row.generations,
        units: row.units,
        costUsd: row.costUsd,
        /** Fraction of the total cost; null when nothing cost anything. */
        share: totalCostUsd === 0 ? null : row.costUsd / totalCostUsd,
      })),
    }
  }),

  /** Per provider, from every recorded attempt (failed fallbacks included). */
  providers: authedProcedure.input(rangeInput).query(async ({ input, ctx }) => {
    const filter = filterFor(ctx, input)
    const rows = await listProviderAttemptStats(ctx.deps.db, filter)
    return rows.map((row) => ({
      provider: row.provider,
      attempts: row.attempts,
      successes: row.successes,
      failures: row.failures,
      skipped: row.skipped,
      successRate: successRate(row.successes, row.failures),
      latencyMs: { p50: row.latencyP50Ms, p95: row.latencyP95Ms },
      errorClasses: row.errorClasses,
    }))
  }),

  /**
   * The metric over the range against the preceding range of equal length. `change` is
   * (current - previous) / previous, null when either is null or previous is 0.
   */
  trends: authedProcedure.input(trendsInput).query(async ({ input, ctx }) => {
    const filter = filterFor(ctx, input)
    const length = filter.to.getTime() - filter.from.getTime()
    const previousFilter = { ...filter, from: new Date(filter.from.getTime() - length), to: filter.from }
    const [currentTotals, previousTotals, buckets] = await Promise.all([
      summarizeGenerations(ctx.deps.db, filter),
      summarizeGenerations(ctx.deps.db, previousFilter),
      listGenerationBuckets(ctx.deps.db, filter, 'day'),
    ])
    const current = totalsMetric(currentTotals, input.metric)
    const previous = totalsMetric(previousTotals, input.metric)
    return {
      ...rangeOf(filter),
      metric: input.metric,
      previousFrom: previousFilter.from.toISOString(),
      previousTo: previousFilter.to.toISOString(),
      current,
      previous,
      change:
        current === null || previous === null || previous === 0 ? null : (current - previous) / previous,
      series: buckets.map((bucket) => ({ date: bucket.date, value: bucketMetric(bucket, input.metric) })),
    }
  }),
})

/** Micro-dollars, as the repository rounds its sums. */
function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6
}
