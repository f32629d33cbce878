/**
 * @module Library search: full-text search over the caller's images and over prompts and templates the
 * caller owns or that are public (ranked with `ts_rank_cd` on the weighted `search` columns of
 * migration 0008), and search-box suggestions (prefix, then trigram similarity).
 *
 * User text reaches SQL only as bound parameters. The tsquery is `websearch_to_tsquery('english', q)`
 * (quotes, `or`, `-word` work); while the last word is being typed it is matched as a prefix
 * (`to_tsquery('english', quote_literal(word) || ':*')`, the word first reduced to letters and digits).
 *
 * Highlights are HTML-safe: the stored text is HTML-escaped (`& < > " '`) before `ts_headline`, which
 * then adds `<b>`…`</b>` around matches; those are the only tags a highlight can hold. The escaped
 * text parses into atomic entity tokens, so a snippet never cuts an entity in half.
 */
import { type Expression, type RawBuilder, sql } from 'kysely'
import type { ImageRow, PromptRow, TemplateRow } from '../schema.js'
import { assertPageLimit, InvalidCursorError } from './cursor.js'
import type { Executor } from './executor.js'
import { IMAGE_COLUMNS } from './images.js'
import { PROMPT_COLUMNS } from './prompts.js'
import { TEMPLATE_COLUMNS } from './templates.js'

/** Deeper than this, rank-ordered pages stop (a search is refined long before). */
export const MAX_SEARCH_OFFSET = 10_000

/** Start and stop of a highlighted match in `highlight` strings. */
const HIGHLIGHT_START = '<b>'
const HIGHLIGHT_STOP = '</b>'

/** A snippet around the best matches of a long text. */
const SNIPPET_OPTIONS = `StartSel=${HIGHLIGHT_START}, StopSel=${HIGHLIGHT_STOP}, MinWords=15, MaxWords=35`
/** The whole of a short text (a title or a name), matches marked. */
const WHOLE_OPTIONS = `${SNIPPET_OPTIONS}, HighlightAll=true`

/** Rows found by a search carry its rank (0..1, higher is better; `ts_rank_cd` scaled by rank/(rank+1)). */
export interface Ranked {
  rank: number
}

export type ImageSearchRow = ImageRow & Ranked & { highlight: string }
export type PromptSearchRow = PromptRow &
  Ranked & { is_own: boolean; highlight: string; title_highlight: string }
export type TemplateSearchRow = TemplateRow &
  Ranked & { is_own: boolean; highlight: string; name_highlight: string }

export interface SearchPage<Row> {
  items: Row[]
  nextCursor: string | null
}

interface PageOptions {
  q: string
  limit: number
  /** An offset cursor from a previous page of the same search. */
  cursor?: string | undefined
}

export interface SearchImagesOptions extends PageOptions {
  provider?: string | undefined
}

/** Whose prompts: the caller's, the public ones (anyone's, the caller's included) or both. */
export type PromptSearchScope = 'mine' | 'public' | 'all'

export interface SearchPromptsOptions extends PageOptions {
  /** Default `'all'`. */
  scope?: PromptSearchScope | undefined
  category?: string | undefined
}

/** Templates the caller owns and public ones. */
export type SearchTemplatesOptions = PageOptions

/**
 * The caller's images matching `q`, best first (ties: newest first).
 * @throws {InvalidCursorError}
 */
export async function searchImagesForOwner(
  db: Executor,
  userId: string,
  options: SearchImagesOptions,
): Promise<SearchPage<ImageSearchRow>> {
  const offset = startOf(options)
  const query = searchQuery(options.q)
  const rows = await db
    .selectFrom('images')
    .select(IMAGE_COLUMNS)
    .select([
      rankOf(sql.ref('images.search'), query).as('rank'),
      headline(sql.ref('images.prompt'), query, SNIPPET_OPTIONS).as('highlight'),
    ])
    .where('user_id', '=', userId)
    .where(matches(sql.ref('images.search'), query))
    .$if(options.provider !== undefined, (builder) => builder.where('provider', '=', options.provider!))
    .orderBy('rank', 'desc')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(offset)
    .limit(options.limit + 1)
    .execute()
  return toOffsetPage(rows, offset, options.limit)
}

/**
 * Prompts matching `q` that the caller owns or that are public (per `scope`), best first: a title
 * match (weight A) outranks a text match (B), which outranks a category match (C).
 * @throws {InvalidCursorError}
 */
