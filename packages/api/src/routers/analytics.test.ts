/**
 * Acceptance test of `analytics.*`: known generations rows (several users, providers, statuses,
 * costs, latencies and attempts, on chosen UTC days) are inserted directly, and every procedure must
 * return exact counts, costs, rates and percentiles, for one user and for an admin's scope 'all'.
 * The same suite runs on PGlite and, when TEST_DATABASE_URL is set, on real PostgreSQL (in its
 * own throwaway database whose sessions use a UTC+14 time zone, so local-day bucketing would show).
 */
import { randomBytes } from 'node:crypto'
import {
  createDatabase,
  createId,
  type DatabaseHandle,
  type Executor,
  insertUser,
  migrateToLatest,
  type StoredAttempt,
  type UserRole,
} from '@nbl/db'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../test/errors.js'
import { createHarness, type Harness } from '../../test/harness.js'
import { createContextInner } from '../context.js'
import { createCaller } from './_app.js'

/**
 * PostgreSQL's `percentile_cont`, step for step (float8 arithmetic included): the value at rank
 * p * (n - 1) of the sorted values, linearly interpolated between its two neighbours.
 */
function percentileCont(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const position = fraction * (sorted.length - 1)
  const lower = sorted[Math.floor(position)] as number
  const upper = sorted[Math.ceil(position)] as number
  return lower + (upper - lower) * (position - Math.floor(position))
}

// The chosen range: Saturday 2025-03-01 to Saturday 2025-03-08 (exclusive), seven UTC days; the
// preceding range of equal length is 2025-02-22 .. 2025-03-01.
const RANGE = { from: '2025-03-01T00:00:00.000Z', to: '2025-03-08T00:00:00.000Z' }
const DAYS = [
  '2025-03-01',
  '2025-03-02',
  '2025-03-03',
  '2025-03-04',
  '2025-03-05',
  '2025-03-06',
  '2025-03-07',
]

const ok = (provider: string, latencyMs: number): StoredAttempt => ({
  provider,
  model: `${provider}-model`,
  outcome: 'succeeded',
  latencyMs,
})
const failed = (provider: string, errorClass: string, latencyMs: number): StoredAttempt => ({
  provider,
  model: `${provider}-model`,
  outcome: 'failed',
  errorClass,
  message: `${errorClass} from ${provider}`,
  latencyMs,
})
const skipped = (provider: string): StoredAttempt => ({
  provider,
  model: `${provider}-model`,
  outcome: 'skipped',
  errorClass: 'transient',
  latencyMs: 0,
})

interface SeedRow {
  createdAt: string
  kind: 'image' | 'search' | 'video' | 'chat'
  status: 'running' | 'succeeded' | 'failed'
  provider: string | null
  model: string | null
  units: number
  costUsd: number
  latencyMs: number | null
  attempts: StoredAttempt[]
  images: number
}

const gen = (row: Partial<SeedRow> & Pick<SeedRow, 'createdAt' | 'status'>): SeedRow => ({
  kind: 'image',
  provider: null,
  model: null,
  units: 0,
  costUsd: 0,
  latencyMs: null,
  attempts: [],
  images: 0,
  ...row,
})

