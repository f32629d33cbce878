/**
 * @module Analytics over the `generations` table: totals, UTC-day buckets, costs and per-provider attempts.
 *
 * Every query reads generations created in the half-open range `[from, to)`, of one user or of all
 * users (`userId` undefined). Numbers are cast in SQL (`::int`, `::float8`) so that PostgreSQL and
 * PGlite both return JS numbers, never numeric/bigint strings. Sums of `cost_usd` are rounded to six
 * decimals (micro-dollars) so float summation order never shows. Percentiles are `percentile_cont`:
 * linear interpolation between the two nearest ranks (p = 0.5 over 100, 200, 400, 800 is 300).
 */
import { type ExpressionBuilder, type RawBuilder, sql } from 'kysely'
import type { Database } from '../schema.js'
import type { Executor } from './executor.js'

export interface AnalyticsFilter {
  /** One user's generations, or every user's when undefined (admin scope 'all'). */
  userId: string | undefined
  /** Inclusive start. */
  from: Date
  /** Exclusive end. */
  to: Date
}

export type AnalyticsGranularity = 'day' | 'week'
export type AnalyticsCostGrouping = 'provider' | 'model'

export interface GenerationTotals {
  generations: number
  succeeded: number
  failed: number
  running: number
  units: number
  costUsd: number
  /** Latency of succeeded generations; null when there are none. */
  latencyAvgMs: number | null
  latencyP50Ms: number | null
  latencyP95Ms: number | null
}

export interface GenerationBucket {
  /** The bucket's first UTC day, YYYY-MM-DD (a Monday for weeks). */
  date: string
  generations: number
  succeeded: number
  failed: number
  units: number
  costUsd: number
  /** Median latency of the bucket's succeeded generations; null when there are none. */
  latencyP50Ms: number | null
}

export interface GenerationKindTotals {
  kind: string
  generations: number
  succeeded: number
  failed: number
  units: number
  costUsd: number
}

export interface GenerationCostGroup {
  provider: string
  /** Set when grouped by model. */
  model: string | null
  generations: number
  succeeded: number
  units: number
  costUsd: number
}

export interface ProviderAttemptStats {
  provider: string
  /** Every recorded attempt, failed fallbacks and circuit-open skips included. */
  attempts: number
  successes: number
  failures: number
  skipped: number
  /** Over attempts that reached the provider (succeeded or failed); null when there are none. */
  latencyP50Ms: number | null
  latencyP95Ms: number | null
  /** Failed attempts by error class (an attempt without one counts as `unknown`). */
  errorClasses: Record<string, number>
}

type GenerationsScope = ExpressionBuilder<Database, 'generations'>

/** The range and owner condition shared by every query. */
function inScope(filter: AnalyticsFilter) {
  return (eb: GenerationsScope) =>
    eb.and([
      eb('generations.created_at', '>=', filter.from),
      eb('generations.created_at', '<', filter.to),
      ...(filter.userId === undefined ? [] : [eb('generations.user_id', '=', filter.userId)]),
    ])
}

const count = (condition?: RawBuilder<unknown>) =>
  condition === undefined
    ? sql<number>`count(*)::int`
    : sql<number>`(count(*) filter (where ${condition}))::int`
const isSucceeded = sql`generations.status = 'succeeded'`
const isFailed = sql`generations.status = 'failed'`
const sumUnits = sql<number>`coalesce(sum(generations.units_charged), 0)::float8`
const sumCost = sql<number>`round(coalesce(sum(generations.cost_usd), 0)::numeric, 6)::float8`
const succeededLatency = (fraction: number) =>
  sql<number | null>`percentile_cont(${sql.lit(fraction)}) within group (order by generations.latency_ms)
    filter (where ${isSucceeded})`

/** Totals over the range; latency figures cover succeeded generations only. */
export async function summarizeGenerations(db: Executor, filter: AnalyticsFilter): Promise<GenerationTotals> {
  return db
    .selectFrom('generations')
    .where(inScope(filter))
    .select([
      count().as('generations'),
      count(isSucceeded).as('succeeded'),
      count(isFailed).as('failed'),
      count(sql`generations.status = 'running'`).as('running'),
      sumUnits.as('units'),
      sumCost.as('costUsd'),
      sql<number | null>`(avg(generations.latency_ms) filter (where ${isSucceeded}))::float8`.as(
        'latencyAvgMs',
      ),
      succeededLatency(0.5).as('latencyP50Ms'),
      succeededLatency(0.95).as('latencyP95Ms'),
    ])
    .executeTakeFirstOrThrow()
}

/** Images stored for the range's generations (an image deleted from the library no longer counts). */
export async function countImagesOfGenerations(db: Executor, filter: AnalyticsFilter): Promise<number> {
  const { images } = await db
    .selectFrom('images')
    .where('images.generation_id', 'in', db.selectFrom('generations').where(inScope(filter)).select('id'))
    .select(count().as('images'))
    .executeTakeFirstOrThrow()
  return images
}

/** Totals per kind, most generations first. */
export async function listGenerationTotalsByKind(
  db: Executor,
  filter: AnalyticsFilter,
): Promise<GenerationKindTotals[]> {
  return db
    .selectFrom('generations')
    .where(inScope(filter))
    .select([
      'generations.kind',
      count().as('generations'),
      count(isSucceeded).as('succeeded'),
      count(isFailed).as('failed'),
      sumUnits.as('units'),
      sumCost.as('costUsd'),
    ])
    .groupBy('generations.kind')
    .orderBy('generations', 'desc')
    .orderBy('generations.kind')
    .execute()
}

