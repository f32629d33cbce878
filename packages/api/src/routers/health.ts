/**
 * @module The `health` router: public probes (also served as plain `GET /health/*`).
 */
import { checkReadiness } from '../services/health.js'
import { publicProcedure, router } from '../trpc.js'

export const healthRouter = router({
  live: publicProcedure.query(() => ({ status: 'ok' as const })),

  ready: publicProcedure.query(async ({ ctx }) => {
    const readiness = await checkReadiness(ctx.deps)
    return { status: readiness.ready ? ('ok' as const) : ('unavailable' as const), ...readiness }
  }),

  detailed: publicProcedure.query(async ({ ctx }) => {
    const { deps } = ctx
    const readiness = await checkReadiness(deps)
    return {
      status: readiness.ready ? ('ok' as const) : ('unavailable' as const),
      version: deps.config.version,
      uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
      database: { kind: deps.databaseKind, ...readiness.checks.database },
      providers: deps.providers.listProviders().map((provider) => ({
        name: provider.name,
        enabled: provider.enabled,
        model: provider.model,
      })),
    }
  }),
})
