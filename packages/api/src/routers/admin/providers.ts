/**
 * @module `admin.providers`: the registered providers with breaker and health; enable or disable one.
 */
import { z } from 'zod'
import { notFound } from '../../errors.js'
import { providerSchema } from '../../schemas.js'
import { setProviderEnabled } from '../../services/admin/provider-control.js'
import { recordAudit } from '../../services/auth/audit.js'
import { clientIpOf } from '../../services/rate-limit/enforce.js'
import { adminProcedure, router } from '../../trpc.js'

export const adminProvidersRouter = router({
  list: adminProcedure.query(({ ctx }) => ({ items: ctx.deps.providers.listProviders() })),

  /**
   * Takes effect here at once and on the other instances through the event bus (each server
   * subscribes with followProviderControl at start).
   */
  setEnabled: adminProcedure
    .input(z.strictObject({ provider: providerSchema, enabled: z.boolean() }))
    .mutation(async ({ input, ctx }) => {
      if (!(await setProviderEnabled(ctx.deps, input.provider, input.enabled))) throw notFound('provider')
      await recordAudit(ctx.deps.db, {
        actorId: ctx.user.id,
        action: 'admin.providers.setEnabled',
        targetType: 'provider',
        targetId: input.provider,
        ip: clientIpOf(ctx) ?? null,
        details: { enabled: input.enabled },
      })
      const listing = ctx.deps.providers.listProviders().find((entry) => entry.name === input.provider)
      return { provider: input.provider, enabled: listing?.enabled ?? input.enabled }
    }),
})
