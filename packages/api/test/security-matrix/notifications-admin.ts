/**
 * @module Security-matrix entries for notifications.* (beyond list/stream), admin.system.metrics, admin.announcements.*.
 */
import type { TestUser } from '../harness.js'
import { type Entry, ownedJob } from './entries.js'

/**
 * A notification of A's, made the way users get them (canceling a job notifies its owner); the
 * snapshot is A's whole list, so a read mark or a deletion by B would show.
 */
export async function ownedNotification(owner: TestUser) {
  const { jobId } = await ownedJob(owner)
  await owner.caller.generate.jobs.cancel({ jobId })
  const { items } = await owner.caller.notifications.list({ limit: 1 })
  const notificationId = items[0]?.id
  if (!notificationId) throw new Error('canceling a job should have notified its owner')
  return { notificationId, snapshot: () => owner.caller.notifications.list({ limit: 100 }) }
}

export const notificationsAdminMatrix: Record<string, Entry> = {
  'notifications.unreadCount': { kind: 'authed-no-resource' },
  'notifications.markAllRead': { kind: 'authed-no-resource' },
  'notifications.markRead': {
    kind: 'owned',
    setup: async (owner) => {
      const { notificationId, snapshot } = await ownedNotification(owner)
      return { input: { notificationId }, snapshot }
    },
  },
  'notifications.delete': {
    kind: 'owned',
    setup: async (owner) => {
      const { notificationId, snapshot } = await ownedNotification(owner)
      return { input: { notificationId }, snapshot }
    },
  },
  'admin.system.metrics': { kind: 'admin', input: () => undefined },
  'admin.announcements.create': {
    kind: 'admin',
    input: () => ({ title: 'Not from an admin', body: 'This must not reach anyone.' }),
  },
}
