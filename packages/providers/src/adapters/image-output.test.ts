import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { fitImage, pngSize } from './image-output.js'

const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3a7bd5' } })
    .png()
    .toBuffer()

describe('fitImage', () => {
  it('returns a PNG already at the target size untouched, its size read from the header', async () => {
    const bytes = await png(64, 32)
    const fitted = await fitImage('openai', bytes, { width: 64, height: 32 }, 'png')
    expect(Buffer.from(fitted.image.data).equals(bytes)).toBe(true)
    expect(fitted).toMatchObject({
      image: { mimeType: 'image/png', width: 64, height: 32 },
      native: { width: 64, height: 32 },
      nativeFormat: 'png',
      resized: false,
    })
  })

  it('still resizes a PNG of another size and re-encodes one asked for in another format', async () => {
    const bytes = await png(64, 32)
    const resized = await fitImage('openai', bytes, { width: 32, height: 32 }, 'png')
    expect(resized.resized).toBe(true)
    expect(await sharp(resized.image.data).metadata()).toMatchObject({ width: 32, height: 32, format: 'png' })
    const jpeg = await fitImage('openai', bytes, { width: 64, height: 32 }, 'jpeg')
    expect(jpeg.image.mimeType).toBe('image/jpeg')
    expect((await sharp(jpeg.image.data).metadata()).format).toBe('jpeg')
  })

  it('refuses bytes that are not an image as task_failed', async () => {
    await expect(
      fitImage('openai', Buffer.from('this is not an image'), { width: 64, height: 32 }, 'png'),
    ).rejects.toMatchObject({ errorClass: 'task_failed' })
  })
})

describe('pngSize', () => {
  it('reads width and height from the IHDR chunk, also from a view into a larger buffer', async () => {
    const bytes = await png(1536, 1024)
    expect(pngSize(bytes)).toEqual({ width: 1536, height: 1024 })
    const padded = Buffer.concat([Buffer.alloc(7), bytes])
    expect(pngSize(padded.subarray(7))).toEqual({ width: 1536, height: 1024 })
  })

  it('is undefined for other formats and for truncated or foreign bytes', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .jpeg()
      .toBuffer()
    expect(pngSize(jpeg)).toBeUndefined()
    expect(pngSize((await png(8, 8)).subarray(0, 20))).toBeUndefined()
    expect(pngSize(Buffer.from('this is not an image, but long enough'))).toBeUndefined()
  })
})
