/**
 * @module Prompt templates: the owner's own, and public ones anyone may read and use. Writes are
 * filtered by the owner, so another user's template looks missing.
 */
import type { TemplateRow, TemplateVariable } from '../schema.js'
import { assertPageLimit, decodeCursor, toPage } from './cursor.js'
import type { Executor } from './executor.js'

/** Every column but the generated `search` vector, which clients never see. */
/** Every column but the search vector: what template queries return. */
export const TEMPLATE_COLUMNS = [
  'id',
  'user_id',
  'name',
  'description',
  'prompt',
  'variables',
  'options',
  'category',
  'is_public',
  'use_count',
  'created_at',
  'updated_at',
] as const

export interface TemplateFields {
  name: string
  description: string | null
  prompt: string
  variables: TemplateVariable[]
  options: Record<string, unknown>
  category: string | null
  isPublic: boolean
}

export async function insertTemplate(
  db: Executor,
  template: TemplateFields & { id: string; userId: string },
): Promise<TemplateRow> {
  return db
    .insertInto('templates')
    .values({
      id: template.id,
      user_id: template.userId,
      name: template.name,
      description: template.description,
      prompt: template.prompt,
      variables: JSON.stringify(template.variables),
      options: JSON.stringify(template.options),
      category: template.category,
      is_public: template.isPublic,
    })
    .returning(TEMPLATE_COLUMNS)
    .executeTakeFirstOrThrow()
}

export async function findTemplateForOwner(
  db: Executor,
  userId: string,
  id: string,
): Promise<TemplateRow | undefined> {
  return db
    .selectFrom('templates')
    .select(TEMPLATE_COLUMNS)
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst()
}

/** The template when `userId` owns it or it is public; otherwise `undefined`. */
export async function findVisibleTemplate(
  db: Executor,
  userId: string,
  id: string,
): Promise<TemplateRow | undefined> {
  return db
    .selectFrom('templates')
    .select(TEMPLATE_COLUMNS)
    .where('id', '=', id)
    .where((eb) => eb.or([eb('user_id', '=', userId), eb('is_public', '=', true)]))
    .executeTakeFirst()
}

export interface ListTemplatesOptions {
  limit: number
  cursor?: string | undefined
  category?: string | undefined
}

/**
 * The owner's templates (`ownerId` set) or every public one (`ownerId` null), newest first
 * (`created_at desc, id desc`).
 * @throws {InvalidCursorError}
 */
async function listTemplates(
  db: Executor,
  ownerId: string | null,
  options: ListTemplatesOptions,
): Promise<{ items: TemplateRow[]; nextCursor: string | null }> {
  assertPageLimit(options.limit)
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
  const rows = await db
    .selectFrom('templates')
    .select(TEMPLATE_COLUMNS)
    .$if(ownerId !== null, (query) => query.where('user_id', '=', ownerId!))
    .$if(ownerId === null, (query) => query.where('is_public', '=', true))
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

/** @throws {InvalidCursorError} */
export function listTemplatesForOwner(db: Executor, userId: string, options: ListTemplatesOptions) {
  return listTemplates(db, userId, options)
}

/** Every user's public templates. @throws {InvalidCursorError} */
export function listPublicTemplates(db: Executor, options: ListTemplatesOptions) {
  return listTemplates(db, null, options)
}

/**
 * Applies the given fields; `undefined` when the owner has no such template, or (with
 * `ifUpdatedAt`) when it changed since it was read.
 */
export async function updateTemplateForOwner(
  db: Executor,
  userId: string,
  id: string,
  patch: Partial<TemplateFields>,
  options: { ifUpdatedAt?: Date } = {},
): Promise<TemplateRow | undefined> {
  return db
    .updateTable('templates')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.prompt !== undefined ? { prompt: patch.prompt } : {}),
      ...(patch.variables !== undefined ? { variables: JSON.stringify(patch.variables) } : {}),
      ...(patch.options !== undefined ? { options: JSON.stringify(patch.options) } : {}),
      ...(patch.category !== undefined ? { category: patch.category } : {}),
      ...(patch.isPublic !== undefined ? { is_public: patch.isPublic } : {}),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .$if(options.ifUpdatedAt !== undefined, (query) => query.where('updated_at', '=', options.ifUpdatedAt!))
    .returning(TEMPLATE_COLUMNS)
    .executeTakeFirst()
}

/** `false` when the owner has no such template. */
export async function deleteTemplateForOwner(db: Executor, userId: string, id: string): Promise<boolean> {
  const deleted = await db
    .deleteFrom('templates')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returning('id')
    .executeTakeFirst()
  return deleted !== undefined
}

/** Counts one use; the caller has checked that the user may see the template (own or public). */
export async function incrementTemplateUseCount(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('templates')
    .set((eb) => ({ use_count: eb('use_count', '+', 1) }))
    .where('id', '=', id)
    .execute()
}
