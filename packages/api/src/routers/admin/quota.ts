/**
 * @module `admin.quota`: reset a user's usage for today (the cooldown, and the warnings sent today).
 */
import { clearQuotaWarnings, findUserById } from '@nbl/db'
import { z } from 'zod'
import { notFound } from '../../errors.js'
import { idSchema } from '../../schemas.js'
import { recordAudit } from '../../services/auth/audit.js'
import { utcDay } from '../../services/quota/policy.js'
import { clientIpOf } from '../../services/rate-limit/enforce.js'
import { adminProcedure, router } from '../../trpc.js'

export const adminQuotaRouter = router({
  reset: adminProcedure.input(z.strictObject({ userId: idSchema })).mutation(async ({ input, ctx }) => {
    const row = await findUserById(ctx.deps.db, input.userId)
    if (!row) throw notFound('user')
    await ctx.deps.quota.reset(row.id)
    // A fresh day's budget warns afresh at 80 % and 100 %.
    await clearQuotaWarnings(ctx.deps.db, row.id, utcDay(Date.now()))
    await recordAudit(ctx.deps.db, {
      actorId: ctx.user.id,
      action: 'admin.quota.reset',
      targetType: 'user',
      targetId: row.id,
      ip: clientIpOf(ctx) ?? null,
    })
    return await ctx.deps.quota.state({ id: row.id, tier: row.tier })
  }),
})
