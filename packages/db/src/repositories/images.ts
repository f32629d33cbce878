/**
 * @module Images: the owner's library, newest first, with keyset pagination and filters.
 */
import type { ImageRow, NewImageRow } from '../schema.js'
import { assertPageLimit, decodeCursor, toPage } from './cursor.js'
import type { Executor } from './executor.js'

/** The image columns a client may see (never the generated `search` vector). */
export const IMAGE_COLUMNS = [
  'images.id',
  'images.user_id',
  'images.generation_id',
  'images.storage_key',
  'images.mime_type',
  'images.width',
  'images.height',
  'images.bytes',
  'images.prompt',
  'images.provider',
  'images.model',
  'images.chat_session_id',
  'images.parent_image_id',
  'images.created_at',
] as const

export async function insertImages(db: Executor, rows: NewImageRow[]): Promise<ImageRow[]> {
  if (rows.length === 0) return []
  return db.insertInto('images').values(rows).returning(IMAGE_COLUMNS).execute()
}

export async function findImageForOwner(
  db: Executor,
  userId: string,
  id: string,
): Promise<ImageRow | undefined> {
  return db
    .selectFrom('images')
    .select(IMAGE_COLUMNS)
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst()
}

/** The owner's images of one generation, in the order they were made; deleted ones are gone. */
export async function findImagesForGeneration(
  db: Executor,
  userId: string,
  generationId: string,
): Promise<ImageRow[]> {
  return db
    .selectFrom('images')
    .select(IMAGE_COLUMNS)
    .where('generation_id', '=', generationId)
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

/**
 * Which of these ids are the owner's images. Inside a transaction the rows stay share-locked until
 * it ends, so a concurrent delete cannot slip between this check and the writes that follow.
 */
export async function lockImageIdsForOwner(
  db: Executor,
  userId: string,
  ids: readonly string[],
): Promise<string[]> {
  if (ids.length === 0) return []
  const rows = await db
    .selectFrom('images')
    .select('id')
    .where('user_id', '=', userId)
    .where('id', 'in', ids)
    .forShare()
    .execute()
  return rows.map((row) => row.id)
}

/** Returns the deleted row (its `storage_key` is for the caller to clean up), or `undefined`. */
export async function deleteImageForOwner(
  db: Executor,
  userId: string,
  id: string,
): Promise<ImageRow | undefined> {
  return db
    .deleteFrom('images')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returning(IMAGE_COLUMNS)
    .executeTakeFirst()
}

export interface ListImagesOptions {
  limit: number
  cursor?: string | undefined
  provider?: string | undefined
  /** Inclusive lower bound on `created_at`. */
  from?: Date | undefined
  /** Exclusive upper bound on `created_at`. */
  to?: Date | undefined
  /** Case-insensitive substring of the prompt; `%` and `_` match themselves. */
  q?: string | undefined
  /** Only images in this project of the owner's (none for someone else's project). */
  projectId?: string | undefined
}

/**
 * The owner's images, newest first (`created_at desc, id desc`).
 * @throws {InvalidCursorError}
 */
export async function listImagesForOwner(
  db: Executor,
  userId: string,
  options: ListImagesOptions,
): Promise<{ items: ImageRow[]; nextCursor: string | null }> {
  assertPageLimit(options.limit)
  const { provider, from, to, q, projectId } = options
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
  const rows = await db
    .selectFrom('images')
    .select(IMAGE_COLUMNS)
    .where('user_id', '=', userId)
    .$if(after !== undefined, (query) =>
      query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after!.createdAt, after!.id))),
    )
    .$if(provider !== undefined, (query) => query.where('provider', '=', provider!))
    .$if(from !== undefined, (query) => query.where('created_at', '>=', from!))
    .$if(to !== undefined, (query) => query.where('created_at', '<', to!))
    .$if(q !== undefined && q !== '', (query) => query.where('prompt', 'ilike', `%${escapeLike(q!)}%`))
    .$if(projectId !== undefined, (query) =>
      query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('project_images')
            .select('project_images.image_id')
            .whereRef('project_images.image_id', '=', 'images.id')
            .where('project_images.project_id', '=', projectId!)
            .where('project_images.user_id', '=', userId),
        ),
      ),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute()
  return toPage(rows, options.limit)
}

/** Escapes LIKE wildcards with PostgreSQL's default escape character, the backslash. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`)
}
