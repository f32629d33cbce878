/**
 * @module The prompt library: the owner's saved prompts, and public ones anyone may read. Writes
 * are filtered by the owner, so another user's prompt looks missing.
 */
import type { PromptRow } from '../schema.js'
import { assertPageLimit, decodeCursor, toPage } from './cursor.js'
import type { Executor } from './executor.js'

/** Every column but the generated `search` vector, which clients never see. */
/** Every column but the search vector: what prompt queries return. */
export const PROMPT_COLUMNS = [
  'id',
  'user_id',
  'title',
  'text',
  'category',
  'tags',
  'is_public',
  'created_at',
  'updated_at',
] as const

export interface PromptFields {
  title: string
  text: string
  category: string
  tags: string[]
  isPublic: boolean
}

export async function insertPrompt(
  db: Executor,
  prompt: PromptFields & { id: string; userId: string },
): Promise<PromptRow> {
  return db
    .insertInto('prompts')
    .values({
      id: prompt.id,
      user_id: prompt.userId,
      title: prompt.title,
      text: prompt.text,
      category: prompt.category,
      tags: JSON.stringify(prompt.tags),
      is_public: prompt.isPublic,
    })
    .returning(PROMPT_COLUMNS)
    .executeTakeFirstOrThrow()
}

export async function findPromptForOwner(
  db: Executor,
  userId: string,
  id: string,
): Promise<PromptRow | undefined> {
  return db
    .selectFrom('prompts')
    .select(PROMPT_COLUMNS)
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst()
}

/** The prompt when `userId` owns it or it is public; otherwise `undefined`. */
export async function findVisiblePrompt(
  db: Executor,
  userId: string,
  id: string,
): Promise<PromptRow | undefined> {
  return db
    .selectFrom('prompts')
    .select(PROMPT_COLUMNS)
    .where('id', '=', id)
    .where((eb) => eb.or([eb('user_id', '=', userId), eb('is_public', '=', true)]))
    .executeTakeFirst()
}

export interface ListPromptsOptions {
  limit: number
  cursor?: string | undefined
  category?: string | undefined
  /** Also every user's public prompts, besides the caller's own. */
  includePublic?: boolean | undefined
}

/**
 * The user's prompts (and, with `includePublic`, everyone's public ones), newest first
 * (`created_at desc, id desc`).
 * @throws {InvalidCursorError}
 */
export async function listPromptsForUser(
  db: Executor,
  userId: string,
  options: ListPromptsOptions,
): Promise<{ items: PromptRow[]; nextCursor: string | null }> {
  assertPageLimit(options.limit)
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
  const rows = await db
    .selectFrom('prompts')
    .select(PROMPT_COLUMNS)
    .$if(!options.includePublic, (query) => query.where('user_id', '=', userId))
    .$if(options.includePublic === true, (query) =>
      query.where((eb) => eb.or([eb('user_id', '=', userId), eb('is_public', '=', true)])),
    )
    .$if(options.category !== undefined, (query) => query.where('category', '=', options.category!))
    .$if(after !== undefined, (query) =>
      query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after!.createdAt, after!.id))),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute()
  return toPage(rows, options.limit)
}

/** How many prompts the user can see (own or public), per category; absent categories have none. */
export async function countVisiblePromptsByCategory(
  db: Executor,
  userId: string,
): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('prompts')
    .select(['category', (eb) => eb.fn.countAll().as('count')])
    .where((eb) => eb.or([eb('user_id', '=', userId), eb('is_public', '=', true)]))
    .groupBy('category')
    .execute()
  // count(*) is a bigint: pg hands it over as a string.
  return new Map(rows.map((row) => [row.category, Number(row.count)]))
}

/** Applies the given fields; `undefined` when the owner has no such prompt. */
/**
 * Applies `patch` to the owner's prompt; with `ifUpdatedAt`, only if nobody changed it since it was
 * read (`undefined` otherwise, as for a missing prompt).
 */
export async function updatePromptForOwner(
  db: Executor,
  userId: string,
  id: string,
  patch: Partial<PromptFields>,
  options: { ifUpdatedAt?: Date } = {},
): Promise<PromptRow | undefined> {
  return db
    .updateTable('prompts')
    .set({
      ...(patch.title !== undefined ? { title: patch.title } : {}),
      ...(patch.text !== undefined ? { text: patch.text } : {}),
      ...(patch.category !== undefined ? { category: patch.category } : {}),
      ...(patch.tags !== undefined ? { tags: JSON.stringify(patch.tags) } : {}),
      ...(patch.isPublic !== undefined ? { is_public: patch.isPublic } : {}),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .$if(options.ifUpdatedAt !== undefined, (query) => query.where('updated_at', '=', options.ifUpdatedAt!))
    .returning(PROMPT_COLUMNS)
    .executeTakeFirst()
}

/** `false` when the owner has no such prompt. */
export async function deletePromptForOwner(db: Executor, userId: string, id: string): Promise<boolean> {
  const deleted = await db
    .deleteFrom('prompts')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returning('id')
    .executeTakeFirst()
  return deleted !== undefined
}
