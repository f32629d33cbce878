/** @module Tests for the offline `local` provider: real pixels, exact sizes, determinism, warnings, tint. */
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { pixelSize } from '../sizes.js'
import { imageRequest } from '../testing.js'
import {
  type AspectRatio,
  type ImageGenerationRequest,
  type OutputFormat,
  ProviderError,
  type Resolution,
} from '../types.js'
import { createLocalProvider, LOCAL_MODEL_ID } from './local.js'

const local = createLocalProvider()

const request = (overrides: Partial<ImageGenerationRequest> = {}) =>
  imageRequest({ prompt: 'a watercolor fox reading a map', ...overrides })

async function firstImage(overrides: Partial<ImageGenerationRequest> = {}) {
  const { images } = await local.generateImage(request(overrides))
  return images[0]!
}

async function rawPixels(data: Uint8Array, size = 256): Promise<Buffer> {
  return sharp(data).resize(size, size, { fit: 'fill' }).removeAlpha().raw().toBuffer()
}

function meanAbsoluteDifference(left: Buffer, right: Buffer): number {
  let total = 0
  for (let index = 0; index < left.length; index++) total += Math.abs(left[index]! - right[index]!)
  return total / left.length
}

/** 8 bins per channel, normalised; L1 distance lies in 0..6. */
function histogramDistance(left: Buffer, right: Buffer): number {
  const histogram = (pixels: Buffer) => {
    const bins = new Array<number>(24).fill(0)
    for (let index = 0; index < pixels.length; index++)
      bins[(index % 3) * 8 + (pixels[index]! >> 5)]! += 3 / pixels.length
    return bins
  }
  const a = histogram(left)
  const b = histogram(right)
  return a.reduce((sum, value, index) => sum + Math.abs(value - b[index]!), 0)
}

function channelMeans(pixels: Buffer): [number, number, number] {
  const sums = [0, 0, 0]
  for (let index = 0; index < pixels.length; index++) sums[index % 3]! += pixels[index]!
  const count = pixels.length / 3
  return [sums[0]! / count, sums[1]! / count, sums[2]! / count]
}

async function solidReference(background: { r: number; g: number; b: number }) {
  const data = await sharp({ create: { width: 64, height: 64, channels: 3, background } })
    .png()
    .toBuffer()
  return { data: new Uint8Array(data), mimeType: 'image/png' }
}

