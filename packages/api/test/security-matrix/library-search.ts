/**
 * @module Security-matrix entries for library.search.*.
 */
import type { Entry } from './entries.js'

export const librarySearchMatrix: Record<string, Entry> = {}
