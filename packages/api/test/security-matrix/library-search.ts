/**
 * @module Security-matrix entries for library.search.*. They name no resource; that they never
 * return another user's private image, prompt or template is proven in
 * `src/routers/library/search.test.ts`.
 */
import type { Entry } from './entries.js'

export const librarySearchMatrix: Record<string, Entry> = {
  'library.search.global': { kind: 'authed-no-resource' },
  'library.search.images': { kind: 'authed-no-resource' },
  'library.search.prompts': { kind: 'authed-no-resource' },
  'library.search.suggestions': { kind: 'authed-no-resource' },
}
