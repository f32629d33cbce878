/**
 * @module `notifications`: the caller's notifications (owner-filtered) and their live stream.
 */
import { InvalidCursorError, listNotificationsForOwner } from '@nbl/db'
import { z } from 'zod'
import { AppError } from '../errors.js'
import { idSchema, type ListOutput, listInput } from '../schemas.js'
import {
  type Notification,
  notificationRowToNotification,
} from '../services/notifications/notification-output.js'
import { streamNotifications } from '../services/notifications/notification-stream.js'
import { authedProcedure, router } from '../trpc.js'

const notificationsListInput = listInput.extend({ unreadOnly: z.boolean().optional() }).default({ limit: 20 })

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
