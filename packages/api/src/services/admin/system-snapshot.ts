/**
 * @module What `admin.system.status` and `admin.system.metrics` report: queue depth, provider
 * states, and (metrics) a cheap snapshot of the process and a few database aggregates.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks'
import type { AppDeps } from '../../deps.js'
import { startOfUtcDay } from '../quota/policy.js'

/** Sampling period of the event-loop monitor; each sample's delay is measured beyond it. */
const EVENT_LOOP_RESOLUTION_MS = 10

let eventLoopMonitor: IntervalHistogram | undefined

/**
 * The process-wide event-loop delay histogram, started by the first caller (the system router
 * starts it when loaded, so the first snapshot already has samples). It does not keep the
 * process alive.
 */
export function eventLoopDelayMonitor(): IntervalHistogram {
  if (!eventLoopMonitor) {
    eventLoopMonitor = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS })
    eventLoopMonitor.enable()
  }
  return eventLoopMonitor
}

/** Job items waiting for or holding a worker. */
export async function readQueueDepth(deps: AppDeps): Promise<number> {
  const { count } = await deps.db
    .selectFrom('job_items')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirstOrThrow()
  return Number(count)
}

/** Every registered provider with its breakers and health, in priority order. */
export function providerStates(deps: AppDeps) {
  return deps.providers.listProviders().map((entry) => ({
    name: entry.name,
    enabled: entry.enabled,
    breaker: entry.breaker,
    health: entry.health,
  }))
}

export interface EventLoopDelay {
  /** Delay beyond the sampling period, in ms; null before the first sample. */
  p50Ms: number | null
  p99Ms: number | null
  maxMs: number | null
  samples: number
}

function eventLoopDelay(): EventLoopDelay {
  const histogram = eventLoopDelayMonitor()
  if (histogram.count === 0) return { p50Ms: null, p99Ms: null, maxMs: null, samples: 0 }
  // The histogram records each whole interval (period included); report only the lateness.
  const lateness = (nanoseconds: number) =>
    Math.max(0, Math.round((nanoseconds / 1e6 - EVENT_LOOP_RESOLUTION_MS) * 100) / 100)
  return {
    p50Ms: lateness(histogram.percentile(50)),
    p99Ms: lateness(histogram.percentile(99)),
    maxMs: lateness(histogram.max),
    samples: histogram.count,
  }
}

const GENERATION_STATUSES = ['running', 'succeeded', 'failed'] as const

/**
 * A snapshot for operators: five aggregate queries (users, today's generations by status with
 * units, images, active and failed jobs, queue depth) plus in-memory process and provider state.
 * "Today" is the UTC day, as for quotas.
 */
export async function collectSystemMetrics(deps: AppDeps, now: number = Date.now()) {
  const { db } = deps
  const dayStart = new Date(startOfUtcDay(now))
  const [users, generations, images, jobs, queueDepth] = await Promise.all([
    db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('generations')
      .select((eb) => [
        'status',
        eb.fn.countAll<number | string>().as('count'),
        eb.fn.coalesce(eb.fn.sum<number | string>('units_charged'), eb.lit(0)).as('units'),
      ])
      .where('created_at', '>=', dayStart)
      .groupBy('status')
      .execute(),
    db
      .selectFrom('images')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('jobs')
      .select((eb) => ['status', eb.fn.countAll<number | string>().as('count')])
      .where((eb) =>
        eb.or([
          eb('status', 'in', ['queued', 'running']),
          eb.and([eb('status', '=', 'failed'), eb('created_at', '>=', dayStart)]),
        ]),
      )
      .groupBy('status')
      .execute(),
    readQueueDepth(deps),
  ])
  const generationsToday = Object.fromEntries(GENERATION_STATUSES.map((status) => [status, 0])) as Record<
    (typeof GENERATION_STATUSES)[number],
    number
  >
  let unitsChargedToday = 0
  for (const row of generations) {
    generationsToday[row.status] = Number(row.count)
    unitsChargedToday += Number(row.units)
  }
  const jobCount = (status: string) => Number(jobs.find((row) => row.status === status)?.count ?? 0)
  const memory = process.memoryUsage()
  return {
    at: new Date(now).toISOString(),
    version: deps.config.version,
    process: {
      pid: process.pid,
      uptimeSeconds: Math.round(process.uptime()),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      eventLoopDelay: eventLoopDelay(),
    },
    database: {
      kind: deps.databaseKind,
      users: Number(users.count),
      generationsToday: {
        ...generationsToday,
        total: GENERATION_STATUSES.reduce((sum, status) => sum + generationsToday[status], 0),
      },
      unitsChargedToday,
      imagesTotal: Number(images.count),
      jobs: { queued: jobCount('queued'), running: jobCount('running'), failedToday: jobCount('failed') },
    },
    queue: { depth: queueDepth },
    providers: providerStates(deps),
  }
}

export type SystemMetrics = Awaited<ReturnType<typeof collectSystemMetrics>>
