/**
 * @module The `quota` router: the caller's state, a dry-run check, and the public tiers table.
 */
import { z } from 'zod'
import { resolutionSchema } from '../schemas.js'
import { TIERS, unitsForVideo, unitsPerImage } from '../services/quota/policy.js'
import { authedProcedure, publicProcedure, router } from '../trpc.js'

const checkInput = z
  .strictObject({
    kind: z.enum(['image', 'search', 'video']).default('image'),
    resolution: resolutionSchema.default('1K'),
    count: z.number().int().min(1).max(100).default(1),
    durationSec: z.union([z.literal(5), z.literal(10)]).default(5),
  })
  .default({ kind: 'image', resolution: '1K', count: 1, durationSec: 5 })

export const quotaRouter = router({
  status: authedProcedure.query(async ({ ctx }) => {
    const { quota } = ctx.deps
    const state = await quota.state({ id: ctx.user.id, tier: ctx.user.tier })
    return {
      ...state,
      costs: {
        image: quota.costs.imageByResolution,
        searchGroundingPerImage: quota.costs.searchGroundingPerImage,
        videoPerFiveSeconds: quota.costs.videoPerFiveSeconds,
      },
    }
  }),

  check: authedProcedure.input(checkInput).query(async ({ input, ctx }) => {
    const { quota } = ctx.deps
    const subject = { id: ctx.user.id, tier: ctx.user.tier }
    const cost =
      input.kind === 'video'
        ? unitsForVideo(quota.costs, input.durationSec) * input.count
        : unitsPerImage(quota.costs, input.resolution, input.kind === 'search') * input.count
    const resolutionAllowed =
      input.kind === 'video'
        ? { ok: true as const }
        : quota.assertResolutionAllowed(subject, input.resolution)
    const verdict = resolutionAllowed.ok ? await quota.check(subject, cost) : resolutionAllowed
    if (verdict.ok) return { allowed: true, cost }
    return {
      allowed: false,
      cost,
      appCode: verdict.error.appCode,
      message: verdict.error.message,
      ...(verdict.error.details.retryAfterMs !== undefined
        ? { retryAfterMs: verdict.error.details.retryAfterMs }
        : {}),
    }
  }),

  config: publicProcedure.query(({ ctx }) =>
    TIERS.map((tier) => {
      const policy = ctx.deps.quota.policyFor(tier)
      return {
        tier,
        dailyLimit: policy.dailyLimit,
        cooldownSeconds: policy.cooldownSeconds,
        maxBatch: policy.maxBatch,
        maxResolution: policy.maxResolution,
      }
    }),
  ),
})