const A_ROWS: SeedRow[] = [
  gen({
    createdAt: '2025-03-01T10:00:00.000Z',
    status: 'succeeded',
    provider: 'google',
    model: 'gemini-3-pro-image',
    units: 1,
    costUsd: 0.04,
    latencyMs: 100,
    attempts: [ok('google', 100)],
    images: 1,
  }),
  // The last millisecond of 2025-03-01 (UTC): a fallback from google to openai.
  gen({
    createdAt: '2025-03-01T23:59:59.999Z',
    status: 'succeeded',
    provider: 'openai',
    model: 'gpt-image-1',
    units: 2,
    costUsd: 0.17,
    latencyMs: 200,
    attempts: [failed('google', 'rate_limited', 50), ok('openai', 200)],
    images: 2,
  }),
  gen({
    createdAt: '2025-03-03T08:00:00.000Z',
    kind: 'search',
    status: 'succeeded',
    provider: 'google',
    model: 'gemini-2.5-flash-image',
    units: 2,
    costUsd: 0.039,
    latencyMs: 400,
    attempts: [ok('google', 400)],
    images: 1,
  }),
  gen({
    createdAt: '2025-03-03T09:00:00.000Z',
    status: 'failed',
    latencyMs: 900,
    attempts: [failed('google', 'timeout', 300), failed('openai', 'transient', 600)],
  }),
  gen({
    createdAt: '2025-03-05T12:00:00.000Z',
    kind: 'video',
    status: 'succeeded',
    provider: 'runway',
    model: 'gen4',
    units: 5,
    costUsd: 0.5,
    latencyMs: 800,
    attempts: [skipped('kling'), ok('runway', 800)],
  }),
  gen({ createdAt: '2025-03-07T20:00:00.000Z', status: 'running' }),
  // The preceding range.
  gen({
    createdAt: '2025-02-25T12:00:00.000Z',
    status: 'succeeded',
    provider: 'google',
    model: 'gemini-3-pro-image',
    units: 1,
    costUsd: 0.04,
    latencyMs: 100,
    attempts: [ok('google', 100)],
    images: 1,
  }),
  gen({
    createdAt: '2025-02-28T23:00:00.000Z',
    status: 'failed',
    provider: 'google',
    model: 'gemini-3-pro-image',
    latencyMs: 50,
    attempts: [failed('google', 'content_policy', 50)],
  }),
  // Exactly at `to`: outside the half-open range.
  gen({
    createdAt: RANGE.to,
    status: 'succeeded',
    provider: 'google',
    model: 'gemini-3-pro-image',
    units: 4,
    costUsd: 1,
    latencyMs: 5000,
    attempts: [ok('google', 5000)],
    images: 1,
  }),
]

const B_ROWS: SeedRow[] = [
  gen({
    createdAt: '2025-03-02T12:00:00.000Z',
    status: 'succeeded',
    provider: 'flux',
    model: 'flux-pro',
    units: 4,
    costUsd: 0.06,
    latencyMs: 1000,
    attempts: [ok('flux', 1000)],
    images: 1,
  }),
  gen({
    createdAt: '2025-03-04T12:00:00.000Z',
    status: 'failed',
    provider: 'flux',
    model: 'flux-pro',
    latencyMs: 30,
    attempts: [failed('flux', 'auth', 30)],
  }),
  gen({
    createdAt: '2025-03-04T13:00:00.000Z',
    kind: 'chat',
    status: 'succeeded',
    provider: 'google',
    model: 'gemini-3-pro-image',
    units: 1,
    costUsd: 0.04,
    latencyMs: 300,
    attempts: [ok('google', 300)],
    images: 1,
  }),
]

const ADMIN_ROWS: SeedRow[] = [
  gen({
    createdAt: '2025-03-06T06:00:00.000Z',
    status: 'succeeded',
    provider: 'openai',
    model: 'gpt-image-1',
    units: 1,
    costUsd: 0.01,
    latencyMs: 150,
    attempts: [ok('openai', 150)],
    images: 1,
  }),
]

async function seed(db: Executor, userId: string, rows: SeedRow[]): Promise<void> {
  for (const row of rows) {
    const id = createId('gen')
    await db
      .insertInto('generations')
      .values({
        id,
        user_id: userId,
        kind: row.kind,
        status: row.status,
        prompt: 'seeded',
        request: JSON.stringify({ prompt: 'seeded' }),
        provider: row.provider,
        model: row.model,
        attempts: JSON.stringify(row.attempts),
        units_reserved: Math.max(row.units, 1),
        units_charged: row.units,
        cost_usd: row.costUsd,
        latency_ms: row.latencyMs,
        error_code: row.status === 'failed' ? 'PROVIDERS_FAILED' : null,
        error_message: null,
        created_at: row.createdAt,
        finished_at: row.status === 'running' ? null : row.createdAt,
      })
      .execute()
    for (let index = 0; index < row.images; index++) {
      await db
        .insertInto('images')
        .values({
          id: createId('img'),
          user_id: userId,
          generation_id: id,
          storage_key: `seeded/${id}/${index}.png`,
          mime_type: 'image/png',
          width: 1024,
          height: 1024,
          bytes: 1000,
          prompt: 'seeded',
          provider: row.provider ?? 'local',
          model: row.model ?? 'local',
          chat_session_id: null,
          parent_image_id: null,
          created_at: row.createdAt,
        })
        .execute()
    }
  }
}

