/**
 * @module `notifications`: the caller's notifications (owner-filtered): list, unread count, mark
 * read, delete, and their live stream.
 */
import {
  countUnreadNotifications,
  deleteNotificationForOwner,
  InvalidCursorError,
  listNotificationsForOwner,
  markAllNotificationsReadForOwner,
  markNotificationsReadForOwner,
} from '@nbl/db'
import { z } from 'zod'
import { AppError, notFound } from '../errors.js'
import { idSchema, type ListOutput, listInput } from '../schemas.js'
import {
  type Notification,
  notificationRowToNotification,
} from '../services/notifications/notification-output.js'
import { streamNotifications } from '../services/notifications/notification-stream.js'
import { authedProcedure, router } from '../trpc.js'

const notificationsListInput = listInput.extend({ unreadOnly: z.boolean().optional() }).default({ limit: 20 })

/** One notification (`notificationId`, as API.md names resources) or up to 100 at once. */
const markReadInput = z
  .strictObject({
    notificationId: idSchema.optional(),
    notificationIds: z.array(idSchema).min(1).max(100).optional(),
  })
  .refine((input) => (input.notificationId === undefined) !== (input.notificationIds === undefined), {
    message: 'give either notificationId or notificationIds',
    path: ['notificationId'],
  })

const notificationIdInput = z.strictObject({ notificationId: idSchema })

/** `lastEventId`: the id of the last notification the client saw (tRPC fills it from `Last-Event-ID`). */
const streamInput = z.strictObject({ lastEventId: idSchema.optional() }).default({})

export const notificationsRouter = router({
  list: authedProcedure
    .input(notificationsListInput)
    .query(async ({ input, ctx }): Promise<ListOutput<Notification>> => {
      try {
        const page = await listNotificationsForOwner(ctx.deps.db, ctx.user.id, {
          limit: input.limit,
          cursor: input.cursor,
          unreadOnly: input.unreadOnly,
        })
        return { items: page.items.map(notificationRowToNotification), nextCursor: page.nextCursor }
      } catch (error) {
        if (error instanceof InvalidCursorError) {
          throw new AppError('VALIDATION', 'cursor: invalid cursor', {
            fieldErrors: { cursor: ['invalid cursor'] },
          })
        }
        throw error
      }
    }),

  unreadCount: authedProcedure.query(async ({ ctx }) => ({
    count: await countUnreadNotifications(ctx.deps.db, ctx.user.id),
  })),

  /**
   * Marks the notification(s) read; those already read keep their time. If any id is missing or
   * another user's, nothing changes (NOT_FOUND). Returns them and the caller's unread count.
   */
  markRead: authedProcedure
    .input(markReadInput)
    .mutation(async ({ input, ctx }): Promise<{ notifications: Notification[]; unreadCount: number }> => {
      const ids = input.notificationIds ?? (input.notificationId === undefined ? [] : [input.notificationId])
      const rows = await markNotificationsReadForOwner(ctx.deps.db, ctx.user.id, ids)
      if (rows.length === 0) throw notFound('notification')
      const order = new Map(ids.map((id, index) => [id, index]))
      rows.sort((left, right) => (order.get(left.id) ?? 0) - (order.get(right.id) ?? 0))
      return {
        notifications: rows.map(notificationRowToNotification),
        unreadCount: await countUnreadNotifications(ctx.deps.db, ctx.user.id),
      }
    }),

  markAllRead: authedProcedure.mutation(async ({ ctx }) => ({
    updated: await markAllNotificationsReadForOwner(ctx.deps.db, ctx.user.id),
  })),

  delete: authedProcedure.input(notificationIdInput).mutation(async ({ input, ctx }) => {
    const deleted = await deleteNotificationForOwner(ctx.deps.db, ctx.user.id, input.notificationId)
    if (!deleted) throw notFound('notification')
    return { ok: true as const }
  }),

  /**
   * New notifications as they come, each with its id; with `lastEventId`, first those created
   * after it. Runs until the client leaves.
   */
  stream: authedProcedure
    .input(streamInput)
    .subscription(({ input, ctx, signal }) =>
      streamNotifications(ctx.deps, { userId: ctx.user.id, lastEventId: input.lastEventId, signal }),
    ),
})