export async function searchPrompts(
  db: Executor,
  userId: string,
  options: SearchPromptsOptions,
): Promise<SearchPage<PromptSearchRow>> {
  const offset = startOf(options)
  const query = searchQuery(options.q)
  const scope = options.scope ?? 'all'
  const rows = await db
    .selectFrom('prompts')
    .select(PROMPT_COLUMNS)
    .select((eb) => [
      sql<boolean>`${eb.ref('user_id')} = ${userId}`.as('is_own'),
      rankOf(sql.ref('prompts.search'), query).as('rank'),
      headline(sql.ref('prompts.text'), query, SNIPPET_OPTIONS).as('highlight'),
      headline(sql.ref('prompts.title'), query, WHOLE_OPTIONS).as('title_highlight'),
    ])
    .where((eb) =>
      scope === 'mine'
        ? eb('user_id', '=', userId)
        : scope === 'public'
          ? eb('is_public', '=', true)
          : eb.or([eb('user_id', '=', userId), eb('is_public', '=', true)]),
    )
    .where(matches(sql.ref('prompts.search'), query))
    .$if(options.category !== undefined, (builder) => builder.where('category', '=', options.category!))
    .orderBy('rank', 'desc')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(offset)
    .limit(options.limit + 1)
    .execute()
  return toOffsetPage(rows, offset, options.limit)
}

/**
 * Templates matching `q` that the caller owns or that are public, best first (name above description
 * and prompt). `highlight` covers the description and the prompt.
 * @throws {InvalidCursorError}
 */
export async function searchTemplates(
  db: Executor,
  userId: string,
  options: SearchTemplatesOptions,
): Promise<SearchPage<TemplateSearchRow>> {
  const offset = startOf(options)
  const query = searchQuery(options.q)
  const rows = await db
    .selectFrom('templates')
    .select(TEMPLATE_COLUMNS)
    .select((eb) => [
      sql<boolean>`${eb.ref('user_id')} = ${userId}`.as('is_own'),
      rankOf(sql.ref('templates.search'), query).as('rank'),
      headline(sql`concat_ws(' — ', templates.description, templates.prompt)`, query, SNIPPET_OPTIONS).as(
        'highlight',
      ),
      headline(sql.ref('templates.name'), query, WHOLE_OPTIONS).as('name_highlight'),
    ])
    .where((eb) => eb.or([eb('user_id', '=', userId), eb('is_public', '=', true)]))
    .where(matches(sql.ref('templates.search'), query))
    .orderBy('rank', 'desc')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(offset)
    .limit(options.limit + 1)
    .execute()
  return toOffsetPage(rows, offset, options.limit)
}

export type SearchSuggestionKind = 'image' | 'prompt' | 'template'

export interface SearchSuggestion {
  text: string
  kind: SearchSuggestionKind
  /**
   * Higher is better: 2 + similarity when the text starts with `q`, 1 + similarity when one of its
   * words does, else the trigram `word_similarity(q, text)` (0..1).
   */
  score: number
}

/** Each source contributes at most this many distinct texts before the merge. */
const SUGGESTIONS_PER_SOURCE = 50

/**
 * Search-box suggestions for `q`: texts of the caller's image prompts, and titles of prompts and names
 * of templates the caller owns or that are public. Prefix matches come first, then texts with a word
 * similar to `q` (pg_trgm `<%`, so "sunst" still finds "sunset"). Case-insensitively distinct.
 */
export async function suggestSearchTerms(
  db: Executor,
  userId: string,
  options: { q: string; limit: number },
): Promise<SearchSuggestion[]> {
  assertPageLimit(options.limit)
  const { q } = options
  const startsWith = `${escapeLike(q)}%`
  const wordStartsWith = `% ${escapeLike(q)}%`
  const source = (
    kind: SearchSuggestionKind,
    table: string,
    column: string,
    visible: RawBuilder<boolean>,
  ) => {
    const text = sql.ref(`${table}.${column}`)
    const score = sql`case when ${text} ilike ${startsWith} then 2
      when ${text} ilike ${wordStartsWith} then 1 else 0 end + word_similarity(${q}::text, ${text})`
    return sql`(select min(${text}) as text, ${kind}::text as kind, max(${score})::float8 as score
      from ${sql.table(table)}
      where ${visible}
        and (${text} ilike ${startsWith} or ${text} ilike ${wordStartsWith} or ${q}::text <% ${text})
      group by lower(${text})
      order by score desc
      limit ${SUGGESTIONS_PER_SOURCE})`
  }
  const ownedOrPublic = (table: string) =>
    sql<boolean>`(${sql.ref(`${table}.user_id`)} = ${userId} or ${sql.ref(`${table}.is_public`)})`
  const { rows } = await sql<SearchSuggestion>`
    with candidates as (
      ${source('image', 'images', 'prompt', sql<boolean>`images.user_id = ${userId}`)}
      union all
      ${source('prompt', 'prompts', 'title', ownedOrPublic('prompts'))}
      union all
      ${source('template', 'templates', 'name', ownedOrPublic('templates'))}
    ), distinct_texts as (
      select distinct on (lower(text)) text, kind, score
      from candidates
      order by lower(text), score desc, kind
    )
    select text, kind, score from distinct_texts order by score desc, text limit ${options.limit}
  `.execute(db)
  return rows
}

