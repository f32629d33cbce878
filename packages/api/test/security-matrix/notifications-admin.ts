/**
 * @module Security-matrix entries for notifications.* (beyond list/stream), admin.system.metrics, admin.announcements.*.
 */
import type { Entry } from './entries.js'

export const notificationsAdminMatrix: Record<string, Entry> = {}
