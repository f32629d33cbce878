/**
 * @module Resolves the ImageRefs of a request to bytes: the caller's own stored images and data URLs.
 */
import { findImageForOwner } from '@nbl/db'
import type { ReferenceImage } from '@nbl/providers'
import type { AppDeps } from '../../deps.js'
import { AppError } from '../../errors.js'
import { type ImageRef, MAX_REFERENCE_IMAGE_BYTES } from '../../schemas.js'
import { fetchPublicImage } from './remote-image.js'

export async function resolveReferenceImages(
  deps: AppDeps,
  userId: string,
  references: ImageRef[],
  signal?: AbortSignal,
): Promise<ReferenceImage[]> {
  return Promise.all(
    references.map(async (reference, index): Promise<ReferenceImage> => {
      if ('imageId' in reference) {
        const row = await findImageForOwner(deps.db, userId, reference.imageId)
        const data = row ? await deps.storage.read(row.storage_key) : undefined
        if (!row || !data) throw new AppError('NOT_FOUND', `referenceImages.${index}: image not found`)
        return { data, mimeType: row.mime_type }
      }
      if ('dataUrl' in reference) {
        const comma = reference.dataUrl.indexOf(',')
        const mimeType = reference.dataUrl.slice(5, reference.dataUrl.indexOf(';'))
        const data = Buffer.from(reference.dataUrl.slice(comma + 1), 'base64')
        if (data.length === 0 || data.length > MAX_REFERENCE_IMAGE_BYTES) {
          throw new AppError('VALIDATION', `referenceImages.${index}: the image must be 1 byte to 10 MB`, {
            fieldErrors: { [`referenceImages.${index}.dataUrl`]: ['the image must be 1 byte to 10 MB'] },
          })
        }
        return { data, mimeType }
      }
      return fetchPublicImage(reference.url, {
        maxBytes: MAX_REFERENCE_IMAGE_BYTES,
        field: `referenceImages.${index}`,
        ...(signal ? { signal } : {}),
        ...(deps.remoteImages?.lookup ? { lookup: deps.remoteImages.lookup } : {}),
        ...(deps.remoteImages?.request ? { request: deps.remoteImages.request } : {}),
      })
    }),
  )
}
