/**
 * @module Notifications: one user's messages (job finished, announcements), owner-filtered.
 */
import type { NewNotificationRow, NotificationRow } from '../schema.js'
import { assertPageLimit, decodeCursor, toPage } from './cursor.js'
import type { Executor } from './executor.js'

export type NewNotification = Omit<NewNotificationRow, 'data'> & { data?: Record<string, unknown> }

export async function insertNotification(db: Executor, row: NewNotification): Promise<NotificationRow> {
  const { data, ...rest } = row
  return db
    .insertInto('notifications')
    .values({ ...rest, ...(data ? { data: JSON.stringify(data) } : {}) })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/**
 * The owner's notifications created after `afterId` (by created_at, then id), oldest first: what a
 * stream that saw `afterId` missed. Without `afterId`, from the first. An `afterId` that is not the
 * owner's (or was deleted) gives nothing, since there is no position to resume from.
 */
export async function listNotificationsAfter(
  db: Executor,
  userId: string,
  afterId?: string,
  options: { limit?: number } = {},
): Promise<NotificationRow[]> {
  const limit = options.limit ?? 100
  assertPageLimit(limit)
  let query = db.selectFrom('notifications').selectAll().where('user_id', '=', userId)
  if (afterId !== undefined) {
    const after = await db
      .selectFrom('notifications')
      .select(['created_at', 'id'])
      .where('id', '=', afterId)
      .where('user_id', '=', userId)
      .executeTakeFirst()
    if (!after) return []
    query = query.where((eb) =>
      eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(after.created_at, after.id)),
    )
  }
  return query.orderBy('created_at').orderBy('id').limit(limit).execute()
}

/** The owner's notifications, newest first, with keyset pagination. */
export async function listNotificationsForOwner(
  db: Executor,
  userId: string,
  options: { limit: number; cursor?: string | undefined; unreadOnly?: boolean | undefined },
): Promise<{ items: NotificationRow[]; nextCursor: string | null }> {
  assertPageLimit(options.limit)
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
  const rows = await db
    .selectFrom('notifications')
    .selectAll()
    .where('user_id', '=', userId)
    .$if(after !== undefined, (query) =>
      query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after!.createdAt, after!.id))),
    )
    .$if(options.unreadOnly === true, (query) => query.where('read_at', 'is', null))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute()
  return toPage(rows, options.limit)
}