/** An opaque cursor for the page starting `offset` results in. */
export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url')
}

/** @throws {InvalidCursorError} */
export function decodeOffsetCursor(cursor: string): number {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch (error) {
    throw new InvalidCursorError(cursor, { cause: error })
  }
  if (typeof parsed !== 'object' || parsed === null) throw new InvalidCursorError(cursor)
  const { offset } = parsed as Record<string, unknown>
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 1 || offset > MAX_SEARCH_OFFSET)
    throw new InvalidCursorError(cursor)
  return offset
}

/**
 * The tsquery for `q`. The last word, when typed as a plain word (not negated, not inside an open
 * quote, not after `or`), is matched as a prefix; the rest keeps websearch syntax. A word made only
 * of stop words adds nothing (`to_tsquery` yields an empty query and `&&` keeps the other side).
 */
export function searchQuery(q: string): RawBuilder<unknown> {
  const split = splitLastWord(q)
  if (split === undefined) return sql`websearch_to_tsquery('english', ${q}::text)`
  return sql`(websearch_to_tsquery('english', ${split.head}::text)
    && to_tsquery('english', quote_literal(${split.word}::text) || ':*'))`
}

const LAST_WORD = /(^|\s)([\p{L}\p{N}]+)$/u

/** Splits off the last word when it may be matched as a prefix; `undefined` when it may not. */
export function splitLastWord(q: string): { head: string; word: string } | undefined {
  // An odd number of quotes leaves the last word inside a phrase, which websearch matches exactly.
  if ((q.match(/"/g)?.length ?? 0) % 2 === 1) return undefined
  const match = LAST_WORD.exec(q)
  if (match === null) return undefined
  const word = match[2]!
  const head = q.slice(0, match.index + match[1]!.length)
  // `or` is websearch's operator: as the last word, or just before it, keep its meaning.
  if (word.toLowerCase() === 'or' || /(^|\s)or\s*$/i.test(head)) return undefined
  return { head, word }
}

function matches(vector: Expression<unknown>, query: RawBuilder<unknown>) {
  return sql<boolean>`${vector} @@ ${query}`
}

/** Cover density (nearby matches count more), scaled into 0..1 by rank/(rank+1). */
function rankOf(vector: Expression<unknown>, query: RawBuilder<unknown>) {
  return sql<number>`ts_rank_cd(${vector}, ${query}, 32)::float8`
}

function headline(text: Expression<unknown>, query: RawBuilder<unknown>, options: string) {
  return sql<string>`ts_headline('english', ${escapeHtml(text)}, ${query}, ${options}::text)`
}

/** HTML-escapes in SQL, `&` first so the entities added later stay intact. */
function escapeHtml(text: Expression<unknown>) {
  return sql`replace(replace(replace(replace(replace(coalesce(${text}, ''),
    '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;')`
}

function startOf(options: PageOptions): number {
  assertPageLimit(options.limit)
  return options.cursor === undefined ? 0 : decodeOffsetCursor(options.cursor)
}

function toOffsetPage<Row>(rows: Row[], offset: number, limit: number): SearchPage<Row> {
  if (rows.length <= limit) return { items: rows, nextCursor: null }
  const next = offset + limit
  return {
    items: rows.slice(0, limit),
    nextCursor: next > MAX_SEARCH_OFFSET ? null : encodeOffsetCursor(next),
  }
}

/** Escapes LIKE wildcards with PostgreSQL's default escape character, the backslash. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`)
}
