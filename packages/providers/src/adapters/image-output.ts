/**
 * @module Turning the bytes a provider returned into our image: decode, centre-crop and resize to our exact
 * pixel size when the model drew another one, re-encode to the requested format only when needed, report the
 * real size; the `adjusted` warnings that go with it; and images as `data:` URLs.
 */
import type { Metadata, Sharp as SharpPipeline } from 'sharp'
import type { PixelSize } from '../sizes.js'
import {
  type GeneratedImage,
  type OutputFormat,
  ProviderError,
  type ProviderName,
  type ProviderWarning,
} from '../types.js'
import { loadSharp } from './sharp-loader.js'

export const MIME_TYPES: Readonly<Record<OutputFormat, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
}

export interface FittedImage {
  image: GeneratedImage
  /** The size the provider drew, before any resize. */
  native: PixelSize
  /** The format the provider encoded (sharp's name, e.g. `png`), before any re-encode. */
  nativeFormat: string | undefined
  resized: boolean
}

/**
 * The image at exactly `target` pixels in `format`. Bytes already right are returned untouched (no re-encode);
 * a different shape is centre-cropped (`fit: cover`), so nothing is stretched.
 * @throws ProviderError `task_failed` when the bytes are not a decodable image.
 */
export async function fitImage(
  provider: ProviderName,
  bytes: Uint8Array,
  target: PixelSize,
  format: OutputFormat,
): Promise<FittedImage> {
  // The common case, a PNG already at our size, needs no decoder round trip: its header says so.
  if (format === 'png') {
    const size = pngSize(bytes)
    if (size && size.width === target.width && size.height === target.height) {
      return {
        image: { data: view(bytes), mimeType: MIME_TYPES.png, width: size.width, height: size.height },
        native: size,
        nativeFormat: 'png',
        resized: false,
      }
    }
  }
  const sharp = await loadSharp()
  let metadata: Metadata
  try {
    metadata = await sharp(bytes).metadata()
  } catch (error) {
    throw undecodable(provider, error)
  }
  const native = { width: metadata.width ?? 0, height: metadata.height ?? 0 }
  const nativeFormat = metadata.format
  const rightSize = native.width === target.width && native.height === target.height
  if (rightSize && nativeFormat === format) {
    return {
      image: { data: view(bytes), mimeType: MIME_TYPES[format], width: native.width, height: native.height },
      native,
      nativeFormat,
      resized: false,
    }
  }
  let pipeline = sharp(bytes)
  if (!rightSize)
    pipeline = pipeline.resize(target.width, target.height, { fit: 'cover', position: 'centre' })
  try {
    const { data, info } = await encode(pipeline, format).toBuffer({ resolveWithObject: true })
    return {
      image: { data: view(data), mimeType: MIME_TYPES[format], width: info.width, height: info.height },
      native,
      nativeFormat,
      resized: !rightSize,
    }
  } catch (error) {
    throw undecodable(provider, error)
  }
}

/**
 * The `adjusted` warning when the provider drew another size than ours (the first resized image's), e.g.
 * `flux-pro-1.1 made 1216x896; resized to 1200x896`; `by` names who drew it, `times` is the sign between
 * width and height.
 */
export function resizedWarning(
  fitted: readonly FittedImage[],
  target: PixelSize,
  by: string,
  times: 'x' | '×' = 'x',
): ProviderWarning | undefined {
  const resized = fitted.find((item) => item.resized)
  if (!resized) return undefined
  const { native } = resized
  return {
    type: 'adjusted',
    feature: 'size',
    details: `${by} made ${native.width}${times}${native.height}; resized to ${target.width}${times}${target.height}`,
  }
}

/** The `adjusted` warning when the provider sent another format than the one asked for (so it was converted). */
export function convertedWarning(
  fitted: readonly FittedImage[],
  format: OutputFormat,
  by: string,
): ProviderWarning | undefined {
  const converted = fitted.find((item) => item.nativeFormat !== format)
  if (!converted) return undefined
  return {
    type: 'adjusted',
    feature: 'outputFormat',
    details: `${by} returned ${converted.nativeFormat ?? 'an unknown format'}; converted to ${format}`,
  }
}

/** `data:<mime>;base64,<payload>` → bytes, or undefined when it is not a base64 data URL. */
export function parseDataUrl(url: string): { data: Buffer; mimeType: string } | undefined {
  const match = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url)
  if (!match?.[1] || match[2] === undefined) return undefined
  return { mimeType: match[1], data: Buffer.from(match[2], 'base64') }
}

/** An image as a `data:<mime>;base64,…` URL (how several APIs take reference images). */
export function toDataUrl(image: { data: Uint8Array; mimeType: string }): string {
  return `data:${image.mimeType};base64,${Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength).toString('base64')}`
}

// Speed over size, as in the local provider: zlib's high levels and webp's high effort cost seconds at 2K+.
function encode(pipeline: SharpPipeline, format: OutputFormat): SharpPipeline {
  switch (format) {
    case 'png':
      return pipeline.png({ compressionLevel: 4, adaptiveFiltering: false })
    case 'jpeg':
      return pipeline.jpeg({ quality: 92 })
    case 'webp':
      return pipeline.webp({ quality: 92, effort: 2 })
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const IHDR = [0x49, 0x48, 0x44, 0x52]

/** Width and height from a PNG's first chunk (IHDR), read without decoding; undefined when not a PNG. */
export function pngSize(bytes: Uint8Array): PixelSize | undefined {
  if (bytes.byteLength < 24) return undefined
  if (PNG_SIGNATURE.some((byte, index) => bytes[index] !== byte)) return undefined
  if (IHDR.some((byte, index) => bytes[12 + index] !== byte)) return undefined
  const header = new DataView(bytes.buffer, bytes.byteOffset, 24)
  return { width: header.getUint32(16), height: header.getUint32(20) }
}

function view(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function undecodable(provider: ProviderName, cause: unknown): ProviderError {
  return new ProviderError({
    provider,
    errorClass: 'task_failed',
    message: `${provider}: the returned image is not decodable`,
    cause,
  })
}