describe('local provider', () => {
  it('declares its name, model, capabilities and zero price', () => {
    expect(local.specificationVersion).toBe('v1')
    expect(local.name).toBe('local')
    expect(local.defaultModel).toBe(LOCAL_MODEL_ID)
    expect(local.capabilities).toMatchObject({
      kinds: ['image'],
      maxResolution: '4K',
      maxReferenceImages: 4,
      searchGrounding: false,
      multiTurn: true,
      maxImagesPerCall: 4,
    })
    expect(local.capabilities.aspectRatios).toHaveLength(10)
    expect(local.pricing.perImageUsd).toEqual({ '1K': 0, '2K': 0, '4K': 0 })
  })

  it.each([
    ['1K', '16:9', 1376, 768],
    ['1K', '1:1', 1024, 1024],
    ['1K', '21:9', 1584, 672],
    ['2K', '9:16', 1536, 2752],
    ['2K', '4:5', 1856, 2304],
    ['4K', '21:9', 6336, 2688],
  ] as const)(
    'renders %s %s at exactly %ix%i',
    async (resolution: Resolution, aspectRatio: AspectRatio, width, height) => {
      const image = await firstImage({ resolution, aspectRatio })
      const metadata = await sharp(image.data).metadata()
      expect({ width: metadata.width, height: metadata.height }).toEqual({ width, height })
      expect({ width: image.width, height: image.height }).toEqual(pixelSize(resolution, aspectRatio))
    },
  )

  it.each([
    ['png', 'image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
    ['jpeg', 'image/jpeg', [0xff, 0xd8, 0xff]],
    ['webp', 'image/webp', [0x52, 0x49, 0x46, 0x46]],
  ] as const)(
    'encodes %s with mime type %s and its magic bytes',
    async (format: OutputFormat, mimeType, magic) => {
      const image = await firstImage({ outputFormat: format, aspectRatio: '3:2' })
      expect(image.mimeType).toBe(mimeType)
      expect([...image.data.subarray(0, magic.length)]).toEqual([...magic])
      if (format === 'webp') expect(Buffer.from(image.data.subarray(8, 12)).toString('latin1')).toBe('WEBP')
      const metadata = await sharp(image.data).metadata()
      expect(metadata.format).toBe(format)
      expect({ width: metadata.width, height: metadata.height }).toEqual({ width: 1264, height: 848 })
    },
  )

  it('is byte-identical for the same prompt, seed and index, across instances', async () => {
    const first = await firstImage({ seed: 7 })
    const second = await createLocalProvider().generateImage(request({ seed: 7 }))
    expect(Buffer.from(second.images[0]!.data).equals(Buffer.from(first.data))).toBe(true)
  })

  it('changes with the seed and with the index within one call', async () => {
    const seeded = await firstImage({ seed: 1 })
    const reseeded = await firstImage({ seed: 2 })
    expect(Buffer.from(seeded.data).equals(Buffer.from(reseeded.data))).toBe(false)

    const { images } = await local.generateImage(request({ count: 3 }))
    expect(images).toHaveLength(3)
    const [a, b, c] = await Promise.all(images.map((image) => rawPixels(image.data)))
    expect(meanAbsoluteDifference(a!, b!)).toBeGreaterThan(30)
    expect(meanAbsoluteDifference(b!, c!)).toBeGreaterThan(30)
  })

  it('draws visibly different images for different prompts', async () => {
    const prompts = ['a watercolor fox', 'a cyberpunk city at night', 'mountains at dawn', 'a bowl of fruit']
    const pixels = await Promise.all(
      prompts.map(async (prompt) => rawPixels((await firstImage({ prompt, aspectRatio: '16:9' })).data)),
    )
    for (let left = 0; left < pixels.length; left++) {
      for (let right = left + 1; right < pixels.length; right++) {
        // Raw pixels differ a lot, and so do the colour distributions, not just the layout.
        expect(meanAbsoluteDifference(pixels[left]!, pixels[right]!)).toBeGreaterThan(30)
        expect(histogramDistance(pixels[left]!, pixels[right]!)).toBeGreaterThan(1)
      }
    }
  })

  it('is not a flat image', async () => {
    const { channels } = await sharp((await firstImage()).data).stats()
    expect(Math.max(...channels.map((channel) => channel.stdev))).toBeGreaterThan(20)
  })

  it('warns about what it cannot honour, and only then', async () => {
    expect((await local.generateImage(request())).warnings).toEqual([])
    const { warnings } = await local.generateImage(
      request({ negativePrompt: 'no text', searchGrounding: true }),
    )
    expect(warnings).toEqual([
      { type: 'unsupported', feature: 'negativePrompt' },
      { type: 'unsupported', feature: 'searchGrounding' },
    ])
  })

  it('tints the palette towards the first reference image', async () => {
    const plain = channelMeans(await rawPixels((await firstImage()).data))
    const red = await solidReference({ r: 255, g: 0, b: 0 })
    const reddened = channelMeans(await rawPixels((await firstImage({ referenceImages: [red] })).data))
    expect(reddened[0] - reddened[1]).toBeGreaterThan(60)
    expect(reddened[0] - reddened[2]).toBeGreaterThan(60)
    expect(reddened[0]).toBeGreaterThan(plain[0])

    const blue = await solidReference({ r: 0, g: 0, b: 255 })
    const blued = channelMeans(await rawPixels((await firstImage({ referenceImages: [blue] })).data))
    expect(blued[2] - blued[0]).toBeGreaterThan(60)
    expect(blued[2] - blued[1]).toBeGreaterThan(60)
  })

  it('uses only the first of several references, and says so', async () => {
    const red = await solidReference({ r: 255, g: 0, b: 0 })
    const blue = await solidReference({ r: 0, g: 0, b: 255 })
    const result = await local.generateImage(request({ referenceImages: [red, blue] }))
    const [r, , b] = channelMeans(await rawPixels(result.images[0]!.data))
    expect(r).toBeGreaterThan(b)
    expect(result.warnings).toEqual([
      expect.objectContaining({ type: 'adjusted', feature: 'referenceImages' }),
    ])
  })

  it('rejects an undecodable reference as invalid_request', async () => {
    const broken = { data: new Uint8Array([1, 2, 3, 4]), mimeType: 'image/png' }
    await expect(local.generateImage(request({ referenceImages: [broken] }))).rejects.toMatchObject({
      name: 'ProviderError',
      provider: 'local',
      errorClass: 'invalid_request',
      retryable: false,
    })
  })

  it.each([0, 5, 1.5])('rejects count %s as invalid_request', async (count) => {
    await expect(local.generateImage(request({ count }))).rejects.toMatchObject({
      errorClass: 'invalid_request',
    })
  })

  it.each(['gif', 'constructor'])('rejects output format %s as invalid_request', async (format) => {
    await expect(
      local.generateImage(request({ outputFormat: format as OutputFormat })),
    ).rejects.toMatchObject({ errorClass: 'invalid_request' })
  })

  it('rejects more than four references', async () => {
    const red = await solidReference({ r: 255, g: 0, b: 0 })
    await expect(
      local.generateImage(request({ referenceImages: [red, red, red, red, red] })),
    ).rejects.toMatchObject({ errorClass: 'invalid_request' })
  })

  it('throws a timeout ProviderError when aborted before the render', async () => {
    const controller = new AbortController()
    controller.abort()
    const error = await local
      .generateImage(request(), { signal: controller.signal })
      .catch((thrown) => thrown)
    expect(ProviderError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ errorClass: 'timeout', message: 'the request was aborted' })
  })

  it('throws a timeout ProviderError when aborted during the render', async () => {
    const controller = new AbortController()
    const pending = local.generateImage(request({ resolution: '2K' }), { signal: controller.signal })
    controller.abort()
    await expect(pending).rejects.toMatchObject({ name: 'ProviderError', errorClass: 'timeout' })
  })

  it('reports a timed-out signal as such', async () => {
    const signal = AbortSignal.timeout(0)
    await new Promise((resolve) => setTimeout(resolve, 5))
    await expect(local.generateImage(request(), { signal })).rejects.toMatchObject({
      errorClass: 'timeout',
      message: 'the request timed out',
    })
  })

  it('prices with the configured table and returns its model', async () => {
    const priced = createLocalProvider({
      pricing: { perImageUsd: { '1K': 0.01, '2K': 0.02, '4K': 0.04 } },
      qualityScore: 0.3,
      typicalLatencyMs: 40,
    })
    const result = await priced.generateImage(request({ count: 2 }))
    expect(result.costUsd).toBeCloseTo(0.02)
    expect(result.model).toBe(LOCAL_MODEL_ID)
    expect(priced.profile).toEqual({ qualityScore: 0.3, typicalLatencyMs: 40 })
  })
})
