/**
 * @module What the offline `local` image and video providers share: the seeded generator and palette of their
 * procedural pictures, colour helpers, and the abort check. Changing any of these changes their output bytes.
 */
import { createHash } from 'node:crypto'
import { ProviderError, type ReferenceImage } from '../types.js'
import { loadSharp } from './sharp-loader.js'

export type Rgb = readonly [number, number, number]

/** sfc32 seeded from a sha256 digest: small, fast and identical on every platform. */
function createRandom(digest: Buffer): () => number {
  let a = digest.readUInt32LE(0)
  let b = digest.readUInt32LE(4)
  let c = digest.readUInt32LE(8)
  let d = digest.readUInt32LE(12)
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  for (let warmUp = 0; warmUp < 12; warmUp++) next()
  return next
}

function hslToRgb(hue: number, saturation: number, lightness: number): Rgb {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation
  const sector = (((hue % 360) + 360) % 360) / 60
  const x = chroma * (1 - Math.abs((sector % 2) - 1))
  const m = lightness - chroma / 2
  const [r, g, b] =
    sector < 1
      ? [chroma, x, 0]
      : sector < 2
        ? [x, chroma, 0]
        : sector < 3
          ? [0, chroma, x]
          : sector < 4
            ? [0, x, chroma]
            : sector < 5
              ? [x, 0, chroma]
              : [chroma, 0, x]
  return [(r + m) * 255, (g + m) * 255, (b + m) * 255]
}

// Half way to the reference's average colour: clearly tinted (the shapes belong to the picture), still varied.
const TINT_WEIGHT = 0.5

/** A colour moved half way towards `tint` (when there is one), as whole 0–255 channels. */
function mixTowards(color: Rgb, tint: Rgb | undefined): Rgb {
  const mixed = color.map((channel, index) =>
    Math.round(
      Math.min(
        255,
        Math.max(0, tint === undefined ? channel : channel * (1 - TINT_WEIGHT) + tint[index]! * TINT_WEIGHT),
      ),
    ),
  )
  return [mixed[0]!, mixed[1]!, mixed[2]!]
}

/** `#rrggbb` of whole 0–255 channels (see mixTowards). */
export function toHex(color: Rgb): string {
  return `#${color.map((channel) => channel.toString(16).padStart(2, '0')).join('')}`
}

// Hue offsets of classic colour schemes: analogous, complementary, triadic, split complementary, tetradic.
const SCHEMES: ReadonlyArray<readonly number[]> = [
  [0, 30, -30, 15],
  [0, 180, 10, 190],
  [0, 120, 240, 60],
  [0, 150, 210, 20],
  [0, 90, 180, 270],
]

export interface SeededPalette {
  /** Uniform in [0, 1). */
  random: () => number
  between: (min: number, max: number) => number
  /** One colour of the palette's scheme, with a lightness in the range, mixed towards the tint. */
  color: (lightnessMin: number, lightnessMax: number) => Rgb
}

/**
 * The seeded generator of a picture (sfc32 from the sha256 of `seed` as JSON) and its palette: a base hue and
 * a colour scheme are its first draws.
 */
export function seededPalette(seed: readonly unknown[], tint: Rgb | undefined): SeededPalette {
  const random = createRandom(createHash('sha256').update(JSON.stringify(seed)).digest())
  const between = (min: number, max: number): number => min + random() * (max - min)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const baseHue = between(0, 360)
  const scheme = pick(SCHEMES)
  const color = (lightnessMin: number, lightnessMax: number): Rgb =>
    mixTowards(
      hslToRgb(
        baseHue + pick(scheme) + between(-12, 12),
        between(0.45, 0.95),
        between(lightnessMin, lightnessMax),
      ),
      tint,
    )
  return { random, between, color }
}

/** The image's mean colour; sharp's error when it cannot be decoded. */
export async function averageColor(image: ReferenceImage): Promise<Rgb> {
  const sharp = await loadSharp()
  const { channels } = await sharp(image.data).stats()
  const means = channels.map((channel) => channel.mean)
  const first = means[0] ?? 0
  // One or two channels is grey (plus alpha): the first channel is the luminance.
  if (means.length < 3) return [first, first, first]
  return [first, means[1] ?? first, means[2] ?? first]
}

/** The local providers' `timeout` ProviderError when the signal has aborted (timed out or cancelled). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted !== true) return
  const timedOut = signal.reason instanceof Error && signal.reason.name === 'TimeoutError'
  throw new ProviderError({
    provider: 'local',
    errorClass: 'timeout',
    message: timedOut ? 'the request timed out' : 'the request was aborted',
    cause: signal.reason,
  })
}
