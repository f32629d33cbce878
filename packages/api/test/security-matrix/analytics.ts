/**
 * @module Security-matrix entries for analytics.*.
 */
import type { Entry } from './entries.js'

export const analyticsMatrix: Record<string, Entry> = {}
