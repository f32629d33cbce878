/**
 * @module The API shape of a saved prompt and its row mapper.
 */
import type { PromptRow } from '@nbl/db'

export interface LibraryPrompt {
  id: string
  title: string
  text: string
  category: string
  tags: string[]
  isPublic: boolean
  /** Whether the caller owns it (and so may update or delete it). */
  isOwner: boolean
  createdAt: string
  updatedAt: string
}

export function promptRowToPrompt(row: PromptRow, callerId: string): LibraryPrompt {
  return {
    id: row.id,
    title: row.title,
    text: row.text,
    category: row.category,
    tags: row.tags,
    isPublic: row.is_public,
    isOwner: row.user_id === callerId,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}
