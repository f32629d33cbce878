/**
 * @module Maps notification rows to the API's notification shape, and sends new ones live.
 */
import type { NotificationRow } from '@nbl/db'
import type { AppDeps } from '../../deps.js'
import { type NotificationMessage, publishQuietly, userChannel } from '../events/channels.js'

export interface Notification {
  id: string
  /** e.g. `job.finished`. */
  type: string
  title: string
  body: string
  data: Record<string, unknown>
  read: boolean
  readAt?: string
  createdAt: string
}

export function notificationRowToNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    body: row.body,
    data: row.data,
    read: row.read_at !== null,
    ...(row.read_at ? { readAt: row.read_at.toISOString() } : {}),
    createdAt: row.created_at.toISOString(),
  }
}

/** Sends a committed notification to its owner's open `notifications.stream`s. */
export async function publishNotification(deps: AppDeps, row: NotificationRow): Promise<void> {
  const message: NotificationMessage = {
    kind: 'notification',
    notification: notificationRowToNotification(row),
  }
  await publishQuietly(deps, userChannel(row.user_id), message)
}
