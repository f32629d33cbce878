/**
 * @module Maps stored image rows to the API's Image shape, with a fresh signed URL.
 */
import type { ImageRow } from '@nbl/db'
import type { AppDeps } from '../../deps.js'

export interface Image {
  id: string
  url: string
  mimeType: string
  width: number
  height: number
  bytes: number
  prompt: string
  provider: string
  model: string
  createdAt: string
}

export function imageRowToImage(row: ImageRow, deps: AppDeps, origin: string): Image {
  return {
    id: row.id,
    url: deps.storage.signedUrl(row.storage_key, {
      origin,
      expiresInSeconds: deps.config.signedUrlTtlSeconds,
    }),
    mimeType: row.mime_type,
    width: row.width,
    height: row.height,
    bytes: row.bytes,
    prompt: row.prompt,
    provider: row.provider,
    model: row.model,
    createdAt: row.created_at.toISOString(),
  }
}

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' }

export function imageStorageKey(userId: string, imageId: string, mimeType: string): string {
  return `images/${userId}/${imageId}.${EXTENSIONS[mimeType] ?? 'bin'}`
}
