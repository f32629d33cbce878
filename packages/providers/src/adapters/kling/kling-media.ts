/**
 * @module Media plumbing for Kling: downloading result URLs (the JWT only to the configured origin) and
 * encoding inputs as Kling's raw base64.
 */
import type { Metadata } from 'sharp'
import {
  type DownloadedMedia,
  downloadMedia,
  type MediaDownloadOptions,
  type OpenedMedia,
  openMedia,
} from '../../http/download.js'
import { ProviderError, type ReferenceImage } from '../../types.js'
import { fetchFor } from '../adapter-config.js'
import { loadSharp } from '../sharp-loader.js'
import type { KlingClient } from './kling-api.js'

/**
 * GETs a result URL. Kling's results live on its CDN and need no credentials, so the JWT goes only to
 * the configured API origin (where the fake serves its media), never to a foreign host. Results are purged
 * after 30 days; a 403/404/410 means this URL is gone.
 */
export function downloadKlingOutput(
  client: KlingClient,
  url: string,
  signal?: AbortSignal,
): Promise<DownloadedMedia> {
  return downloadMedia(url, klingMediaOptions(client, signal))
}

/** `downloadKlingOutput` as a stream, for storing a clip while it arrives. */
export function openKlingOutput(
  client: KlingClient,
  url: string,
  signal?: AbortSignal,
): Promise<OpenedMedia> {
  return openMedia(url, klingMediaOptions(client, signal))
}

function klingMediaOptions(client: KlingClient, signal: AbortSignal | undefined): MediaDownloadOptions {
  return {
    provider: 'kling',
    fetch: fetchFor(client.config),
    baseUrl: client.baseUrl,
    what: 'result',
    credentials: async () => ({ authorization: `Bearer ${await client.tokens.token()}` }),
    signal,
  }
}

// Kling's input rules (providers.md §5.1): jpg/jpeg/png, at least 300 px a side, at most 10 MB.
const MIN_SIDE = 300
const MAX_BYTES = 10 * 1024 * 1024

/**
 * An input image as Kling wants it: raw base64 (no `data:` prefix) of a JPEG or PNG at least 300 px a
 * side. Other formats are re-encoded as PNG and small images scaled up; `adjusted` says what changed.
 */
export async function toKlingBase64(image: ReferenceImage): Promise<{ base64: string; adjusted?: string }> {
  const sharp = await loadSharp()
  let metadata: Metadata
  try {
    metadata = await sharp(image.data).metadata()
  } catch (error) {
    throw new ProviderError({
      provider: 'kling',
      errorClass: 'invalid_request',
      message: 'kling: an input image could not be decoded',
      cause: error,
    })
  }
  const { width = 0, height = 0, format } = metadata
  const acceptedFormat = format === 'jpeg' || format === 'png'
  const bigEnough = Math.min(width, height) >= MIN_SIDE
  if (acceptedFormat && bigEnough && image.data.byteLength <= MAX_BYTES) {
    return { base64: Buffer.from(image.data).toString('base64') }
  }
  let pipeline = sharp(image.data)
  const changes: string[] = []
  if (!bigEnough) {
    const scale = MIN_SIDE / Math.max(1, Math.min(width, height))
    pipeline = pipeline.resize(Math.ceil(width * scale), Math.ceil(height * scale))
    changes.push(`scaled up from ${width}×${height} to the 300 px minimum`)
  } else if (width > 4096 || height > 4096) {
    pipeline = pipeline.resize(4096, 4096, { fit: 'inside' })
  }
  const output = acceptedFormat && format === 'jpeg' ? pipeline.jpeg({ quality: 90 }) : pipeline.png()
  if (!acceptedFormat) changes.push(`re-encoded ${format ?? 'unknown'} as PNG`)
  const buffer = await output.toBuffer()
  return {
    base64: buffer.toString('base64'),
    ...(changes.length > 0 ? { adjusted: changes.join('; ') } : {}),
  }
}