/**
 * Every UTC day (or ISO week, starting Monday) that the range touches, zero-filled, oldest first.
 * The series comes from `generate_series` over the bucket starts, so empty buckets are present.
 */
export async function listGenerationBuckets(
  db: Executor,
  filter: AnalyticsFilter,
  granularity: AnalyticsGranularity,
): Promise<GenerationBucket[]> {
  const unit = granularity === 'week' ? sql.lit('week') : sql.lit('day')
  const step = granularity === 'week' ? sql`interval '7 days'` : sql`interval '1 day'`
  const buckets = db
    .selectFrom('generations')
    .where(inScope(filter))
    .select([
      sql<string>`to_char(date_trunc(${unit}, generations.created_at at time zone 'UTC'), 'YYYY-MM-DD')`.as(
        'bucket',
      ),
      count().as('generations'),
      count(isSucceeded).as('succeeded'),
      count(isFailed).as('failed'),
      sumUnits.as('units'),
      sumCost.as('costUsd'),
      succeededLatency(0.5).as('latencyP50Ms'),
    ])
    .groupBy(sql`1`)
  // The series bounds are UTC calendar days passed as text: a JS Date bound to `timestamp` would
  // carry the process's local offset on pg.
  const first = bucketStart(filter.from, granularity)
  const last = bucketStart(new Date(filter.to.getTime() - 1), granularity)
  const { rows } = await sql<GenerationBucket>`
    select to_char(series.day, 'YYYY-MM-DD') as "date",
      coalesce(b.generations, 0)::int as "generations",
      coalesce(b.succeeded, 0)::int as "succeeded",
      coalesce(b.failed, 0)::int as "failed",
      coalesce(b.units, 0)::float8 as "units",
      coalesce(b."costUsd", 0)::float8 as "costUsd",
      b."latencyP50Ms"::float8 as "latencyP50Ms"
    from generate_series(${first}::timestamp, ${last}::timestamp, ${step}) as series(day)
    left join (${buckets}) as b on b.bucket = to_char(series.day, 'YYYY-MM-DD')
    order by series.day`.execute(db)
  return rows
}

/** The UTC day (or the Monday of the ISO week) holding `instant`, as YYYY-MM-DD. */
function bucketStart(instant: Date, granularity: AnalyticsGranularity): string {
  const day = new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), instant.getUTCDate()))
  if (granularity === 'week') day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7))
  return day.toISOString().slice(0, 10)
}

/**
 * Cost and units per provider (or provider and model), most expensive first. Generations that
 * never reached a provider (no provider recorded) cost nothing and are left out.
 */
export async function listGenerationCosts(
  db: Executor,
  filter: AnalyticsFilter,
  groupBy: AnalyticsCostGrouping,
): Promise<GenerationCostGroup[]> {
  const rows = await db
    .selectFrom('generations')
    .where(inScope(filter))
    .where('generations.provider', 'is not', null)
    .select([
      sql<string>`generations.provider`.as('provider'),
      (groupBy === 'model' ? sql<string | null>`generations.model` : sql<null>`null::text`).as('model'),
      count().as('generations'),
      count(isSucceeded).as('succeeded'),
      sumUnits.as('units'),
      sumCost.as('costUsd'),
    ])
    .groupBy(groupBy === 'model' ? ['generations.provider', 'generations.model'] : ['generations.provider'])
    .orderBy('costUsd', 'desc')
    .orderBy('units', 'desc')
    .orderBy('provider')
    .orderBy(sql`2`)
    .execute()
  return rows
}

/**
 * Per provider, from every element of the `attempts` arrays (`jsonb_array_elements`): counts by
 * outcome, attempt latency percentiles, and failed attempts by error class. Most attempts first.
 */
export async function listProviderAttemptStats(
  db: Executor,
  filter: AnalyticsFilter,
): Promise<ProviderAttemptStats[]> {
  const scoped = db.selectFrom('generations').where(inScope(filter)).select('generations.attempts')
  const attempts = sql`(${scoped}) as g cross join lateral jsonb_array_elements(g.attempts) as a(attempt)`
  const reached = sql`a.attempt->>'outcome' in ('succeeded', 'failed')`
  const latency = (fraction: number) =>
    sql`percentile_cont(${sql.lit(fraction)}) within group (order by (a.attempt->>'latencyMs')::float8)
      filter (where ${reached})`
  const [stats, errors] = await Promise.all([
    sql<Omit<ProviderAttemptStats, 'errorClasses'>>`
      select a.attempt->>'provider' as "provider",
        count(*)::int as "attempts",
        (count(*) filter (where a.attempt->>'outcome' = 'succeeded'))::int as "successes",
        (count(*) filter (where a.attempt->>'outcome' = 'failed'))::int as "failures",
        (count(*) filter (where a.attempt->>'outcome' = 'skipped'))::int as "skipped",
        ${latency(0.5)} as "latencyP50Ms",
        ${latency(0.95)} as "latencyP95Ms"
      from ${attempts}
      group by 1
      order by 2 desc, 1`.execute(db),
    sql<{ provider: string; errorClass: string; count: number }>`
      select a.attempt->>'provider' as "provider",
        coalesce(a.attempt->>'errorClass', 'unknown') as "errorClass",
        count(*)::int as "count"
      from ${attempts}
      where a.attempt->>'outcome' = 'failed'
      group by 1, 2
      order by 1, 2`.execute(db),
  ])
  return stats.rows.map((row) => ({
    ...row,
    errorClasses: Object.fromEntries(
      errors.rows
        .filter((error) => error.provider === row.provider)
        .map((error) => [error.errorClass, error.count]),
    ),
  }))
}
