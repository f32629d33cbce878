/**
 * @module Favorites and their folders; every read and write is filtered by the owner, so another
 * user's image or folder looks missing.
 */
import type { Expression, SqlBool } from 'kysely'
import type { FavoriteFolderRow, ImageRow } from '../schema.js'
import { assertPageLimit, decodeCursor, encodeCursor, toPage } from './cursor.js'
import type { Executor } from './executor.js'
import { IMAGE_COLUMNS } from './images.js'

/** A favorited image with where and when it was favorited. */
export type FavoriteImageRow = ImageRow & { folder_id: string | null; favorited_at: Date }

export type FavoriteFolderWithCountRow = FavoriteFolderRow & { favorite_count: number }

export interface ListFavoritesOptions {
  limit: number
  cursor?: string | undefined
  /** A folder's favorites; `null` for those in no folder; absent for all. */
  folderId?: string | null | undefined
}

function favoriteImages(db: Executor, userId: string) {
  return db
    .selectFrom('favorites')
    .innerJoin('images', 'images.id', 'favorites.image_id')
    .select(IMAGE_COLUMNS)
    .select(['favorites.folder_id', 'favorites.created_at as favorited_at'])
    .where('favorites.user_id', '=', userId)
    .where('images.user_id', '=', userId)
}

export async function findFavoriteForOwner(
  db: Executor,
  userId: string,
  imageId: string,
): Promise<FavoriteImageRow | undefined> {
  return favoriteImages(db, userId).where('favorites.image_id', '=', imageId).executeTakeFirst()
}

/**
 * The owner's favorites, most recently favorited first (`favorited_at desc, image id desc`).
 * @throws {InvalidCursorError}
 */
export async function listFavoritesForOwner(
  db: Executor,
  userId: string,
  options: ListFavoritesOptions,
): Promise<{ items: FavoriteImageRow[]; nextCursor: string | null }> {
  assertPageLimit(options.limit)
  const { folderId } = options
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
  const rows = await favoriteImages(db, userId)
    .$if(after !== undefined, (query) =>
      query.where((eb) =>
        eb(
          eb.refTuple('favorites.created_at', 'favorites.image_id'),
          '<',
          eb.tuple(after!.createdAt, after!.id),
        ),
      ),
    )
    .$if(folderId === null, (query) => query.where('favorites.folder_id', 'is', null))
    .$if(typeof folderId === 'string', (query) => query.where('favorites.folder_id', '=', folderId!))
    .orderBy('favorites.created_at', 'desc')
    .orderBy('favorites.image_id', 'desc')
    .limit(options.limit + 1)
    .execute()
  if (rows.length <= options.limit) return { items: rows, nextCursor: null }
  const items = rows.slice(0, options.limit)
  const last = items[items.length - 1]!
  return { items, nextCursor: encodeCursor({ createdAt: last.favorited_at, id: last.id }) }
}

/**
 * Favorites the images (the caller checked they are the owner's). An image already favorited keeps
 * its date; with `folderId` (a folder, or `null` for none) it is moved there, without it it stays
 * where it is. Returns how many favorites were added or moved.
 */
export async function upsertFavorites(
  db: Executor,
  userId: string,
  imageIds: readonly string[],
  folderId?: string | null,
): Promise<number> {
  if (imageIds.length === 0) return 0
  const result = await db
    .insertInto('favorites')
    .values(imageIds.map((imageId) => ({ user_id: userId, image_id: imageId, folder_id: folderId ?? null })))
    .onConflict((conflict) =>
      folderId === undefined
        ? conflict.columns(['user_id', 'image_id']).doNothing()
        : conflict
            .columns(['user_id', 'image_id'])
            .doUpdateSet((eb) => ({ folder_id: eb.ref('excluded.folder_id') }))
            // Only a real move counts as a change.
            .where((eb) => eb('favorites.folder_id', 'is distinct from', eb.ref('excluded.folder_id'))),
    )
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0n)
}

