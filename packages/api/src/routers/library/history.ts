/**
 * @module `library.history`: the caller's generated images (owner-filtered; another user's id is NOT_FOUND).
 */
import { deleteImageForOwner, findImageForOwner, findProjectForOwner, listImagesForOwner } from '@nbl/db'
import { z } from 'zod'
import { notFound } from '../../errors.js'
import { idSchema, type ListOutput, listInput, providerSchema } from '../../schemas.js'
import { type Image, imageRowToImage } from '../../services/images/image-output.js'
import { authedProcedure, router } from '../../trpc.js'
import { withValidCursor } from './valid-cursor.js'

/** An ISO date-time whose instant falls in years 1..9999, the range PostgreSQL and our cursors take. */
const boundSchema = (field: string) =>
  z.iso.datetime({ offset: true }).refine(
    (value) => {
      const year = new Date(value).getUTCFullYear()
      return year >= 1 && year <= 9999
    },
    { message: `${field} must fall between the years 0001 and 9999 (UTC)` },
  )

const historyListInput = listInput
  .extend({
    provider: providerSchema.optional(),
    projectId: idSchema.optional(),
    from: boundSchema('from').optional(),
    to: boundSchema('to').optional(),
    q: z.string().trim().min(1).max(200).optional(),
  })
  .default({ limit: 20 })

const imageIdInput = z.strictObject({ imageId: idSchema })

export const historyRouter = router({
  list: authedProcedure.input(historyListInput).query(async ({ input, ctx }): Promise<ListOutput<Image>> => {
    // Another user's project (or none) is NOT_FOUND, like everywhere else, rather than an empty page.
    if (
      input.projectId !== undefined &&
      !(await findProjectForOwner(ctx.deps.db, ctx.user.id, input.projectId))
    )
      throw notFound('project')
    const page = await withValidCursor(() =>
      listImagesForOwner(ctx.deps.db, ctx.user.id, {
        limit: input.limit,
        ...(input.cursor ? { cursor: input.cursor } : {}),
        ...(input.provider ? { provider: input.provider } : {}),
        ...(input.projectId ? { projectId: input.projectId } : {}),
        ...(input.from ? { from: new Date(input.from) } : {}),
        ...(input.to ? { to: new Date(input.to) } : {}),
        ...(input.q ? { q: input.q } : {}),
      }),
    )
    return {
      items: page.items.map((row) => imageRowToImage(row, ctx.deps, ctx.origin)),
      nextCursor: page.nextCursor,
    }
  }),

  get: authedProcedure.input(imageIdInput).query(async ({ input, ctx }) => {
    const row = await findImageForOwner(ctx.deps.db, ctx.user.id, input.imageId)
    if (!row) throw notFound('image')
    return imageRowToImage(row, ctx.deps, ctx.origin)
  }),

  delete: authedProcedure.input(imageIdInput).mutation(async ({ input, ctx }) => {
    const row = await deleteImageForOwner(ctx.deps.db, ctx.user.id, input.imageId)
    if (!row) throw notFound('image')
    await ctx.deps.storage.delete(row.storage_key)
    return { ok: true as const }
  }),
})
