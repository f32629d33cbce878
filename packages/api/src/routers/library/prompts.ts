/**
 * @module `library.prompts`: the prompt library. The caller's own and public prompts are readable;
 * only the owner may change or delete one; what is saved is moderated (stricter when public).
 * `suggest` proposes improved prompts (a text model when configured, else the rules).
 */
import {
  countVisiblePromptsByCategory,
  createId,
  deletePromptForOwner,
  findPromptForOwner,
  findVisiblePrompt,
  insertPrompt,
  listPromptsForUser,
  updatePromptForOwner,
} from '@nbl/db'
import { z } from 'zod'
import { AppError, notFound } from '../../errors.js'
import { idSchema, type ListOutput, listInput } from '../../schemas.js'
import {
  PROMPT_CATEGORIES,
  type PromptCategory,
  promptCategorySchema,
} from '../../services/prompts/categories.js'
import { pageOrInvalidCursor } from '../../services/prompts/list-page.js'
import type { PromptSuggestions } from '../../services/prompts/prompt-improver.js'
import { type LibraryPrompt, promptRowToPrompt } from '../../services/prompts/prompt-output.js'
import { rulesPromptImprover } from '../../services/prompts/rules-improver.js'
import { authedProcedure, router } from '../../trpc.js'

const MAX_TAGS = 10
const titleSchema = z.string().trim().min(1).max(200)
const textSchema = z.string().trim().min(1).max(4000)
/** Tags are lower-cased and de-duplicated, keeping the first occurrence's position. */
const tagsSchema = z
  .array(z.string().trim().min(1).max(50))
  .max(MAX_TAGS)
  .transform((tags) => [...new Set(tags.map((tag) => tag.toLowerCase()))])

const promptIdInput = z.strictObject({ promptId: idSchema })

const promptListInput = listInput
  .extend({
    category: promptCategorySchema.optional(),
    /** Also every user's public prompts. */
    includePublic: z.boolean().default(false),
  })
  .default({ limit: 20, includePublic: false })

const promptCreateInput = z.strictObject({
  title: titleSchema,
  text: textSchema,
  category: promptCategorySchema.default('general'),
  tags: tagsSchema.default([]),
  isPublic: z.boolean().default(false),
})

const promptUpdateInput = z.strictObject({
  promptId: idSchema,
  title: titleSchema.optional(),
  text: textSchema.optional(),
  category: promptCategorySchema.optional(),
  tags: tagsSchema.optional(),
  isPublic: z.boolean().optional(),
})

const suggestInput = z.strictObject({
  prompt: textSchema,
  count: z.number().int().min(1).max(5).default(3),
})

export const promptsRouter = router({
  /** The caller's prompts (with `includePublic`, everyone's public ones too), newest first. */
  list: authedProcedure
    .input(promptListInput)
    .query(async ({ input, ctx }): Promise<ListOutput<LibraryPrompt>> => {
      const page = await pageOrInvalidCursor(
        listPromptsForUser(ctx.deps.db, ctx.user.id, {
          limit: input.limit,
          cursor: input.cursor,
          category: input.category,
          includePublic: input.includePublic,
        }),
      )
      return {
        items: page.items.map((row) => promptRowToPrompt(row, ctx.user.id)),
        nextCursor: page.nextCursor,
      }
    }),

  get: authedProcedure.input(promptIdInput).query(async ({ input, ctx }) => {
    const row = await findVisiblePrompt(ctx.deps.db, ctx.user.id, input.promptId)
    if (!row) throw notFound('prompt')
    return promptRowToPrompt(row, ctx.user.id)
  }),

  create: authedProcedure.input(promptCreateInput).mutation(async ({ input, ctx }) => {
    await ctx.deps.moderation.assertAllowed({
      texts: [input.title, input.text, ...input.tags],
      purpose: input.isPublic ? 'public' : 'generation',
      logger: ctx.deps.logger,
    })
    const row = await insertPrompt(ctx.deps.db, { id: createId('prm'), userId: ctx.user.id, ...input })
    return promptRowToPrompt(row, ctx.user.id)
  }),

  /** Moderates the prompt as it will be (making it public applies the stricter check). */
  update: authedProcedure.input(promptUpdateInput).mutation(async ({ input, ctx }) => {
    const { promptId, ...changes } = input
    // What is written is what was moderated: the write only lands if nobody changed the prompt
    // meanwhile (else the combined result could go public unchecked); a lost race reads and checks again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await findPromptForOwner(ctx.deps.db, ctx.user.id, promptId)
      if (!current) throw notFound('prompt')
      const title = changes.title ?? current.title
      const text = changes.text ?? current.text
      const tags = changes.tags ?? current.tags
      const isPublic = changes.isPublic ?? current.is_public
      await ctx.deps.moderation.assertAllowed({
        texts: [title, text, ...tags],
        purpose: isPublic ? 'public' : 'generation',
        logger: ctx.deps.logger,
      })
      const row = await updatePromptForOwner(ctx.deps.db, ctx.user.id, promptId, changes, {
        ifUpdatedAt: current.updated_at,
      })
      if (row) return promptRowToPrompt(row, ctx.user.id)
    }
    throw new AppError('IDEMPOTENCY_CONFLICT', 'The prompt kept changing while it was being saved; retry', {
      retryAfterMs: 500,
    })
  }),

  delete: authedProcedure.input(promptIdInput).mutation(async ({ input, ctx }) => {
    if (!(await deletePromptForOwner(ctx.deps.db, ctx.user.id, input.promptId))) throw notFound('prompt')
    return { ok: true as const }
  }),

  /** Every fixed category, in order, with how many prompts the caller can see (own or public). */
  categories: authedProcedure.query(
    async ({ ctx }): Promise<Array<{ category: PromptCategory; count: number }>> => {
      const counts = await countVisiblePromptsByCategory(ctx.deps.db, ctx.user.id)
      return PROMPT_CATEGORIES.map((category) => ({ category, count: counts.get(category) ?? 0 }))
    },
  ),

  suggest: authedProcedure
    .input(suggestInput)
    .mutation(({ input, ctx, signal }): Promise<PromptSuggestions> => {
      const improver = ctx.deps.promptImprover ?? rulesPromptImprover
      return improver.suggest(input.prompt, input.count, signal, ctx.deps.logger)
    }),
})
