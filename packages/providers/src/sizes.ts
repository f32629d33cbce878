/**
 * @module Pixel sizes per (resolution, aspect ratio): the Gemini 3 table (providers.md §1.2, 1K / 2K / 4K
 * columns), shared by every adapter so an image's reported size means the same thing everywhere.
 */
import type { AspectRatio, Resolution } from './types.js'

export interface PixelSize {
  width: number
  height: number
}

/** The full table; `pixelSize` is the accessor. */
export const PIXEL_SIZES: Readonly<Record<Resolution, Readonly<Record<AspectRatio, PixelSize>>>> = {
  '1K': {
    '1:1': { width: 1024, height: 1024 },
    '16:9': { width: 1376, height: 768 },
    '9:16': { width: 768, height: 1376 },
    '4:3': { width: 1200, height: 896 },
    '3:4': { width: 896, height: 1200 },
    '3:2': { width: 1264, height: 848 },
    '2:3': { width: 848, height: 1264 },
    '4:5': { width: 928, height: 1152 },
    '5:4': { width: 1152, height: 928 },
    '21:9': { width: 1584, height: 672 },
  },
  '2K': {
    '1:1': { width: 2048, height: 2048 },
    '16:9': { width: 2752, height: 1536 },
    '9:16': { width: 1536, height: 2752 },
    '4:3': { width: 2400, height: 1792 },
    '3:4': { width: 1792, height: 2400 },
    '3:2': { width: 2528, height: 1696 },
    '2:3': { width: 1696, height: 2528 },
    '4:5': { width: 1856, height: 2304 },
    '5:4': { width: 2304, height: 1856 },
    '21:9': { width: 3168, height: 1344 },
  },
  '4K': {
    '1:1': { width: 4096, height: 4096 },
    '16:9': { width: 5504, height: 3072 },
    '9:16': { width: 3072, height: 5504 },
    '4:3': { width: 4800, height: 3584 },
    '3:4': { width: 3584, height: 4800 },
    '3:2': { width: 5056, height: 3392 },
    '2:3': { width: 3392, height: 5056 },
    '4:5': { width: 3712, height: 4608 },
    '5:4': { width: 4608, height: 3712 },
    '21:9': { width: 6336, height: 2688 },
  },
}

/**
 * The pixel size of an image at this resolution and aspect ratio.
 * @example pixelSize('1K', '16:9') // { width: 1376, height: 768 }
 */
export function pixelSize(resolution: Resolution, aspectRatio: AspectRatio): PixelSize {
  const size = PIXEL_SIZES[resolution][aspectRatio]
  return { width: size.width, height: size.height }
}

/** Resolutions ordered by size, for comparisons (`1K` < `2K` < `4K`). */
export const RESOLUTION_RANK: Readonly<Record<Resolution, number>> = { '1K': 1, '2K': 2, '4K': 3 }

/**
 * Whether `resolution` is no larger than `max`.
 * @example resolutionAtMost('2K', '4K') // true
 */
export function resolutionAtMost(resolution: Resolution, max: Resolution): boolean {
  return RESOLUTION_RANK[resolution] <= RESOLUTION_RANK[max]
}
