/**
 * @module Chat sessions and their messages; every read and write is filtered by the owner.
 */
import type { ChatMessageRow, ChatRole, ChatSessionRow, ImageRow, NewChatSessionRow } from '../schema.js'
import { assertPageLimit, decodeCursor, toPage } from './cursor.js'
import type { Executor } from './executor.js'

export async function insertChatSession(db: Executor, row: NewChatSessionRow): Promise<ChatSessionRow> {
  return db.insertInto('chat_sessions').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function findChatSessionForOwner(
  db: Executor,
  userId: string,
  id: string,
): Promise<ChatSessionRow | undefined> {
  return db
    .selectFrom('chat_sessions')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst()
}

/**
 * The owner's sessions, newest first (`created_at desc, id desc`).
 * @throws {InvalidCursorError}
 */
export async function listChatSessionsForOwner(
  db: Executor,
  userId: string,
  options: { limit: number; cursor?: string | undefined },
): Promise<{ items: ChatSessionRow[]; nextCursor: string | null }> {
  assertPageLimit(options.limit)
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
  const rows = await db
    .selectFrom('chat_sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .$if(after !== undefined, (query) =>
      query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after!.createdAt, after!.id))),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute()
  return toPage(rows, options.limit)
}

/** Deletes the session and (by cascade) its messages; `false` when the owner has no such session. */
export async function deleteChatSessionForOwner(db: Executor, userId: string, id: string): Promise<boolean> {
  const deleted = await db
    .deleteFrom('chat_sessions')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returning('id')
    .executeTakeFirst()
  return deleted !== undefined
}

export async function touchChatSession(db: Executor, userId: string, id: string): Promise<void> {
  await db
    .updateTable('chat_sessions')
    .set({ updated_at: new Date() })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .execute()
}

export interface NewChatMessage {
  id: string
  sessionId: string
  userId: string
  role: ChatRole
  text: string | null
  imageIds: string[]
  providerMetadata?: Record<string, unknown> | undefined
  createdAt?: Date | undefined
}

export async function insertChatMessage(db: Executor, message: NewChatMessage): Promise<ChatMessageRow> {
  return db
    .insertInto('chat_messages')
    .values({
      id: message.id,
      session_id: message.sessionId,
      user_id: message.userId,
      role: message.role,
      text: message.text,
      image_ids: JSON.stringify(message.imageIds),
      provider_metadata: message.providerMetadata ? JSON.stringify(message.providerMetadata) : null,
      ...(message.createdAt ? { created_at: message.createdAt } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** The owner's messages of one session, oldest first. */
export async function listChatMessagesForOwner(
  db: Executor,
  userId: string,
  sessionId: string,
): Promise<ChatMessageRow[]> {
  return db
    .selectFrom('chat_messages')
    .selectAll()
    .where('session_id', '=', sessionId)
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

/** The owner's images with these ids, in the order of `ids`; deleted ones are left out. */
export async function findImagesByIdsForOwner(
  db: Executor,
  userId: string,
  ids: string[],
): Promise<ImageRow[]> {
  if (ids.length === 0) return []
  const rows = await db
    .selectFrom('images')
    .selectAll()
    .where('user_id', '=', userId)
    .where('id', 'in', ids)
    .execute()
  const byId = new Map(rows.map((row) => [row.id, row]))
  return ids.flatMap((id) => byId.get(id) ?? [])
}
