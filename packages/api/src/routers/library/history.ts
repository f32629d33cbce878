/**
 * @module `library.history`: the caller's generated images (owner-filtered; another user's id is NOT_FOUND).
 */
import { deleteImageForOwner, findImageForOwner, InvalidCursorError, listImagesForOwner } from '@nbl/db'
import { z } from 'zod'
import { AppError, notFound } from '../../errors.js'
import { idSchema, type ListOutput, listInput, providerSchema } from '../../schemas.js'
import { type Image, imageRowToImage } from '../../services/images/image-output.js'
import { authedProcedure, router } from '../../trpc.js'

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
    // Projects do not exist yet, so no image belongs to one: the filter is accepted (API.md lists
    // it) and matches nothing.
    if (input.projectId !== undefined) return { items: [], nextCursor: null }
    try {
      const page = await listImagesForOwner(ctx.deps.db, ctx.user.id, {
        limit: input.limit,
        ...(input.cursor ? { cursor: input.cursor } : {}),
        ...(input.provider ? { provider: input.provider } : {}),
        ...(input.from ? { from: new Date(input.from) } : {}),
        ...(input.to ? { to: new Date(input.to) } : {}),
        ...(input.q ? { q: input.q } : {}),
      })
      return {
        items: page.items.map((row) => imageRowToImage(row, ctx.deps, ctx.origin)),
        nextCursor: page.nextCursor,
      }
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw new AppError('VALIDATION', 'cursor: invalid cursor', {
          fieldErrors: { cursor: ['invalid cursor'] },
        })
      }
      throw error
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
