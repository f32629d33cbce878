/**
 * @module `library.history`: the caller's generated images (owner-filtered; another user's id is NOT_FOUND).
 */
import { deleteImageForOwner, findImageForOwner, InvalidCursorError, listImagesForOwner } from '@nbl/db'
import { z } from 'zod'
import { AppError, notFound } from '../../errors.js'
import { idSchema, type ListOutput, listInput, providerSchema } from '../../schemas.js'
import { type Image, imageRowToImage } from '../../services/images/image-output.js'
import { authedProcedure, router } from '../../trpc.js'

const historyListInput = listInput
  .extend({
    provider: providerSchema.optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    q: z.string().trim().min(1).max(200).optional(),
  })
  .default({ limit: 20 })

const imageIdInput = z.strictObject({ imageId: idSchema })

export const historyRouter = router({
  list: authedProcedure.input(historyListInput).query(async ({ input, ctx }): Promise<ListOutput<Image>> => {
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
