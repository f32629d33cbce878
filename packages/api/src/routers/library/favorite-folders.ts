/**
 * @module `library.favorites.folders`: named folders for favorites, unique by name per user.
 * Deleting one moves its favorites to "no folder" unless the caller asks to delete them too.
 */
import {
  createId,
  deleteFavoriteFolderForOwner,
  type FavoriteFolderWithCountRow,
  insertFavoriteFolder,
  isUniqueViolation,
  listFavoriteFoldersForOwner,
} from '@nbl/db'
import { z } from 'zod'
import { AppError, notFound } from '../../errors.js'
import { idSchema, type ListOutput, listInput } from '../../schemas.js'
import { authedProcedure, router } from '../../trpc.js'
import { withValidCursor } from './valid-cursor.js'

export interface FavoriteFolder {
  id: string
  name: string
  favoriteCount: number
  createdAt: string
}

export function folderRowToFolder(row: FavoriteFolderWithCountRow): FavoriteFolder {
  return {
    id: row.id,
    name: row.name,
    favoriteCount: row.favorite_count,
    createdAt: row.created_at.toISOString(),
  }
}

const folderDeleteInput = z.strictObject({
  folderId: idSchema,
  /** Delete the folder's favorites too; by default they move to "no folder". */
  deleteFavorites: z.boolean().default(false),
})

export const favoriteFoldersRouter = router({
  list: authedProcedure
    .input(listInput.default({ limit: 20 }))
    .query(async ({ input, ctx }): Promise<ListOutput<FavoriteFolder>> => {
      const page = await withValidCursor(() =>
        listFavoriteFoldersForOwner(ctx.deps.db, ctx.user.id, { limit: input.limit, cursor: input.cursor }),
      )
      return { items: page.items.map(folderRowToFolder), nextCursor: page.nextCursor }
    }),

  create: authedProcedure
    .input(z.strictObject({ name: z.string().trim().min(1).max(100) }))
    .mutation(async ({ input, ctx }): Promise<FavoriteFolder> => {
      try {
        const row = await insertFavoriteFolder(ctx.deps.db, {
          id: createId('fld'),
          user_id: ctx.user.id,
          name: input.name,
        })
        return folderRowToFolder({ ...row, favorite_count: 0 })
      } catch (error) {
        // The (user, name) unique constraint decides, so two racing creates cannot both win.
        if (isUniqueViolation(error)) {
          throw new AppError('VALIDATION', 'name: you already have a folder with this name', {
            fieldErrors: { name: ['you already have a folder with this name'] },
          })
        }
        throw error
      }
    }),

  /** `favorites`: how many favorites were moved to "no folder" (or deleted, with `deleteFavorites`). */
  delete: authedProcedure.input(folderDeleteInput).mutation(async ({ input, ctx }) => {
    const affected = await ctx.deps.db.transaction().execute((trx) =>
      deleteFavoriteFolderForOwner(trx, ctx.user.id, input.folderId, {
        deleteFavorites: input.deleteFavorites,
      }),
    )
    if (affected === undefined) throw notFound('folder')
    return { ok: true as const, favorites: affected }
  }),
})
