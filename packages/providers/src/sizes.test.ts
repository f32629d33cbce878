/** @module Tests for the pixel size table. */
import { describe, expect, it } from 'vitest'
import { PIXEL_SIZES, pixelSize, RESOLUTION_RANK, resolutionAtMost } from './sizes.js'
import { ASPECT_RATIOS, type AspectRatio, RESOLUTIONS, type Resolution } from './types.js'

// Transcribed from providers.md §1.2 (Gemini 3 table, 1K / 2K / 4K columns).
const TABLE: ReadonlyArray<[AspectRatio, string, string, string]> = [
  ['1:1', '1024x1024', '2048x2048', '4096x4096'],
  ['16:9', '1376x768', '2752x1536', '5504x3072'],
  ['9:16', '768x1376', '1536x2752', '3072x5504'],
  ['4:3', '1200x896', '2400x1792', '4800x3584'],
  ['3:4', '896x1200', '1792x2400', '3584x4800'],
  ['3:2', '1264x848', '2528x1696', '5056x3392'],
  ['2:3', '848x1264', '1696x2528', '3392x5056'],
  ['4:5', '928x1152', '1856x2304', '3712x4608'],
  ['5:4', '1152x928', '2304x1856', '4608x3712'],
  ['21:9', '1584x672', '3168x1344', '6336x2688'],
]

const cases = TABLE.flatMap(([ratio, ...sizes]) =>
  RESOLUTIONS.map((resolution, column) => [resolution, ratio, sizes[column]!] as const),
)

describe('pixelSize', () => {
  it('covers all 30 (resolution, ratio) pairs', () => {
    expect(cases).toHaveLength(30)
    for (const resolution of RESOLUTIONS)
      expect(Object.keys(PIXEL_SIZES[resolution]).sort()).toEqual([...ASPECT_RATIOS].sort())
  })

  it.each(cases)('%s %s is %s', (resolution: Resolution, ratio: AspectRatio, expected: string) => {
    const { width, height } = pixelSize(resolution, ratio)
    expect(`${width}x${height}`).toBe(expected)
  })

  it('returns a copy the caller may change', () => {
    const size = pixelSize('1K', '1:1')
    size.width = 1
    expect(pixelSize('1K', '1:1').width).toBe(1024)
  })
})

describe('resolution rank', () => {
  it('orders 1K < 2K < 4K', () => {
    expect(RESOLUTION_RANK['1K']).toBeLessThan(RESOLUTION_RANK['2K'])
    expect(RESOLUTION_RANK['2K']).toBeLessThan(RESOLUTION_RANK['4K'])
  })

  it.each([
    ['1K', '1K', true],
    ['1K', '4K', true],
    ['2K', '2K', true],
    ['4K', '2K', false],
    ['2K', '1K', false],
  ] as const)('resolutionAtMost(%s, %s) is %s', (resolution, max, expected) => {
    expect(resolutionAtMost(resolution, max)).toBe(expected)
  })
})
