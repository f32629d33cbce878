/**
 * @module Security-matrix entries for analytics.*: each reads only the caller's own generations
 * (scope 'all' is admin-only; `analytics.test.ts` checks that refusal and that users never see each other's numbers).
 */
import type { Entry } from './entries.js'

export const analyticsMatrix: Record<string, Entry> = {
  'analytics.overview': { kind: 'authed-no-resource' },
  'analytics.usage': { kind: 'authed-no-resource' },
  'analytics.costs': { kind: 'authed-no-resource' },
  'analytics.providers': { kind: 'authed-no-resource' },
  'analytics.trends': { kind: 'authed-no-resource' },
}
