/**
 * @module Announcements: an admin's message becomes a notification for every user, written in one
 * statement and sent live on one broadcast channel (one publish, not one per user), which every
 * `notifications.stream` also listens to.
 */
import { announcementNotificationId, createId, insertAnnouncementNotifications } from '@nbl/db'
import type { AppDeps } from '../../deps.js'
import { recordAudit } from '../auth/audit.js'
import { publishQuietly } from '../events/channels.js'
import type { Notification } from './notification-output.js'

/** Every instance's streams listen here, besides their own user's channel. */
export const ANNOUNCEMENT_CHANNEL = 'announcements'

export type AnnouncementLevel = 'info' | 'warning'

export interface AnnouncementInput {
  title: string
  body: string
  level: AnnouncementLevel
}

/** What travels on the broadcast channel: the notification, less the id each user's row has. */
export interface AnnouncementMessage {
  kind: 'announcement'
  announcementId: string
  notification: Omit<Notification, 'id'>
}

export function isAnnouncementMessage(message: unknown): message is AnnouncementMessage {
  const candidate = message as Partial<AnnouncementMessage> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.kind === 'announcement' &&
    typeof candidate.announcementId === 'string' &&
    typeof candidate.notification?.createdAt === 'string'
  )
}

/** The announcement as `userId`'s own notification (the id its row has in the table). */
export function announcementForUser(message: AnnouncementMessage, userId: string): Notification {
  return { ...message.notification, id: announcementNotificationId(message.announcementId, userId) }
}

/**
 * Writes one notification per existing user and the admin's audit entry in one transaction, then
 * broadcasts the announcement once they are committed.
 */
export async function createAnnouncement(
  deps: AppDeps,
  input: AnnouncementInput,
  actor: { id: string; ip: string | null },
): Promise<{ id: string; recipients: number }> {
  const id = createId('ann')
  const createdAt = new Date()
  const data = { announcementId: id, level: input.level }
  const recipients = await deps.db.transaction().execute(async (trx) => {
    const inserted = await insertAnnouncementNotifications(trx, {
      announcementId: id,
      type: 'announcement',
      title: input.title,
      body: input.body,
      data,
      createdAt,
    })
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'admin.announcements.create',
      ip: actor.ip,
      details: { announcementId: id, level: input.level, recipients: inserted, title: input.title },
    })
    return inserted
  })
  const message: AnnouncementMessage = {
    kind: 'announcement',
    announcementId: id,
    notification: {
      type: 'announcement',
      title: input.title,
      body: input.body,
      data,
      read: false,
      createdAt: createdAt.toISOString(),
    },
  }
  await publishQuietly(deps, ANNOUNCEMENT_CHANNEL, message)
  return { id, recipients }
}
