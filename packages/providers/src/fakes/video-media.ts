/**
 * @module Real, tiny video the fakes serve: a valid H.264 MP4 of a few KB (a yellow square crossing a
 * dark frame), encoded once per process with the same in-process encoder as the `local` video provider.
 */
import { createMp4Writer } from '../adapters/local-video.js'

/** What `tinyMp4()` holds, for assertions. */
export const TINY_MP4 = { width: 64, height: 64, frameRate: 8, frameCount: 8, durationSec: 1 } as const

let cached: Promise<Buffer> | undefined

/**
 * A valid MP4 (H.264 baseline, yuv420p, 64x64, 8 frames at 8 fps, 1 s; about 1.2 KB), encoded once and cached.
 * Starts with an `ftyp` box and holds `moov` and `mdat`, so MIME sniffing and MP4 parsers see a real file.
 * @example
 * fake.route('GET', '/files/clip.mp4', async () => new Response(await tinyMp4(), { headers: { 'content-type': 'video/mp4' } }))
 */
export function tinyMp4(): Promise<Buffer> {
  if (cached === undefined) {
    cached = encodeTinyMp4()
    // A failed encode is not cached: the next call tries again.
    cached.catch(() => {
      cached = undefined
    })
  }
  return cached
}

async function encodeTinyMp4(): Promise<Buffer> {
  const { width, height, frameRate, frameCount } = TINY_MP4
  const writer = await createMp4Writer({ width, height, frameRate, quantizer: 36 })
  try {
    const lumaSize = width * height
    const frame = new Uint8Array((lumaSize * 3) / 2)
    const square = 16
    for (let index = 0; index < frameCount; index++) {
      // Dark grey, neutral chroma.
      frame.fill(40, 0, lumaSize)
      frame.fill(128, lumaSize)
      const left = index * 6
      const top = 24
      for (let row = top; row < top + square; row++)
        frame.fill(210, row * width + left, row * width + left + square)
      // Yellow: low U, slightly high V, on the quarter-size chroma planes.
      const chromaWidth = width / 2
      for (let row = top / 2; row < (top + square) / 2; row++) {
        const start = row * chromaWidth + left / 2
        frame.fill(20, lumaSize + start, lumaSize + start + square / 2)
        frame.fill(146, lumaSize + lumaSize / 4 + start, lumaSize + lumaSize / 4 + start + square / 2)
      }
      writer.addFrame(frame)
    }
    return Buffer.from(writer.finish())
  } finally {
    writer.close()
  }
}
