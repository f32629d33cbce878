/**
 * @module The caller's live notifications (`notifications.stream`), resumable by notification id.
 * Same order of work as the job stream: subscribe to `user:<userId>` (and the announcement
 * broadcast) first, then back-fill what
 * came after `lastEventId`, then follow live messages, skipping ids already yielded. Notifications
 * have no gap-free numbering, so the stream also re-reads the table when the channel stays quiet.
 * It runs until the client leaves.
 */
import { listNotificationsAfter, listNotificationsForOwner } from '@nbl/db'
import { type TrackedEnvelope, tracked } from '@trpc/server'
import type { AppDeps } from '../../deps.js'
import { isNotificationMessage, userChannel } from '../events/channels.js'
import type { EventBus } from '../events/event-bus.js'
import { openInbox } from '../events/inbox.js'
import { ANNOUNCEMENT_CHANNEL, announcementForUser, isAnnouncementMessage } from './announcements.js'
import { type Notification, notificationRowToNotification } from './notification-output.js'

/** Ids remembered for de-duplication; far more than can arrive between two re-reads. */
const SEEN_LIMIT = 1000

export async function* streamNotifications(
  deps: AppDeps,
  options: {
    userId: string
    /** The last notification id the client saw; without it, only what comes next. */
    lastEventId?: string | undefined
    signal?: AbortSignal | undefined
    resyncMs?: number
  },
): AsyncGenerator<TrackedEnvelope<Notification>, void, unknown> {
  const { userId, signal } = options
  const resyncMs = options.resyncMs ?? 15_000
  const inbox = await openInbox(
    listeningOn(deps.events, [userChannel(userId), ANNOUNCEMENT_CHANNEL]),
    userChannel(userId),
    signal,
  )
  const seen = new Set<string>()
  // Where a re-read starts: the last one yielded, else the newest that existed at the start.
  let after = options.lastEventId
  if (after === undefined) {
    const newest = await listNotificationsForOwner(deps.db, userId, { limit: 1 })
    after = newest.items[0]?.id
    if (after) seen.add(after)
  }

  function* emit(notifications: Notification[]): Generator<TrackedEnvelope<Notification>, void, unknown> {
    for (const notification of notifications) {
      if (seen.has(notification.id)) continue
      seen.add(notification.id)
      if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value as string)
      after = notification.id
      yield tracked(notification.id, notification)
    }
  }
  // Without `after` (the user had none at the start), from the first.
  const fromTable = async () =>
    (await listNotificationsAfter(deps.db, userId, after)).map(notificationRowToNotification)

  try {
    if (options.lastEventId !== undefined) yield* emit(await fromTable())
    while (!signal?.aborted) {
      const messages = await inbox.take(resyncMs)
      if (signal?.aborted) return
      if (messages.length === 0) {
        yield* emit(await fromTable())
        continue
      }
      yield* emit(messages.flatMap((message) => toNotifications(message, userId)))
    }
  } finally {
    await inbox.close()
  }
}

function toNotifications(message: unknown, userId: string): Notification[] {
  if (isNotificationMessage(message)) return [message.notification]
  if (isAnnouncementMessage(message)) return [announcementForUser(message, userId)]
  return []
}

/**
 * `bus`, seen as one channel made of `channels`: a subscription (whatever channel it names)
 * listens on all of them, so one inbox buffers the user's own notifications and announcements.
 */
function listeningOn(bus: EventBus, channels: readonly string[]): EventBus {
  return {
    publish: (channel, message) => bus.publish(channel, message),
    async subscribe(_channel, onMessage) {
      const settled = await Promise.allSettled(channels.map((channel) => bus.subscribe(channel, onMessage)))
      const stops = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
      const failure = settled.find((result) => result.status === 'rejected')
      if (failure) {
        // Half a subscription would miss messages silently: undo it and let the stream fail.
        await Promise.all(stops.map((stop) => stop().catch(() => undefined)))
        throw failure.reason
      }
      return async function unsubscribeAll() {
        await Promise.all(stops.map((stop) => stop()))
      }
    },
  }
}