/** Moves the owner's favorites among these images to `folderId` (`null`: no folder); returns how many moved. */
export async function moveFavorites(
  db: Executor,
  userId: string,
  imageIds: readonly string[],
  folderId: string | null,
): Promise<number> {
  if (imageIds.length === 0) return 0
  const result = await db
    .updateTable('favorites')
    .set({ folder_id: folderId })
    .where('user_id', '=', userId)
    .where('image_id', 'in', imageIds)
    .where((eb) => eb('folder_id', 'is distinct from', folderId) as Expression<SqlBool>)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** The owner's favorites among these images (with `forUpdate`, locked until the transaction ends). */
export async function findFavoritedImageIds(
  db: Executor,
  userId: string,
  imageIds: readonly string[],
): Promise<string[]> {
  if (imageIds.length === 0) return []
  const rows = await db
    .selectFrom('favorites')
    .select('image_id')
    .where('user_id', '=', userId)
    .where('image_id', 'in', imageIds)
    .forUpdate()
    .execute()
  return rows.map((row) => row.image_id)
}

/** Unfavorites these images of the owner; returns how many were favorites. */
export async function deleteFavorites(
  db: Executor,
  userId: string,
  imageIds: readonly string[],
): Promise<number> {
  if (imageIds.length === 0) return 0
  const result = await db
    .deleteFrom('favorites')
    .where('user_id', '=', userId)
    .where('image_id', 'in', imageIds)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** Throws PostgreSQL's unique_violation (see `isUniqueViolation`) when the owner has a folder of that name. */
export async function insertFavoriteFolder(
  db: Executor,
  row: { id: string; user_id: string; name: string },
): Promise<FavoriteFolderRow> {
  return db.insertInto('favorite_folders').values(row).returningAll().executeTakeFirstOrThrow()
}

/** The owner's folder; `lock` holds it (share lock) until the transaction ends, so it cannot vanish. */
export async function findFavoriteFolderForOwner(
  db: Executor,
  userId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<FavoriteFolderRow | undefined> {
  return db
    .selectFrom('favorite_folders')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .$if(options.lock === true, (query) => query.forShare())
    .executeTakeFirst()
}

/**
 * The owner's folders with how many favorites each holds, newest first (`created_at desc, id desc`).
 * @throws {InvalidCursorError}
 */
export async function listFavoriteFoldersForOwner(
  db: Executor,
  userId: string,
  options: { limit: number; cursor?: string | undefined },
): Promise<{ items: FavoriteFolderWithCountRow[]; nextCursor: string | null }> {
  assertPageLimit(options.limit)
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
  const rows = await db
    .selectFrom('favorite_folders')
    .selectAll('favorite_folders')
    .select((eb) =>
      eb
        .selectFrom('favorites')
        .select((count) => count.fn.countAll<number>().as('n'))
        .whereRef('favorites.folder_id', '=', 'favorite_folders.id')
        .as('favorite_count'),
    )
    .where('favorite_folders.user_id', '=', userId)
    .$if(after !== undefined, (query) =>
      query.where((eb) =>
        eb(
          eb.refTuple('favorite_folders.created_at', 'favorite_folders.id'),
          '<',
          eb.tuple(after!.createdAt, after!.id),
        ),
      ),
    )
    .orderBy('favorite_folders.created_at', 'desc')
    .orderBy('favorite_folders.id', 'desc')
    .limit(options.limit + 1)
    .execute()
  return toPage(
    rows.map((row) => ({ ...row, favorite_count: Number(row.favorite_count ?? 0) })),
    options.limit,
  )
}

/**
 * Deletes the owner's folder. Its favorites move to "no folder" (the foreign key's `set null`), or
 * are deleted with it when `deleteFavorites` is set. Run it in a transaction so both go together.
 * Returns `undefined` when the owner has no such folder, else how many favorites were moved or deleted.
 */
export async function deleteFavoriteFolderForOwner(
  db: Executor,
  userId: string,
  id: string,
  options: { deleteFavorites: boolean },
): Promise<number | undefined> {
  const folder = await db
    .selectFrom('favorite_folders')
    .select('id')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirst()
  if (!folder) return undefined
  const affected = options.deleteFavorites
    ? await db
        .deleteFrom('favorites')
        .where('user_id', '=', userId)
        .where('folder_id', '=', id)
        .executeTakeFirst()
        .then((result) => Number(result.numDeletedRows))
    : await db
        .updateTable('favorites')
        .set({ folder_id: null })
        .where('user_id', '=', userId)
        .where('folder_id', '=', id)
        .executeTakeFirst()
        .then((result) => Number(result.numUpdatedRows))
  await db.deleteFrom('favorite_folders').where('id', '=', id).where('user_id', '=', userId).execute()
  return affected
}
