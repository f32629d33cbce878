/**
 * @module `library.search`: full-text search over the caller's images (always private) and over the
 * prompts and templates the caller owns or that are public, plus search-box suggestions.
 *
 * `q` uses web-search syntax (`"exact phrase"`, `or`, `-excluded`); the last word also matches as a
 * prefix while it is being typed. Results are best first (`rank` in 0..1), ties newest first; pages
 * use an opaque offset cursor. `highlight` strings are HTML-safe: the stored text HTML-escaped, with
 * each match wrapped in `<b>`…`</b>` (the only tags they hold), so a client may render them as HTML.
 * A `q` of only stop words or punctuation finds nothing.
 */
import {
  type ImageSearchRow,
  InvalidCursorError,
  type PromptSearchRow,
  type SearchPage,
  type SearchSuggestion,
  searchImagesForOwner,
  searchPrompts,
  searchTemplates,
  suggestSearchTerms,
  type TemplateSearchRow,
  type TemplateVariable,
} from '@nbl/db'
import { z } from 'zod'
import type { AppDeps } from '../../deps.js'
import { AppError } from '../../errors.js'
import { type ListOutput, listInput, providerSchema } from '../../schemas.js'
import { type Image, imageRowToImage } from '../../services/images/image-output.js'
import { authedProcedure, router } from '../../trpc.js'

const queryText = (max: number) =>
  z.string().trim().min(1, 'q must not be empty').max(max, `q may hold at most ${max} characters`)

const searchImagesInput = listInput.extend({
  q: queryText(200),
  provider: providerSchema.optional(),
})

const searchPromptsInput = listInput.extend({
  q: queryText(200),
  scope: z.enum(['mine', 'public', 'all']).default('all'),
  category: z.string().trim().min(1).max(64).optional(),
})

const searchGlobalInput = z.strictObject({
  q: queryText(200),
  /** Results per group. */
  limit: z.number().int().min(1).max(20).default(5),
})

const suggestionsInput = z.strictObject({
  q: queryText(100),
  limit: z.number().int().min(1).max(20).default(8),
})

export type ImageSearchItem = Image & { rank: number; highlight: string }

export interface PromptSearchItem {
  id: string
  title: string
  text: string
  category: string
  tags: string[]
  isPublic: boolean
  /** The caller's own prompt (else another user's public one). */
  isOwn: boolean
  createdAt: string
  updatedAt: string
  rank: number
  /** A snippet of `text` around the matches. */
  highlight: string
  titleHighlight: string
}

export interface TemplateSearchItem {
  id: string
  name: string
  description: string | null
  prompt: string
  variables: TemplateVariable[]
  options: Record<string, unknown>
  category: string | null
  isPublic: boolean
  isOwn: boolean
  useCount: number
  createdAt: string
  updatedAt: string
  rank: number
  /** A snippet of the description and prompt around the matches. */
  highlight: string
  nameHighlight: string
}

export interface GlobalSearchResult {
  images: ImageSearchItem[]
  prompts: PromptSearchItem[]
  templates: TemplateSearchItem[]
}

function imageSearchRowToItem(row: ImageSearchRow, deps: AppDeps, origin: string): ImageSearchItem {
  return { ...imageRowToImage(row, deps, origin), rank: row.rank, highlight: row.highlight }
}

function promptSearchRowToItem(row: PromptSearchRow): PromptSearchItem {
  return {
    id: row.id,
    title: row.title,
    text: row.text,
    category: row.category,
    tags: row.tags,
    isPublic: row.is_public,
    isOwn: row.is_own,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    rank: row.rank,
    highlight: row.highlight,
    titleHighlight: row.title_highlight,
  }
}

function templateSearchRowToItem(row: TemplateSearchRow): TemplateSearchItem {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    prompt: row.prompt,
    variables: row.variables,
    options: row.options,
    category: row.category,
    isPublic: row.is_public,
    isOwn: row.is_own,
    useCount: row.use_count,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    rank: row.rank,
    highlight: row.highlight,
    nameHighlight: row.name_highlight,
  }
}

/** Runs a paged search; a cursor we did not issue is the caller's input error. */
async function searchPage<Row, Item>(
  search: () => Promise<SearchPage<Row>>,
  toItem: (row: Row) => Item,
): Promise<ListOutput<Item>> {
  try {
    const page = await search()
    return { items: page.items.map(toItem), nextCursor: page.nextCursor }
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw new AppError('VALIDATION', 'cursor: invalid cursor', {
        fieldErrors: { cursor: ['invalid cursor'] },
      })
    }
    throw error
  }
}

export const searchRouter = router({
  images: authedProcedure.input(searchImagesInput).query(
    ({ input, ctx }): Promise<ListOutput<ImageSearchItem>> =>
      searchPage(
        () =>
          searchImagesForOwner(ctx.deps.db, ctx.user.id, {
            q: input.q,
            limit: input.limit,
            cursor: input.cursor,
            provider: input.provider,
          }),
        (row) => imageSearchRowToItem(row, ctx.deps, ctx.origin),
      ),
  ),

  prompts: authedProcedure.input(searchPromptsInput).query(
    ({ input, ctx }): Promise<ListOutput<PromptSearchItem>> =>
      searchPage(
        () =>
          searchPrompts(ctx.deps.db, ctx.user.id, {
            q: input.q,
            scope: input.scope,
            category: input.category,
            limit: input.limit,
            cursor: input.cursor,
          }),
        promptSearchRowToItem,
      ),
  ),

  global: authedProcedure
    .input(searchGlobalInput)
    .query(async ({ input, ctx }): Promise<GlobalSearchResult> => {
      const options = { q: input.q, limit: input.limit }
      const [images, prompts, templates] = await Promise.all([
        searchImagesForOwner(ctx.deps.db, ctx.user.id, options),
        searchPrompts(ctx.deps.db, ctx.user.id, options),
        searchTemplates(ctx.deps.db, ctx.user.id, options),
      ])
      return {
        images: images.items.map((row) => imageSearchRowToItem(row, ctx.deps, ctx.origin)),
        prompts: prompts.items.map(promptSearchRowToItem),
        templates: templates.items.map(templateSearchRowToItem),
      }
    }),

  suggestions: authedProcedure
    .input(suggestionsInput)
    .query(
      ({ input, ctx }): Promise<SearchSuggestion[]> =>
        suggestSearchTerms(ctx.deps.db, ctx.user.id, { q: input.q, limit: input.limit }),
    ),
})
