/**
 * @module `library.projects.images`: which of the caller's images a project holds. Adding and
 * removing are all or nothing: if the project or any image is not the caller's, nothing changes.
 */
import {
  addImagesToProject,
  type Executor,
  findProjectForOwner,
  listProjectImagesForOwner,
  lockImageIdsForOwner,
  type ProjectImageRow,
  removeImagesFromProject,
} from '@nbl/db'
import { z } from 'zod'
import type { AppDeps } from '../../deps.js'
import { notFound } from '../../errors.js'
import { idSchema, type ListOutput, listInput } from '../../schemas.js'
import { type Image, imageRowToImage } from '../../services/images/image-output.js'
import { authedProcedure, router } from '../../trpc.js'
import { withValidCursor } from './valid-cursor.js'

export interface ProjectImage extends Image {
  addedAt: string
}

export function projectImageRowToProjectImage(
  row: ProjectImageRow,
  deps: AppDeps,
  origin: string,
): ProjectImage {
  return { ...imageRowToImage(row, deps, origin), addedAt: row.added_at.toISOString() }
}

const projectImagesInput = z.strictObject({
  projectId: idSchema,
  imageIds: z
    .array(idSchema)
    .min(1)
    .max(100)
    .transform((ids) => [...new Set(ids)]),
})

/** NOT_FOUND unless the project and every image are the owner's; all stay locked until the transaction ends. */
async function assertProjectAndImages(
  db: Executor,
  userId: string,
  projectId: string,
  imageIds: string[],
): Promise<void> {
  if (!(await findProjectForOwner(db, userId, projectId, { lock: true }))) throw notFound('project')
  const owned = await lockImageIdsForOwner(db, userId, imageIds)
  if (owned.length !== imageIds.length) throw notFound('image')
}

export const projectImagesRouter = router({
  /** Most recently added first. */
  list: authedProcedure
    .input(listInput.extend({ projectId: idSchema }))
    .query(async ({ input, ctx }): Promise<ListOutput<ProjectImage>> => {
      const { db } = ctx.deps
      if (!(await findProjectForOwner(db, ctx.user.id, input.projectId))) throw notFound('project')
      const page = await withValidCursor(() =>
        listProjectImagesForOwner(db, ctx.user.id, input.projectId, {
          limit: input.limit,
          cursor: input.cursor,
        }),
      )
      return {
        items: page.items.map((row) => projectImageRowToProjectImage(row, ctx.deps, ctx.origin)),
        nextCursor: page.nextCursor,
      }
    }),

  /** `count`: images newly added (ones already in the project are not counted). */
  add: authedProcedure.input(projectImagesInput).mutation(async ({ input, ctx }) => {
    const userId = ctx.user.id
    const count = await ctx.deps.db.transaction().execute(async (trx) => {
      await assertProjectAndImages(trx, userId, input.projectId, input.imageIds)
      return addImagesToProject(trx, userId, input.projectId, input.imageIds)
    })
    return { count }
  }),

  /** `count`: images taken out (ones not in the project are not counted); they stay in the library. */
  remove: authedProcedure.input(projectImagesInput).mutation(async ({ input, ctx }) => {
    const userId = ctx.user.id
    const count = await ctx.deps.db.transaction().execute(async (trx) => {
      await assertProjectAndImages(trx, userId, input.projectId, input.imageIds)
      return removeImagesFromProject(trx, userId, input.projectId, input.imageIds)
    })
    return { count }
  }),
})
