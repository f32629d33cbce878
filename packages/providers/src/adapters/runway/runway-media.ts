/**
 * @module Media plumbing for Runway: downloading `output[]` URLs (credentials only to the configured
 * origin) and encoding inputs as `data:` URIs.
 */
import {
  type DownloadedMedia,
  downloadMedia,
  type MediaDownloadOptions,
  type OpenedMedia,
  openMedia,
} from '../../http/download.js'
import type { ReferenceImage } from '../../types.js'
import { type AdapterConfig, fetchFor } from '../adapter-config.js'
import { toDataUrl } from '../image-output.js'
import { loadSharp } from '../sharp-loader.js'
import { runwayBaseUrl } from './runway-api.js'
import { RUNWAY_API_VERSION } from './runway-options.js'

/**
 * GETs a provider output URL. Runway's outputs are signed CDN URLs that need no credentials, so the key
 * goes only to the configured API origin (the fake serves its media there), never to a foreign host.
 * Signed URLs live 24–48 h; a 403/404/410 means this one has expired (re-GET the task for a fresh one).
 */
export function downloadRunwayOutput(
  config: AdapterConfig,
  url: string,
  signal?: AbortSignal,
): Promise<DownloadedMedia> {
  return downloadMedia(url, runwayMediaOptions(config, signal))
}

/** `downloadRunwayOutput` as a stream, for storing a clip while it arrives. */
export function openRunwayOutput(
  config: AdapterConfig,
  url: string,
  signal?: AbortSignal,
): Promise<OpenedMedia> {
  return openMedia(url, runwayMediaOptions(config, signal))
}

function runwayMediaOptions(config: AdapterConfig, signal: AbortSignal | undefined): MediaDownloadOptions {
  return {
    provider: 'runway',
    fetch: fetchFor(config),
    baseUrl: runwayBaseUrl(config),
    what: 'output',
    credentials: () => ({ authorization: `Bearer ${config.apiKey}`, 'x-runway-version': RUNWAY_API_VERSION }),
    signal,
  }
}

// Runway takes data URIs up to 5 MB; base64 grows bytes by 4/3, so keep raw images under ~3.6 MB.
const MAX_DATA_URI_BYTES = 3_600_000

/** A reference image as a `data:` URI Runway accepts; oversized images are re-encoded as JPEG. */
export async function toRunwayDataUri(image: ReferenceImage): Promise<{ uri: string; shrunk: boolean }> {
  const sharp = await loadSharp()
  if (image.data.byteLength <= MAX_DATA_URI_BYTES) {
    return { uri: toDataUrl(image), shrunk: false }
  }
  const smaller = await sharp(image.data)
    .resize(2048, 2048, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 88 })
    .toBuffer()
  return { uri: toDataUrl({ data: smaller, mimeType: 'image/jpeg' }), shrunk: true }
}
