/**
 * @module OpenAI's `size` ("1536x1024") and `quality` onto our resolution and aspect ratio: the
 * nearest of our aspect ratios (by log ratio), and the resolution whose long side covers the ask.
 */
import { ASPECT_RATIOS, type AspectRatio, type Resolution } from '@nbl/providers'

const SIZE_PATTERN = /^(\d{2,5})x(\d{2,5})$/

export interface MappedSize {
  resolution?: Resolution
  aspectRatio?: AspectRatio
}

/** `undefined` when the size is not `auto` and not `<w>x<h>` within 64..8192. */
export function mapOpenAISize(size: string | undefined, quality: string | undefined): MappedSize | undefined {
  // Without a size, "high"/"hd" asks for more pixels: 2K. Other qualities keep the caller's defaults.
  const qualityResolution: Resolution | undefined = quality === 'high' || quality === 'hd' ? '2K' : undefined
  if (size === undefined || size === 'auto') return qualityResolution ? { resolution: qualityResolution } : {}
  const match = SIZE_PATTERN.exec(size)
  if (!match) return undefined
  const width = Number(match[1])
  const height = Number(match[2])
  if (width < 64 || height < 64 || width > 8192 || height > 8192) return undefined
  const longSide = Math.max(width, height)
  const resolution: Resolution = longSide <= 1800 ? '1K' : longSide <= 3000 ? '2K' : '4K'
  return { resolution, aspectRatio: nearestAspectRatio(width / height) }
}

function nearestAspectRatio(ratio: number): AspectRatio {
  let best: AspectRatio = '1:1'
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of ASPECT_RATIOS) {
    const [w, h] = candidate.split(':').map(Number) as [number, number]
    const distance = Math.abs(Math.log(ratio) - Math.log(w / h))
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}
