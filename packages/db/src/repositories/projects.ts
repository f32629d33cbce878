/**
 * @module Projects and the images in them; every read and write is filtered by the owner, so
 * another user's project or image looks missing.
 */
import type { ImageRow, ProjectRow } from '../schema.js'
import { assertPageLimit, decodeCursor, encodeCursor } from './cursor.js'
import type { Executor } from './executor.js'
import { IMAGE_COLUMNS } from './images.js'

export type ProjectWithCountRow = ProjectRow & { image_count: number }

/** An image in a project, with when it was added. */
export type ProjectImageRow = ImageRow & { added_at: Date }

function projectsWithCount(db: Executor, userId: string) {
  return db
    .selectFrom('projects')
    .selectAll('projects')
    .select((eb) =>
      eb
        .selectFrom('project_images')
        .select((count) => count.fn.countAll<number>().as('n'))
        .whereRef('project_images.project_id', '=', 'projects.id')
        .as('image_count'),
    )
    .where('projects.user_id', '=', userId)
}

function withCount<Row extends { image_count: number | null }>(row: Row): Row & { image_count: number } {
  // count(*) is int8; the dialects read it as a number, but the scalar subquery may type as null.
  return { ...row, image_count: Number(row.image_count ?? 0) }
}

export async function insertProject(
  db: Executor,
  row: { id: string; user_id: string; name: string; description: string | null },
): Promise<ProjectWithCountRow> {
  const inserted = await db.insertInto('projects').values(row).returningAll().executeTakeFirstOrThrow()
  return { ...inserted, image_count: 0 }
}

/** The owner's project with its image count; `lock` share-locks it until the transaction ends. */
export async function findProjectForOwner(
  db: Executor,
  userId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<ProjectWithCountRow | undefined> {
  const row = await projectsWithCount(db, userId)
    .where('projects.id', '=', id)
    .$if(options.lock === true, (query) => query.forShare('projects'))
    .executeTakeFirst()
  return row && withCount(row)
}

/**
 * The owner's projects, most recently updated first (`updated_at desc, id desc`).
 * @throws {InvalidCursorError}
 */
export async function listProjectsForOwner(
  db: Executor,
  userId: string,
  options: { limit: number; cursor?: string | undefined },
): Promise<{ items: ProjectWithCountRow[]; nextCursor: string | null }> {
  assertPageLimit(options.limit)
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
  const rows = await projectsWithCount(db, userId)
    .$if(after !== undefined, (query) =>
      query.where((eb) =>
        eb(eb.refTuple('projects.updated_at', 'projects.id'), '<', eb.tuple(after!.createdAt, after!.id)),
      ),
    )
    .orderBy('projects.updated_at', 'desc')
    .orderBy('projects.id', 'desc')
    .limit(options.limit + 1)
    .execute()
  const items = rows.slice(0, options.limit).map(withCount)
  const last = items[items.length - 1]
  return {
    items,
    nextCursor:
      rows.length > options.limit && last ? encodeCursor({ createdAt: last.updated_at, id: last.id }) : null,
  }
}

/** Renames or re-describes the owner's project (bumping `updated_at`); `undefined` when it has none. */
export async function updateProjectForOwner(
  db: Executor,
  userId: string,
  id: string,
  changes: { name?: string | undefined; description?: string | null | undefined },
): Promise<ProjectWithCountRow | undefined> {
  const updated = await db
    .updateTable('projects')
    .set({
      updated_at: new Date(),
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
    })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returning('id')
    .executeTakeFirst()
  return updated && findProjectForOwner(db, userId, id)
}

/** Deletes the owner's project; its images stay in the library. `false` when it has no such project. */
export async function deleteProjectForOwner(db: Executor, userId: string, id: string): Promise<boolean> {
  const deleted = await db
    .deleteFrom('projects')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returning('id')
    .executeTakeFirst()
  return deleted !== undefined
}

async function touchProject(db: Executor, userId: string, id: string): Promise<void> {
  await db
    .updateTable('projects')
    .set({ updated_at: new Date() })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .execute()
}

/**
 * Adds images to the owner's project. Only pairs where both the project and the image are the
 * owner's are inserted (so it is safe against a project deleted meanwhile); images already in it are
 * skipped. Returns how many were added; the project's `updated_at` moves when any were.
 */
export async function addImagesToProject(
  db: Executor,
  userId: string,
  projectId: string,
  imageIds: readonly string[],
): Promise<number> {
  if (imageIds.length === 0) return 0
  const result = await db
    .insertInto('project_images')
    .columns(['project_id', 'image_id', 'user_id'])
    .expression((eb) =>
      eb
        .selectFrom('projects')
        .innerJoin('images', 'images.user_id', 'projects.user_id')
        .select(['projects.id', 'images.id as image_id', 'projects.user_id'])
        .where('projects.id', '=', projectId)
        .where('projects.user_id', '=', userId)
        .where('images.id', 'in', imageIds),
    )
    .onConflict((conflict) => conflict.columns(['project_id', 'image_id']).doNothing())
    .executeTakeFirst()
  const added = Number(result.numInsertedOrUpdatedRows ?? 0n)
  if (added > 0) await touchProject(db, userId, projectId)
  return added
}

/** Takes images out of the owner's project (they stay in the library); returns how many were in it. */
export async function removeImagesFromProject(
  db: Executor,
  userId: string,
  projectId: string,
  imageIds: readonly string[],
): Promise<number> {
  if (imageIds.length === 0) return 0
  const result = await db
    .deleteFrom('project_images')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('image_id', 'in', imageIds)
    .executeTakeFirst()
  const removed = Number(result.numDeletedRows)
  if (removed > 0) await touchProject(db, userId, projectId)
  return removed
}

/**
 * The images of the owner's project, most recently added first (`added_at desc, image id desc`).
 * @throws {InvalidCursorError}
 */
export async function listProjectImagesForOwner(
  db: Executor,
  userId: string,
  projectId: string,
  options: { limit: number; cursor?: string | undefined },
): Promise<{ items: ProjectImageRow[]; nextCursor: string | null }> {
  assertPageLimit(options.limit)
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
  const rows = await db
    .selectFrom('project_images')
    .innerJoin('images', 'images.id', 'project_images.image_id')
    .select(IMAGE_COLUMNS)
    .select('project_images.added_at')
    .where('project_images.project_id', '=', projectId)
    .where('project_images.user_id', '=', userId)
    .where('images.user_id', '=', userId)
    .$if(after !== undefined, (query) =>
      query.where((eb) =>
        eb(
          eb.refTuple('project_images.added_at', 'project_images.image_id'),
          '<',
          eb.tuple(after!.createdAt, after!.id),
        ),
      ),
    )
    .orderBy('project_images.added_at', 'desc')
    .orderBy('project_images.image_id', 'desc')
    .limit(options.limit + 1)
    .execute()
  const items = rows.slice(0, options.limit)
  const last = items[items.length - 1]
  return {
    items,
    nextCursor:
      rows.length > options.limit && last ? encodeCursor({ createdAt: last.added_at, id: last.id }) : null,
  }
}
