/**
 * @module `account`: the caller's saved generation defaults and provider preferences. generate.image
 * and generate.search fill omitted fields from them; the router follows the provider order and
 * never tries an excluded provider (a pinned `provider` overrides both).
 */
import { upsertUserSettings } from '@nbl/db'
import { z } from 'zod'
import {
  aspectRatioSchema,
  outputFormatSchema,
  providerSchema,
  resolutionSchema,
  strategySchema,
} from '../schemas.js'
import { accountChanged } from '../services/account/account-cache.js'
import { loadPreferences, settingsFromRow } from '../services/account/settings.js'
import { authedProcedure, router } from '../trpc.js'

const providerList = z
  .array(providerSchema)
  .max(16)
  .transform((names) => [...new Set(names)])

export const accountRouter = router({
  settings: router({
    get: authedProcedure.query(async ({ ctx }) => (await loadPreferences(ctx.deps.db, ctx.user.id)).settings),

    /** Changes only the given fields; `null` clears one back to the built-in default. */
    update: authedProcedure
      .input(
        z.strictObject({
          resolution: resolutionSchema.nullable().optional(),
          aspectRatio: aspectRatioSchema.nullable().optional(),
          strategy: strategySchema.nullable().optional(),
          outputFormat: outputFormatSchema.nullable().optional(),
        }),
      )
      .mutation(async ({ input, ctx }) => {
        const row = await upsertUserSettings(ctx.deps.db, ctx.user.id, {
          ...(input.resolution !== undefined ? { resolution: input.resolution } : {}),
          ...(input.aspectRatio !== undefined ? { aspect_ratio: input.aspectRatio } : {}),
          ...(input.strategy !== undefined ? { strategy: input.strategy } : {}),
          ...(input.outputFormat !== undefined ? { output_format: input.outputFormat } : {}),
        })
        await accountChanged(ctx.deps, ctx.user.id)
        return settingsFromRow(row).settings
      }),
  }),

  providers: router({
    get: authedProcedure.query(
      async ({ ctx }) => (await loadPreferences(ctx.deps.db, ctx.user.id)).providers,
    ),

    /** Replaces the order and/or the exclusions given. */
    update: authedProcedure
      .input(z.strictObject({ order: providerList.optional(), exclude: providerList.optional() }))
      .mutation(async ({ input, ctx }) => {
        const row = await upsertUserSettings(ctx.deps.db, ctx.user.id, {
          ...(input.order ? { provider_order: input.order } : {}),
          ...(input.exclude ? { provider_exclude: input.exclude } : {}),
        })
        await accountChanged(ctx.deps, ctx.user.id)
        return settingsFromRow(row).providers
      }),
  }),
})
