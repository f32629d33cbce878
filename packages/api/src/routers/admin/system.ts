/**
 * @module `admin.system.status`: readiness of the database and Redis, queue depth, provider breakers.
 */
import { checkReadiness } from '../../services/health.js'
import { adminProcedure, router } from '../../trpc.js'

export const adminSystemRouter = router({
  status: adminProcedure.query(async ({ ctx }) => {
    const { deps } = ctx
    const readiness = await checkReadiness(deps)
    const { count } = await deps.db
      .selectFrom('job_items')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirstOrThrow()
    return {
      ready: readiness.ready,
      checks: readiness.checks,
      queue: { depth: Number(count) },
      providers: deps.providers.listProviders().map((entry) => ({
        name: entry.name,
        enabled: entry.enabled,
        breaker: entry.breaker,
      })),
      version: deps.config.version,
      uptimeMs: Date.now() - deps.startedAt,
    }
  }),
})
