/**
 * @module Bus channel names and what travels on them. Messages carry rows as stored (no signed
 * URLs, which each subscriber makes for its own origin).
 */
import type { JobEventType } from '@nbl/db'
import type { AppDeps } from '../../deps.js'
import type { Notification } from '../notifications/notification-output.js'

/** `job:<jobId>`: every event appended to that job's log. */
export const jobChannel = (jobId: string): string => `job:${jobId}`
/** `user:<userId>`: that user's new notifications. */
export const userChannel = (userId: string): string => `user:${userId}`

export interface StoredJobEvent {
  seq: number
  type: JobEventType
  payload: Record<string, unknown>
}

export interface JobEventsMessage {
  kind: 'job-events'
  jobId: string
  events: StoredJobEvent[]
}

export interface NotificationMessage {
  kind: 'notification'
  notification: Notification
}

export function isJobEventsMessage(message: unknown, jobId: string): message is JobEventsMessage {
  const candidate = message as Partial<JobEventsMessage> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.kind === 'job-events' &&
    candidate.jobId === jobId &&
    Array.isArray(candidate.events) &&
    candidate.events.every((event) => Number.isInteger(event?.seq) && typeof event?.type === 'string')
  )
}

export function isNotificationMessage(message: unknown): message is NotificationMessage {
  const candidate = message as Partial<NotificationMessage> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.kind === 'notification' &&
    typeof candidate.notification?.id === 'string'
  )
}

/**
 * Publishes after the rows are committed. A failure is logged, not thrown: the rows are safe in
 * the database, and streams re-read it when they notice a gap or go quiet.
 */
export async function publishQuietly(deps: AppDeps, channel: string, message: unknown): Promise<void> {
  try {
    await deps.events.publish(channel, message)
  } catch (error) {
    deps.logger.warn(
      { channel, err: error instanceof Error ? error.message : String(error) },
      'could not publish an event; streams will catch up from the database',
    )
  }
}
