/**
 * @module `library.favorites`: the caller's favorite images, optionally filed in folders. Owner-
 * filtered: another user's image or folder is NOT_FOUND, and a bulk call naming one changes nothing.
 */
import {
  deleteFavorites,
  type Executor,
  type FavoriteImageRow,
  findFavoritedImageIds,
  findFavoriteFolderForOwner,
  findFavoriteForOwner,
  findImageForOwner,
  listFavoritesForOwner,
  lockImageIdsForOwner,
  moveFavorites,
  upsertFavorites,
} from '@nbl/db'
import { z } from 'zod'
import type { AppDeps } from '../../deps.js'
import { AppError, notFound } from '../../errors.js'
import { idSchema, type ListOutput, listInput } from '../../schemas.js'
import { type Image, imageRowToImage } from '../../services/images/image-output.js'
import { authedProcedure, router } from '../../trpc.js'
import { favoriteFoldersRouter } from './favorite-folders.js'
import { withValidCursor } from './valid-cursor.js'

export interface FavoriteImage extends Image {
  /** The folder it is filed in, or `null`. */
  folderId: string | null
  favoritedAt: string
}

export function favoriteRowToFavoriteImage(
  row: FavoriteImageRow,
  deps: AppDeps,
  origin: string,
): FavoriteImage {
  return {
    ...imageRowToImage(row, deps, origin),
    folderId: row.folder_id,
    favoritedAt: row.favorited_at.toISOString(),
  }
}

/** A folder, `null` for "no folder"; absent leaves the choice to the procedure. */
const folderIdSchema = idSchema.nullable()

const favoritesListInput = listInput
  .extend({
    /** Only this folder's favorites; `null` for those in no folder. */
    folderId: folderIdSchema.optional(),
  })
  .default({ limit: 20 })

const favoritesAddInput = z.strictObject({
  imageId: idSchema,
  /** File it here (`null`: no folder); without it a new favorite goes in no folder, an old one stays put. */
  folderId: folderIdSchema.optional(),
})

const favoritesBulkInput = z
  .strictObject({
    action: z.enum(['add', 'remove', 'move']),
    imageIds: z
      .array(idSchema)
      .min(1)
      .max(100)
      .transform((ids) => [...new Set(ids)]),
    /** add: the folder to file them in; move: the destination (`null` or absent: no folder). */
    folderId: folderIdSchema.optional(),
  })
  .refine((input) => input.action !== 'remove' || input.folderId == null, {
    path: ['folderId'],
    message: 'folderId does not apply to remove',
  })

/** NOT_FOUND unless `folderId` (when a folder) is the owner's; the folder stays locked until the transaction ends. */
async function assertFolder(
  db: Executor,
  userId: string,
  folderId: string | null | undefined,
): Promise<void> {
  if (typeof folderId !== 'string') return
  if (!(await findFavoriteFolderForOwner(db, userId, folderId, { lock: true }))) throw notFound('folder')
}

/** NOT_FOUND unless every image is the owner's; they stay locked until the transaction ends. */
async function assertImages(db: Executor, userId: string, imageIds: string[]): Promise<void> {
  const owned = await lockImageIdsForOwner(db, userId, imageIds)
  if (owned.length !== imageIds.length) throw notFound('image')
}

export const favoritesRouter = router({
  list: authedProcedure
    .input(favoritesListInput)
    .query(async ({ input, ctx }): Promise<ListOutput<FavoriteImage>> => {
      const { db } = ctx.deps
      if (
        typeof input.folderId === 'string' &&
        !(await findFavoriteFolderForOwner(db, ctx.user.id, input.folderId))
      )
        throw notFound('folder')
      const page = await withValidCursor(() =>
        listFavoritesForOwner(db, ctx.user.id, {
          limit: input.limit,
          cursor: input.cursor,
          folderId: input.folderId,
        }),
      )
      return {
        items: page.items.map((row) => favoriteRowToFavoriteImage(row, ctx.deps, ctx.origin)),
        nextCursor: page.nextCursor,
      }
    }),

  /** Idempotent: favoriting a favorite again changes nothing (except its folder, when one is given). */
  add: authedProcedure.input(favoritesAddInput).mutation(async ({ input, ctx }): Promise<FavoriteImage> => {
    const userId = ctx.user.id
    const row = await ctx.deps.db.transaction().execute(async (trx) => {
      await assertImages(trx, userId, [input.imageId])
      await assertFolder(trx, userId, input.folderId)
      await upsertFavorites(trx, userId, [input.imageId], input.folderId)
      return findFavoriteForOwner(trx, userId, input.imageId)
    })
    if (!row) throw notFound('image')
    return favoriteRowToFavoriteImage(row, ctx.deps, ctx.origin)
  }),

  /** Idempotent for the caller's own images; another user's image is NOT_FOUND. */
  remove: authedProcedure.input(z.strictObject({ imageId: idSchema })).mutation(async ({ input, ctx }) => {
    const { db } = ctx.deps
    if (!(await findImageForOwner(db, ctx.user.id, input.imageId))) throw notFound('image')
    const removed = await deleteFavorites(db, ctx.user.id, [input.imageId])
    return { ok: true as const, removed: removed > 0 }
  }),

  /**
   * All or nothing, in one transaction: if any image (or the folder) is not the caller's, or `move`
   * names an image that is no favorite, nothing changes. `count` is how many favorites were added,
   * moved or removed (ones already in the asked state are not counted).
   */
  bulk: authedProcedure.input(favoritesBulkInput).mutation(async ({ input, ctx }) => {
    const userId = ctx.user.id
    const count = await ctx.deps.db.transaction().execute(async (trx) => {
      await assertImages(trx, userId, input.imageIds)
      await assertFolder(trx, userId, input.folderId)
      switch (input.action) {
        case 'add':
          return upsertFavorites(trx, userId, input.imageIds, input.folderId)
        case 'remove':
          return deleteFavorites(trx, userId, input.imageIds)
        case 'move': {
          const favorited = await findFavoritedImageIds(trx, userId, input.imageIds)
          if (favorited.length !== input.imageIds.length) {
            const missing = input.imageIds.filter((id) => !favorited.includes(id))
            throw new AppError('NOT_FOUND', `favorite not found: ${missing.join(', ')}`)
          }
          return moveFavorites(trx, userId, input.imageIds, input.folderId ?? null)
        }
      }
    })
    return { count }
  }),

  folders: favoriteFoldersRouter,
})
