/**
 * @module Real, tiny media the fakes serve, so decoding and MIME sniffing are exercised.
 */
import sharp from 'sharp'

const cache = new Map<string, Promise<Buffer>>()

/** A valid PNG (or JPEG / WebP) of the given size and colour, encoded once and cached. */
export function tinyImage(
  options: { width?: number; height?: number; format?: 'png' | 'jpeg' | 'webp'; color?: string } = {},
): Promise<Buffer> {
  const { width = 8, height = 8, format = 'png', color = '#f5c518' } = options
  const key = `${width}x${height}:${format}:${color}`
  let image = cache.get(key)
  if (!image) {
    image = sharp({ create: { width, height, channels: 3, background: color } })
      .toFormat(format)
      .toBuffer()
    cache.set(key, image)
  }
  return image
}
