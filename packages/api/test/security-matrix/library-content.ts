/**
 * @module Security-matrix entries for library.templates.*, library.prompts.*.
 */
import type { Entry } from './entries.js'

export const libraryContentMatrix: Record<string, Entry> = {}
