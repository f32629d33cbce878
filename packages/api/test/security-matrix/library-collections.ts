/**
 * @module Security-matrix entries for library.favorites.*, library.projects.*.
 */
import type { Entry } from './entries.js'

export const libraryCollectionsMatrix: Record<string, Entry> = {}
