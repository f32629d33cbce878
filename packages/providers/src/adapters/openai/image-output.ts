/**
 * @module Turning the bytes an OpenAI-style API returned into our image: decode, centre-crop and resize to our
 * exact pixel size when the model drew another one, re-encode to the requested format, report the real size.
 */
import sharp from 'sharp'
import type { PixelSize } from '../../sizes.js'
import { type GeneratedImage, type OutputFormat, ProviderError, type ProviderName } from '../../types.js'

const MIME_TYPES: Record<OutputFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' }

export interface FittedImage {
  image: GeneratedImage
  /** The size the provider drew, before any resize. */
  native: PixelSize
  resized: boolean
}

/**
 * The image at exactly `target` pixels in `format`. Bytes already right are returned untouched (no re-encode);
 * a different shape is centre-cropped (`fit: cover`), so nothing is stretched.
 * @throws ProviderError `task_failed` when the bytes are not a decodable image.
 */
export async function fitImage(
  provider: ProviderName,
  bytes: Buffer,
  target: PixelSize,
  format: OutputFormat,
): Promise<FittedImage> {
  let metadata: sharp.Metadata
  try {
    metadata = await sharp(bytes).metadata()
  } catch (error) {
    throw undecodable(provider, error)
  }
  const native = { width: metadata.width ?? 0, height: metadata.height ?? 0 }
  const rightSize = native.width === target.width && native.height === target.height
  if (rightSize && metadata.format === format) {
    return {
      image: {
        data: toUint8Array(bytes),
        mimeType: MIME_TYPES[format],
        width: native.width,
        height: native.height,
      },
      native,
      resized: false,
    }
  }
  let pipeline = sharp(bytes)
  if (!rightSize)
    pipeline = pipeline.resize(target.width, target.height, { fit: 'cover', position: 'centre' })
  try {
    const { data, info } = await encode(pipeline, format).toBuffer({ resolveWithObject: true })
    return {
      image: {
        data: toUint8Array(data),
        mimeType: MIME_TYPES[format],
        width: info.width,
        height: info.height,
      },
      native,
      resized: !rightSize,
    }
  } catch (error) {
    throw undecodable(provider, error)
  }
}

/** `data:<mime>;base64,<payload>` → bytes, or undefined when it is not a base64 data URL. */
export function parseDataUrl(url: string): { data: Buffer; mimeType: string } | undefined {
  const match = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url)
  if (!match?.[1] || match[2] === undefined) return undefined
  return { mimeType: match[1], data: Buffer.from(match[2], 'base64') }
}

/** A reference image as a data URL (OpenRouter's `image_url` parts). */
export function toDataUrl(image: { data: Uint8Array; mimeType: string }): string {
  return `data:${image.mimeType};base64,${Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength).toString('base64')}`
}

// Speed over size, as in the local provider: zlib's high levels and webp's high effort cost seconds at 2K+.
function encode(pipeline: sharp.Sharp, format: OutputFormat): sharp.Sharp {
  switch (format) {
    case 'png':
      return pipeline.png({ compressionLevel: 4, adaptiveFiltering: false })
    case 'jpeg':
      return pipeline.jpeg({ quality: 92 })
    case 'webp':
      return pipeline.webp({ quality: 92, effort: 2 })
  }
}

function toUint8Array(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

function undecodable(provider: ProviderName, cause: unknown): ProviderError {
  return new ProviderError({
    provider,
    errorClass: 'task_failed',
    message: `${provider}: the response held no decodable image`,
    cause,
  })
}
