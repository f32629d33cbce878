/**
 * @module `library.templates`: prompts with `{{variables}}` and default options. The caller's own
 * and public ones are readable and usable; only the owner may change or delete one.
 */
import {
  createId,
  deleteTemplateForOwner,
  findVisibleTemplate,
  insertTemplate,
  listPublicTemplates,
  listTemplatesForOwner,
} from '@nbl/db'
import { notFound } from '../../errors.js'
import type { ListOutput } from '../../schemas.js'
import { pageOrInvalidCursor } from '../../services/prompts/list-page.js'
import {
  templateCreateInput,
  templateIdInput,
  templateListInput,
  templateUpdateInput,
  templateUseInput,
} from '../../services/prompts/template-inputs.js'
import {
  type Template,
  templateRowToTemplate,
  templateTexts,
} from '../../services/prompts/template-output.js'
import { assertTemplateVariables } from '../../services/prompts/template-variables.js'
import { updateTemplateCore } from '../../services/prompts/update-template.js'
import { useTemplateCore } from '../../services/prompts/use-template.js'
import { authedProcedure, router } from '../../trpc.js'

export const templatesRouter = router({
  /** The caller's templates, newest first. */
  list: authedProcedure
    .input(templateListInput)
    .query(async ({ input, ctx }): Promise<ListOutput<Template>> => {
      const page = await pageOrInvalidCursor(
        listTemplatesForOwner(ctx.deps.db, ctx.user.id, {
          limit: input.limit,
          cursor: input.cursor,
          category: input.category,
        }),
      )
      return {
        items: page.items.map((row) => templateRowToTemplate(row, ctx.user.id)),
        nextCursor: page.nextCursor,
      }
    }),

  /** Every user's public templates, newest first. */
  listPublic: authedProcedure
    .input(templateListInput)
    .query(async ({ input, ctx }): Promise<ListOutput<Template>> => {
      const page = await pageOrInvalidCursor(
        listPublicTemplates(ctx.deps.db, {
          limit: input.limit,
          cursor: input.cursor,
          category: input.category,
        }),
      )
      return {
        items: page.items.map((row) => templateRowToTemplate(row, ctx.user.id)),
        nextCursor: page.nextCursor,
      }
    }),

  get: authedProcedure.input(templateIdInput).query(async ({ input, ctx }) => {
    const row = await findVisibleTemplate(ctx.deps.db, ctx.user.id, input.templateId)
    if (!row) throw notFound('template')
    return templateRowToTemplate(row, ctx.user.id)
  }),

  create: authedProcedure.input(templateCreateInput).mutation(async ({ input, ctx }) => {
    assertTemplateVariables(input.prompt, input.variables)
    await ctx.deps.moderation.assertAllowed({
      texts: templateTexts(input),
      purpose: input.isPublic ? 'public' : 'generation',
      logger: ctx.deps.logger,
    })
    const row = await insertTemplate(ctx.deps.db, {
      id: createId('tpl'),
      userId: ctx.user.id,
      name: input.name,
      description: input.description ?? null,
      prompt: input.prompt,
      variables: input.variables,
      options: input.options,
      category: input.category ?? null,
      isPublic: input.isPublic,
    })
    return templateRowToTemplate(row, ctx.user.id)
  }),

  update: authedProcedure
    .input(templateUpdateInput)
    .mutation(({ input, ctx }) => updateTemplateCore(input, ctx)),

  delete: authedProcedure.input(templateIdInput).mutation(async ({ input, ctx }) => {
    if (!(await deleteTemplateForOwner(ctx.deps.db, ctx.user.id, input.templateId)))
      throw notFound('template')
    return { ok: true as const }
  }),

  /** Fills the variables and generates like generate.image (quota, idempotency); returns GenerationResult. */
  use: authedProcedure.input(templateUseInput).mutation(({ input, ctx }) => useTemplateCore(input, ctx)),
})