interface Backend {
  name: string
  skip: boolean
  /** A migrated database for the suite, and how to dispose of it. */
  open(harness: Harness): Promise<{ db: DatabaseHandle['db']; close(): Promise<void> }>
}

const postgresUrl = process.env.TEST_DATABASE_URL

const BACKENDS: Backend[] = [
  {
    name: 'PGlite',
    skip: false,
    open: async (harness) => ({ db: harness.database.db, close: async () => {} }),
  },
  {
    name: 'PostgreSQL',
    skip: !postgresUrl,
    open: async () => {
      const admin = await createDatabase({ databaseUrl: postgresUrl!, max: 1 })
      const name = `nbl_analytics_${randomBytes(6).toString('hex')}`
      await sql`create database ${sql.id(name)}`.execute(admin.db)
      const url = new URL(postgresUrl!)
      url.pathname = `/${name}`
      // Sessions in UTC+14: bucketing by the session's day instead of the UTC day would show.
      url.searchParams.set('options', '-c timezone=Pacific/Kiritimati')
      const handle = await createDatabase({ databaseUrl: url.toString(), max: 2 })
      await migrateToLatest(handle.db)
      return {
        db: handle.db,
        close: async () => {
          await handle.close()
          // The pool's sockets may still be closing; wait for them before dropping.
          for (let tries = 0; tries < 100; tries++) {
            const { rows } = await sql<{ open: number }>`
              select count(*)::int as open from pg_stat_activity where datname = ${name}`.execute(admin.db)
            if (rows[0]?.open === 0) break
            await new Promise((resolve) => setTimeout(resolve, 20))
          }
          await sql`drop database ${sql.id(name)} with (force)`.execute(admin.db)
          await admin.close()
        },
      }
    },
  },
]

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`analytics on ${backend.name}`, () => {
    let harness: Harness
    let database: Awaited<ReturnType<Backend['open']>>
    const callers = {} as Record<'a' | 'b' | 'admin', ReturnType<typeof createCaller>>

    beforeAll(async () => {
      harness = await createHarness()
      database = await backend.open(harness)
      const deps = { ...harness.deps, db: database.db }
      const people: [keyof typeof callers, UserRole, SeedRow[]][] = [
        ['a', 'user', A_ROWS],
        ['b', 'user', B_ROWS],
        ['admin', 'admin', ADMIN_ROWS],
      ]
      for (const [key, role, rows] of people) {
        const user = await insertUser(database.db, {
          id: createId('usr'),
          name: key,
          email: null,
          role,
          tier: 'pro',
        })
        await seed(database.db, user.id, rows)
        callers[key] = createCaller(
          createContextInner({ deps, user: { id: user.id, name: key, role, tier: 'pro', apiKeyId: null } }),
        )
      }
    })
    afterAll(async () => {
      await database?.close()
      await harness?.close()
    })

    describe('overview', () => {
      it("gives A's exact totals: counts, rate, images, units, cost, latency, top provider, kinds", async () => {
        const overview = await callers.a.analytics.overview(RANGE)
        expect(overview).toEqual({
          ...RANGE,
          scope: 'mine',
          generations: 6,
          succeeded: 4,
          failed: 1,
          running: 1,
          successRate: 0.8,
          images: 4,
          units: 10,
          costUsd: 0.749,
          // Succeeded latencies 100, 200, 400, 800.
          latencyMs: { avg: 375, p50: 300, p95: percentileCont([100, 200, 400, 800], 0.95) },
          topProvider: { provider: 'google', succeeded: 2, costUsd: 0.079 },
          byKind: [
            {
              kind: 'image',
              generations: 4,
              succeeded: 2,
              failed: 1,
              units: 3,
              costUsd: 0.21,
              successRate: 2 / 3,
            },
            {
              kind: 'search',
              generations: 1,
              succeeded: 1,
              failed: 0,
              units: 2,
              costUsd: 0.039,
              successRate: 1,
            },
            {
              kind: 'video',
              generations: 1,
              succeeded: 1,
              failed: 0,
              units: 5,
              costUsd: 0.5,
              successRate: 1,
            },
          ],
        })
        // 400 + 0.85 * (800 - 400), in float8.
        expect(overview.latencyMs.p95).toBeCloseTo(740, 9)
      })

      it("gives B only B's numbers, never A's", async () => {
        const overview = await callers.b.analytics.overview(RANGE)
        expect(overview).toMatchObject({
          generations: 3,
          succeeded: 2,
          failed: 1,
          running: 0,
          successRate: 2 / 3,
          images: 2,
          units: 5,
          costUsd: 0.1,
          latencyMs: { avg: 650, p50: 650, p95: percentileCont([300, 1000], 0.95) },
          topProvider: { provider: 'flux', succeeded: 1, costUsd: 0.06 },
        })
        expect(overview.latencyMs.p95).toBeCloseTo(965, 9)
        expect(overview.byKind.map((row) => row.kind)).toEqual(['image', 'chat'])
      })

      it("gives an admin its own numbers by default and everyone's with scope 'all'", async () => {
        const mine = await callers.admin.analytics.overview(RANGE)
        expect(mine).toMatchObject({ scope: 'mine', generations: 1, succeeded: 1, images: 1, costUsd: 0.01 })
        const all = await callers.admin.analytics.overview({ ...RANGE, scope: 'all' })
        const latencies = [100, 200, 400, 800, 1000, 300, 150]
        expect(all).toEqual({
          ...RANGE,
          scope: 'all',
          generations: 10,
          succeeded: 7,
          failed: 2,
          running: 1,
          successRate: 7 / 9,
          images: 7,
          units: 16,
          costUsd: 0.859,
          latencyMs: { avg: 2950 / 7, p50: 300, p95: percentileCont(latencies, 0.95) },
          topProvider: { provider: 'google', succeeded: 3, costUsd: 0.119 },
          byKind: [
            {
              kind: 'image',
              generations: 7,
              succeeded: 4,
              failed: 2,
              units: 8,
              costUsd: 0.28,
              successRate: 4 / 6,
            },
            {
              kind: 'chat',
              generations: 1,
              succeeded: 1,
              failed: 0,
              units: 1,
              costUsd: 0.04,
              successRate: 1,
            },
            {
              kind: 'search',
              generations: 1,
              succeeded: 1,
              failed: 0,
              units: 2,
              costUsd: 0.039,
              successRate: 1,
            },
            {
              kind: 'video',
              generations: 1,
              succeeded: 1,
              failed: 0,
              units: 5,
              costUsd: 0.5,
              successRate: 1,
            },
          ],
        })
        expect(all.latencyMs.p95).toBeCloseTo(940, 9)
      })

      it('gives zeros and nulls for a range without generations', async () => {
        const empty = await callers.a.analytics.overview({
          from: '2024-01-01T00:00:00Z',
          to: '2024-01-02T00:00:00Z',
        })
        expect(empty).toMatchObject({
          generations: 0,
          successRate: null,
          images: 0,
          units: 0,
          costUsd: 0,
          latencyMs: { avg: null, p50: null, p95: null },
          topProvider: null,
          byKind: [],
        })
      })
    })

    describe('usage', () => {
      it("gives every UTC day of A's range, zero-filled", async () => {
        const usage = await callers.a.analytics.usage(RANGE)
        const zero = { generations: 0, succeeded: 0, failed: 0, units: 0, costUsd: 0 }
        expect(usage).toEqual([
          { date: DAYS[0], generations: 2, succeeded: 2, failed: 0, units: 3, costUsd: 0.21 },
          { date: DAYS[1], ...zero },
          { date: DAYS[2], generations: 2, succeeded: 1, failed: 1, units: 2, costUsd: 0.039 },
          { date: DAYS[3], ...zero },
          { date: DAYS[4], generations: 1, succeeded: 1, failed: 0, units: 5, costUsd: 0.5 },
          { date: DAYS[5], ...zero },
          { date: DAYS[6], generations: 1, succeeded: 0, failed: 0, units: 0, costUsd: 0 },
        ])
      })

      it('groups by ISO week (from Monday), counting only the range', async () => {
        // 2025-03-01 is a Saturday: its week starts on 2025-02-24, whose earlier days are outside the range.
        expect(await callers.a.analytics.usage({ ...RANGE, granularity: 'week' })).toEqual([
          { date: '2025-02-24', generations: 2, succeeded: 2, failed: 0, units: 3, costUsd: 0.21 },
          { date: '2025-03-03', generations: 4, succeeded: 2, failed: 1, units: 7, costUsd: 0.539 },
        ])
      })

      it("sums every user's days for an admin's scope 'all'", async () => {
        const usage = await callers.admin.analytics.usage({ ...RANGE, scope: 'all' })
        expect(usage.map((day) => [day.date, day.generations, day.units, day.costUsd])).toEqual([
          [DAYS[0], 2, 3, 0.21],
          [DAYS[1], 1, 4, 0.06],
          [DAYS[2], 2, 2, 0.039],
          [DAYS[3], 2, 1, 0.04],
          [DAYS[4], 1, 5, 0.5],
          [DAYS[5], 1, 1, 0.01],
          [DAYS[6], 1, 0, 0],
        ])
      })

      it('covers a range that starts and ends inside days', async () => {
        const usage = await callers.b.analytics.usage({
          from: '2025-03-02T12:00:00Z',
          to: '2025-03-04T12:00:01Z',
        })
        expect(usage.map((day) => [day.date, day.generations])).toEqual([
          ['2025-03-02', 1],
          ['2025-03-03', 0],
          ['2025-03-04', 1],
        ])
      })
    })

    describe('costs', () => {
      it("gives A's cost and units per provider, most expensive first, with shares", async () => {
        const costs = await callers.a.analytics.costs(RANGE)
        expect(costs).toEqual({
          ...RANGE,
          scope: 'mine',
          groupBy: 'provider',
          totalCostUsd: 0.749,
          totalUnits: 10,
          items: [
            { provider: 'runway', generations: 1, units: 5, costUsd: 0.5, share: 0.5 / 0.749 },
            { provider: 'openai', generations: 1, units: 2, costUsd: 0.17, share: 0.17 / 0.749 },
            { provider: 'google', generations: 2, units: 3, costUsd: 0.079, share: 0.079 / 0.749 },
          ],
        })
      })

      it('groups by provider and model', async () => {
        const costs = await callers.a.analytics.costs({ ...RANGE, groupBy: 'model' })
        expect(costs.items.map((row) => [row.provider, row.model, row.units, row.costUsd])).toEqual([
          ['runway', 'gen4', 5, 0.5],
          ['openai', 'gpt-image-1', 2, 0.17],
          ['google', 'gemini-3-pro-image', 1, 0.04],
          ['google', 'gemini-2.5-flash-image', 2, 0.039],
        ])
      })

      it("totals every user's costs for an admin's scope 'all'", async () => {
        const costs = await callers.admin.analytics.costs({ ...RANGE, scope: 'all' })
        expect(costs.totalCostUsd).toBe(0.859)
        expect(costs.totalUnits).toBe(16)
        expect(costs.items.map((row) => [row.provider, row.generations, row.units, row.costUsd])).toEqual([
          ['runway', 1, 5, 0.5],
          ['openai', 2, 3, 0.18],
          ['google', 3, 4, 0.119],
          // flux's failed generation counts as a generation and costs nothing.
          ['flux', 2, 4, 0.06],
        ])
        expect(costs.items.reduce((sum, row) => sum + (row.share ?? 0), 0)).toBeCloseTo(1, 12)
      })
    })

    describe('providers', () => {
      it("counts every attempt in A's arrays, failed fallbacks and skips included", async () => {
        expect(await callers.a.analytics.providers(RANGE)).toEqual([
          {
            provider: 'google',
            attempts: 4,
            successes: 2,
            failures: 2,
            skipped: 0,
            successRate: 0.5,
            // Attempt latencies 50, 100, 300, 400.
            latencyMs: { p50: 200, p95: percentileCont([50, 100, 300, 400], 0.95) },
            errorClasses: { rate_limited: 1, timeout: 1 },
          },
          {
            provider: 'openai',
            attempts: 2,
            successes: 1,
            failures: 1,
            skipped: 0,
            successRate: 0.5,
            latencyMs: { p50: 400, p95: percentileCont([200, 600], 0.95) },
            errorClasses: { transient: 1 },
          },
          {
            provider: 'kling',
            attempts: 1,
            successes: 0,
            failures: 0,
            skipped: 1,
            successRate: null,
            latencyMs: { p50: null, p95: null },
            errorClasses: {},
          },
          {
            provider: 'runway',
            attempts: 1,
            successes: 1,
            failures: 0,
            skipped: 0,
            successRate: 1,
            latencyMs: { p50: 800, p95: 800 },
            errorClasses: {},
          },
        ])
      })

      it("merges every user's attempts for an admin's scope 'all'", async () => {
        const providers = await callers.admin.analytics.providers({ ...RANGE, scope: 'all' })
        expect(providers.map((row) => [row.provider, row.attempts, row.successes, row.failures])).toEqual([
          ['google', 5, 3, 2],
          ['openai', 3, 2, 1],
          ['flux', 2, 1, 1],
          ['kling', 1, 0, 0],
          ['runway', 1, 1, 0],
        ])
        const google = providers.find((row) => row.provider === 'google')
        expect(google?.latencyMs).toEqual({
          p50: 300,
          p95: percentileCont([50, 100, 300, 400, 300], 0.95),
        })
        expect(providers.find((row) => row.provider === 'flux')?.errorClasses).toEqual({ auth: 1 })
      })
    })

    describe('trends', () => {
      const cases = [
        ['generations', 6, 2, 2, [2, 0, 2, 0, 1, 0, 1]],
        ['units', 10, 1, 9, [3, 0, 2, 0, 5, 0, 0]],
        ['costUsd', 0.749, 0.04, (0.749 - 0.04) / 0.04, [0.21, 0, 0.039, 0, 0.5, 0, 0]],
        ['successRate', 0.8, 0.5, (0.8 - 0.5) / 0.5, [1, null, 0.5, null, 1, null, null]],
        ['latencyP50', 300, 100, 2, [150, null, 400, null, 800, null, null]],
      ] as const
      it.each(cases)(
        "compares A's %s: %s now against %s before",
        async (metric, current, previous, change, series) => {
          const trend = await callers.a.analytics.trends({ ...RANGE, metric })
          expect(trend).toEqual({
            ...RANGE,
            scope: 'mine',
            metric,
            previousFrom: '2025-02-22T00:00:00.000Z',
            previousTo: RANGE.from,
            current,
            previous,
            change,
            series: DAYS.map((date, index) => ({ date, value: series[index] })),
          })
        },
      )

      it('gives a null change when the preceding range had nothing', async () => {
        const trend = await callers.b.analytics.trends({ ...RANGE, metric: 'generations' })
        expect(trend).toMatchObject({ current: 3, previous: 0, change: null })
        const rate = await callers.b.analytics.trends({ ...RANGE, metric: 'successRate' })
        expect(rate).toMatchObject({ current: 2 / 3, previous: null, change: null })
      })

      it("compares everyone's numbers for an admin's scope 'all'", async () => {
        const trend = await callers.admin.analytics.trends({ ...RANGE, scope: 'all', metric: 'costUsd' })
        expect(trend).toMatchObject({ current: 0.859, previous: 0.04, change: (0.859 - 0.04) / 0.04 })
        expect(trend.series.map((point) => point.value)).toEqual([0.21, 0.06, 0.039, 0.04, 0.5, 0.01, 0])
      })
    })

    describe('access and input', () => {
      const procedures = ['overview', 'usage', 'costs', 'providers', 'trends'] as const

      it.each(procedures)("refuses scope 'all' to a non-admin on %s (FORBIDDEN)", async (procedure) => {
        const input = { ...RANGE, scope: 'all' as const, metric: 'generations' as const }
        const call = callers.a.analytics[procedure] as (input: unknown) => Promise<unknown>
        const error = await expectAppError(call(procedure === 'trends' ? input : { ...RANGE, scope: 'all' }))
        expect(error).toMatchObject({ trpcCode: 'FORBIDDEN', appCode: 'FORBIDDEN' })
      })

      it.each([
        [{ from: '2025-03-08T00:00:00Z', to: '2025-03-01T00:00:00Z' }, 'from'],
        [{ from: '2025-03-01T00:00:00Z', to: '2025-03-01T00:00:00Z' }, 'from'],
        [{ from: '2024-01-01T00:00:00Z', to: '2025-01-02T00:00:01Z' }, 'to'],
        [{ from: 'yesterday' }, 'from'],
        [{ to: '1960-01-01T00:00:00Z' }, 'to'],
        [{ scope: 'everyone' }, 'scope'],
      ])('rejects %j naming %s (VALIDATION)', async (input, field) => {
        const error = await expectAppError(callers.a.analytics.overview(input as never))
        expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
        expect(Object.keys(error.details.fieldErrors ?? {})).toEqual([field])
      })

      it('accepts a range of exactly 366 days', async () => {
        const overview = await callers.a.analytics.overview({
          from: '2024-03-08T00:00:00Z',
          to: '2025-03-09T00:00:00Z',
        })
        expect(overview.generations).toBe(9)
      })

      it('rejects a trend without a metric and an unknown granularity', async () => {
        const trend = await expectAppError(callers.a.analytics.trends(RANGE as never))
        expect(Object.keys(trend.details.fieldErrors ?? {})).toEqual(['metric'])
        const usage = await expectAppError(callers.a.analytics.usage({ granularity: 'hour' } as never))
        expect(Object.keys(usage.details.fieldErrors ?? {})).toEqual(['granularity'])
      })

      it('defaults to the 30 days before now', async () => {
        const now = Date.now()
        const fresh = await insertUser(database.db, {
          id: createId('usr'),
          name: 'fresh',
          email: null,
          role: 'user',
          tier: 'free',
        })
        await seed(database.db, fresh.id, [
          gen({ createdAt: new Date(now - 60 * 60 * 1000).toISOString(), status: 'succeeded', units: 1 }),
          gen({ createdAt: new Date(now - 29 * 24 * 60 * 60 * 1000).toISOString(), status: 'failed' }),
          gen({ createdAt: new Date(now - 31 * 24 * 60 * 60 * 1000).toISOString(), status: 'succeeded' }),
        ])
        const caller = createCaller(
          createContextInner({
            deps: { ...harness.deps, db: database.db },
            user: { id: fresh.id, name: 'fresh', role: 'user', tier: 'free', apiKeyId: null },
          }),
        )
        const overview = await caller.analytics.overview()
        expect(overview).toMatchObject({ generations: 2, succeeded: 1, failed: 1, units: 1 })
        expect(Date.parse(overview.to) - Date.parse(overview.from)).toBe(30 * 24 * 60 * 60 * 1000)
        const usage = await caller.analytics.usage()
        expect(usage.length).toBe(31)
        expect(usage.reduce((sum, day) => sum + day.generations, 0)).toBe(2)
      })
    })
  })
}
