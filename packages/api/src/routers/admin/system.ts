/**
 * @module `admin.system`: `status` (readiness of the database and Redis, queue depth, provider
 * breakers) and `metrics` (process, database aggregates, queue, providers).
 */
import {
  collectSystemMetrics,
  eventLoopDelayMonitor,
  providerStates,
  readQueueDepth,
} from '../../services/admin/system-snapshot.js'
import { checkReadiness } from '../../services/health.js'
import { adminProcedure, router } from '../../trpc.js'

// Sample the event loop from start-up, so the first metrics call already has a distribution.
eventLoopDelayMonitor()

export const adminSystemRouter = router({
  status: adminProcedure.query(async ({ ctx }) => {
    const { deps } = ctx
    const [readiness, depth] = await Promise.all([checkReadiness(deps), readQueueDepth(deps)])
    return {
      ready: readiness.ready,
      checks: readiness.checks,
      queue: { depth },
      providers: providerStates(deps),
      version: deps.config.version,
      uptimeMs: Date.now() - deps.startedAt,
    }
  }),

  /** A JSON snapshot for operators; a handful of aggregate queries, nothing per row. */
  metrics: adminProcedure.query(({ ctx }) => collectSystemMetrics(ctx.deps)),
})
