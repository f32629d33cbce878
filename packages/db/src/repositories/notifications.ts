/**
 * @module Notifications: one user's messages (job finished, announcements), owner-filtered.
 */
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
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

/** How many of the owner's notifications are unread. */
export async function countUnreadNotifications(db: Executor, userId: string): Promise<number> {
  const { count } = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(count)
}

/**
 * Marks the owner's notifications `ids` read (those already read keep their time) and returns
 * them. All or nothing, in one statement: if any id is missing or another user's, nothing changes
 * and the result is `[]`.
 */
export async function markNotificationsReadForOwner(
  db: Executor,
  userId: string,
  ids: readonly string[],
  readAt: Date = new Date(),
): Promise<NotificationRow[]> {
  const unique = [...new Set(ids)]
  if (unique.length === 0) return []
  return db
    .updateTable('notifications')
    .set({ read_at: sql<Date>`coalesce(read_at, ${readAt})` })
    .where('user_id', '=', userId)
    .where('id', 'in', unique)
    .where(
      (eb) =>
        eb
          .selectFrom('notifications as owned')
          .select((inner) => inner.fn.countAll().as('owned'))
          .where('owned.user_id', '=', userId)
          .where('owned.id', 'in', unique),
      '=',
      unique.length,
    )
    .returningAll()
    .execute()
}

/** Marks every unread notification of the owner read; returns how many changed. */
export async function markAllNotificationsReadForOwner(
  db: Executor,
  userId: string,
  readAt: Date = new Date(),
): Promise<number> {
  const result = await db
    .updateTable('notifications')
    .set({ read_at: readAt })
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** Deletes the owner's notification; false when it is missing or another user's. */
export async function deleteNotificationForOwner(db: Executor, userId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('notifications')
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

/**
 * The id of announcement `announcementId`'s notification for `userId`: derived, not random, so
 * one broadcast message lets every stream name its own user's row without reading it.
 * `insertAnnouncementNotifications` computes the same in SQL (md5 of `<announcementId>:<userId>`).
 */
export function announcementNotificationId(announcementId: string, userId: string): string {
  return `ntf_${createHash('md5').update(`${announcementId}:${userId}`).digest('hex')}`
}

/**
 * One notification per existing user in a single `INSERT … SELECT` (no round trip per user), all
 * with the same `created_at`. Returns how many were inserted.
 */
export async function insertAnnouncementNotifications(
  db: Executor,
  announcement: {
    announcementId: string
    type: string
    title: string
    body: string
    data: Record<string, unknown>
    createdAt: Date
  },
): Promise<number> {
  const { announcementId, type, title, body, data, createdAt } = announcement
  const result = await db
    .insertInto('notifications')
    .columns(['id', 'user_id', 'type', 'title', 'body', 'data', 'read_at', 'created_at'])
    .expression((eb) =>
      eb
        .selectFrom('users')
        .select([
          sql<string>`'ntf_' || md5(${announcementId} || ':' || users.id)`.as('id'),
          'users.id as user_id',
          sql<string>`${type}`.as('type'),
          sql<string>`${title}`.as('title'),
          sql<string>`${body}`.as('body'),
          sql<string>`cast(${JSON.stringify(data)} as jsonb)`.as('data'),
          sql<Date | null>`cast(null as timestamptz)`.as('read_at'),
          sql<Date>`cast(${createdAt} as timestamptz)`.as('created_at'),
        ]),
    )
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0)
}
