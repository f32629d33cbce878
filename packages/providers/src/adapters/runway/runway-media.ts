/**
 * @module Media plumbing for Runway: downloading `output[]` URLs (credentials only to the configured
 * origin), fitting images to our exact pixel size and format, and encoding inputs as `data:` URIs.
 */
import sharp from 'sharp'
import { providerErrorFromResponse, providerErrorFromThrown, readBody } from '../../http/provider-errors.js'
import { type GeneratedImage, type OutputFormat, ProviderError, type ReferenceImage } from '../../types.js'
import { type AdapterConfig, fetchFor } from '../adapter-config.js'
import { runwayBaseUrl } from './runway-api.js'
import { RUNWAY_API_VERSION } from './runway-options.js'

export interface DownloadedMedia {
  data: Uint8Array
  /** From the response's Content-Type (without parameters), or undefined. */
  contentType: string | undefined
}

/**
 * GETs a provider output URL. Runway's outputs are signed CDN URLs that need no credentials, so the key
 * goes only to the configured API origin (the fake serves its media there), never to a foreign host.
 */
export async function downloadRunwayOutput(
  config: AdapterConfig,
  url: string,
  signal?: AbortSignal,
): Promise<DownloadedMedia> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ProviderError({
      provider: 'runway',
      errorClass: 'task_failed',
      message: 'runway: output URL is invalid',
    })
  }
  const sameOrigin = parsed.origin === new URL(runwayBaseUrl(config)).origin
  if (!sameOrigin && parsed.protocol !== 'https:') {
    throw new ProviderError({
      provider: 'runway',
      errorClass: 'task_failed',
      message: `runway: refusing a non-HTTPS output URL on ${parsed.host}`,
    })
  }
  const headers: Record<string, string> = sameOrigin
    ? { authorization: `Bearer ${config.apiKey}`, 'x-runway-version': RUNWAY_API_VERSION }
    : {}
  let response: Response
  try {
    response = await fetchFor(config)(parsed.toString(), { headers, ...(signal ? { signal } : {}) })
  } catch (error) {
    throw providerErrorFromThrown('runway', error, signal)
  }
  if (!response.ok) {
    const body = await readBody(response)
    // Signed URLs live 24–48 h; a 403/404/410 means this one has expired (re-GET the task for a fresh one).
    const expired = response.status === 403 || response.status === 404 || response.status === 410
    throw providerErrorFromResponse({
      provider: 'runway',
      response,
      body,
      ...(expired
        ? {
            errorClass: 'task_failed',
            message: `runway: the output URL answered HTTP ${response.status} (expired or removed)`,
          }
        : { message: `runway: downloading the output failed with HTTP ${response.status}` }),
    })
  }
  const data = new Uint8Array(await response.arrayBuffer())
  const contentType = response.headers.get('content-type')?.split(';')[0]?.trim() || undefined
  return { data, contentType }
}

const MIME_TYPES: Record<OutputFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' }

/**
 * Decodes a provider image and makes it exactly `width`×`height` in `format`: centre-cropped to the
 * shape, then scaled (no work when it already matches). Reports whether the pixels were resized.
 */
export async function fitImage(
  data: Uint8Array,
  target: { width: number; height: number; format: OutputFormat },
): Promise<{ image: GeneratedImage; resizedFrom?: { width: number; height: number } }> {
  let metadata: sharp.Metadata
  try {
    metadata = await sharp(data).metadata()
  } catch (error) {
    throw new ProviderError({
      provider: 'runway',
      errorClass: 'task_failed',
      message: 'runway: the output is not a decodable image',
      cause: error,
    })
  }
  const { width = 0, height = 0, format } = metadata
  const sameSize = width === target.width && height === target.height
  if (sameSize && format === target.format) {
    return { image: { data, mimeType: MIME_TYPES[target.format], width, height } }
  }
  let pipeline = sharp(data)
  if (!sameSize) pipeline = pipeline.resize(target.width, target.height, { fit: 'cover' })
  const encoded =
    target.format === 'png'
      ? pipeline.png({ compressionLevel: 6 })
      : target.format === 'jpeg'
        ? pipeline.jpeg({ quality: 92 })
        : pipeline.webp({ quality: 92 })
  const { data: output, info } = await encoded.toBuffer({ resolveWithObject: true })
  return {
    image: {
      data: new Uint8Array(output.buffer, output.byteOffset, output.byteLength),
      mimeType: MIME_TYPES[target.format],
      width: info.width,
      height: info.height,
    },
    ...(sameSize ? {} : { resizedFrom: { width, height } }),
  }
}

// Runway takes data URIs up to 5 MB; base64 grows bytes by 4/3, so keep raw images under ~3.6 MB.
const MAX_DATA_URI_BYTES = 3_600_000

/** A reference image as a `data:` URI Runway accepts; oversized images are re-encoded as JPEG. */
export async function toRunwayDataUri(image: ReferenceImage): Promise<{ uri: string; shrunk: boolean }> {
  if (image.data.byteLength <= MAX_DATA_URI_BYTES) {
    return {
      uri: `data:${image.mimeType};base64,${Buffer.from(image.data).toString('base64')}`,
      shrunk: false,
    }
  }
  const smaller = await sharp(image.data)
    .resize(2048, 2048, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 88 })
    .toBuffer()
  return { uri: `data:image/jpeg;base64,${smaller.toString('base64')}`, shrunk: true }
}
