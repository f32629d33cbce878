/**
 * @module MODERATION_BLOCKLIST_FILE: one term or `/regex/flags` per line; blank lines and lines
 * starting with `#` are skipped.
 */
import { readFile } from 'node:fs/promises'

export function parseModerationList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
}

/** The entries of a list file; rejects when it cannot be read. */
export async function readModerationListFile(file: string): Promise<string[]> {
  return parseModerationList(await readFile(file, 'utf8'))
}
