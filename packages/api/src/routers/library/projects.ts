/**
 * @module `library.projects`: named groups of the caller's images. Owner-filtered: another user's
 * project is NOT_FOUND and nothing changes. Deleting a project keeps its images in the library.
 */
import {
  createId,
  deleteProjectForOwner,
  findProjectForOwner,
  insertProject,
  listProjectsForOwner,
  type ProjectWithCountRow,
  updateProjectForOwner,
} from '@nbl/db'
import { z } from 'zod'
import { notFound } from '../../errors.js'
import { idSchema, type ListOutput, listInput } from '../../schemas.js'
import { authedProcedure, router } from '../../trpc.js'
import { projectImagesRouter } from './project-images.js'
import { withValidCursor } from './valid-cursor.js'

export interface Project {
  id: string
  name: string
  description: string | null
  imageCount: number
  createdAt: string
  /** Moves on rename and whenever images are added or removed. */
  updatedAt: string
}

export function projectRowToProject(row: ProjectWithCountRow): Project {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    imageCount: row.image_count,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}

const nameSchema = z.string().trim().min(1).max(200)
const descriptionSchema = z.string().trim().max(2000)
const projectIdInput = z.strictObject({ projectId: idSchema })

const projectUpdateInput = z
  .strictObject({
    projectId: idSchema,
    name: nameSchema.optional(),
    /** `null` clears it. */
    description: descriptionSchema.nullable().optional(),
  })
  .refine((input) => input.name !== undefined || input.description !== undefined, {
    path: ['name'],
    message: 'give a name or a description to change',
  })

export const projectsRouter = router({
  list: authedProcedure
    .input(listInput.default({ limit: 20 }))
    .query(async ({ input, ctx }): Promise<ListOutput<Project>> => {
      const page = await withValidCursor(() =>
        listProjectsForOwner(ctx.deps.db, ctx.user.id, { limit: input.limit, cursor: input.cursor }),
      )
      return { items: page.items.map(projectRowToProject), nextCursor: page.nextCursor }
    }),

  get: authedProcedure.input(projectIdInput).query(async ({ input, ctx }): Promise<Project> => {
    const row = await findProjectForOwner(ctx.deps.db, ctx.user.id, input.projectId)
    if (!row) throw notFound('project')
    return projectRowToProject(row)
  }),

  create: authedProcedure
    .input(z.strictObject({ name: nameSchema, description: descriptionSchema.optional() }))
    .mutation(async ({ input, ctx }): Promise<Project> => {
      const row = await insertProject(ctx.deps.db, {
        id: createId('prj'),
        user_id: ctx.user.id,
        name: input.name,
        description: input.description || null,
      })
      return projectRowToProject(row)
    }),

  update: authedProcedure.input(projectUpdateInput).mutation(async ({ input, ctx }): Promise<Project> => {
    const row = await updateProjectForOwner(ctx.deps.db, ctx.user.id, input.projectId, {
      name: input.name,
      // An empty description clears it, like `null`.
      description: input.description === undefined ? undefined : input.description || null,
    })
    if (!row) throw notFound('project')
    return projectRowToProject(row)
  }),

  delete: authedProcedure.input(projectIdInput).mutation(async ({ input, ctx }) => {
    if (!(await deleteProjectForOwner(ctx.deps.db, ctx.user.id, input.projectId))) throw notFound('project')
    return { ok: true as const }
  }),

  images: projectImagesRouter,
})
