/**
 * @module Media plumbing for Kling: downloading result URLs (the JWT only to the configured origin),
 * fitting images to our exact pixel size and format, and encoding inputs as Kling's raw base64.
 */
import sharp from 'sharp'
import { providerErrorFromResponse, providerErrorFromThrown, readBody } from '../../http/provider-errors.js'
import { type GeneratedImage, type OutputFormat, ProviderError, type ReferenceImage } from '../../types.js'
import { fetchFor } from '../adapter-config.js'
import type { KlingClient } from './kling-api.js'

/**
 * GETs a result URL. Kling's results live on its CDN and need no credentials, so the JWT goes only to
 * the configured API origin (where the fake serves its media), never to a foreign host.
 */
export async function downloadKlingOutput(
  client: KlingClient,
  url: string,
  signal?: AbortSignal,
): Promise<{ data: Uint8Array; contentType: string | undefined }> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ProviderError({
      provider: 'kling',
      errorClass: 'task_failed',
      message: 'kling: result URL is invalid',
    })
  }
  const sameOrigin = parsed.origin === new URL(client.baseUrl).origin
  if (!sameOrigin && parsed.protocol !== 'https:') {
    throw new ProviderError({
      provider: 'kling',
      errorClass: 'task_failed',
      message: `kling: refusing a non-HTTPS result URL on ${parsed.host}`,
    })
  }
  const headers: Record<string, string> = sameOrigin
    ? { authorization: `Bearer ${await client.tokens.token()}` }
    : {}
  let response: Response
  try {
    response = await fetchFor(client.config)(parsed.toString(), { headers, ...(signal ? { signal } : {}) })
  } catch (error) {
    throw providerErrorFromThrown('kling', error, signal)
  }
  if (!response.ok) {
    const body = await readBody(response)
    // Results are purged after 30 days; a 403/404/410 means this URL is gone.
    const expired = response.status === 403 || response.status === 404 || response.status === 410
    throw providerErrorFromResponse({
      provider: 'kling',
      response,
      body,
      ...(expired
        ? {
            errorClass: 'task_failed',
            message: `kling: the result URL answered HTTP ${response.status} (expired or removed)`,
          }
        : { message: `kling: downloading the result failed with HTTP ${response.status}` }),
    })
  }
  const data = new Uint8Array(await response.arrayBuffer())
  const contentType = response.headers.get('content-type')?.split(';')[0]?.trim() || undefined
  return { data, contentType }
}

const MIME_TYPES: Record<OutputFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' }

/**
 * Decodes a result image and makes it exactly `width`×`height` in `format`: centre-cropped to the shape,
 * then scaled (no work when it already matches). Reports the original size when it resized.
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
      provider: 'kling',
      errorClass: 'task_failed',
      message: 'kling: the result is not a decodable image',
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

// Kling's input rules (providers.md §5.1): jpg/jpeg/png, at least 300 px a side, at most 10 MB.
const MIN_SIDE = 300
const MAX_BYTES = 10 * 1024 * 1024

/**
 * An input image as Kling wants it: raw base64 (no `data:` prefix) of a JPEG or PNG at least 300 px a
 * side. Other formats are re-encoded as PNG and small images scaled up; `adjusted` says what changed.
 */
export async function toKlingBase64(image: ReferenceImage): Promise<{ base64: string; adjusted?: string }> {
  let metadata: sharp.Metadata
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
