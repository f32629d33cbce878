/** @module Tests for the scripted fake provider. */
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { createScriptedProvider } from './testing.js'
import { type ImageGenerationRequest, ProviderError } from './types.js'

const request: ImageGenerationRequest = {
  prompt: 'p',
  resolution: '1K',
  aspectRatio: '16:9',
  count: 2,
  outputFormat: 'png',
  referenceImages: [],
  searchGrounding: false,
}

describe('createScriptedProvider', () => {
  it('plays its outcomes in order, then repeats the last', async () => {
    const limited = new ProviderError({ provider: 'openai', errorClass: 'rate_limited', message: '429' })
    const provider = createScriptedProvider({ name: 'openai', outcomes: [limited, 'ok', new Error('boom')] })
    await expect(provider.generateImage(request)).rejects.toBe(limited)
    await expect(provider.generateImage(request)).resolves.toMatchObject({ model: 'openai-scripted' })
    await expect(provider.generateImage(request)).rejects.toThrow('boom')
    await expect(provider.generateImage(request)).rejects.toThrow('boom')
    expect(provider.calls).toHaveLength(4)
  })

  it('returns valid images of the requested pixel size and format', async () => {
    const provider = createScriptedProvider({ name: 'google' })
    const { images, costUsd } = await provider.generateImage(request)
    expect(images).toHaveLength(2)
    expect(costUsd).toBeCloseTo(0.02)
    const metadata = await sharp(images[0]!.data).metadata()
    expect(metadata).toMatchObject({ format: 'png', width: 1376, height: 768 })
    expect(images[0]).toMatchObject({ mimeType: 'image/png', width: 1376, height: 768 })

    const jpeg = await provider.generateImage({
      ...request,
      count: 1,
      outputFormat: 'jpeg',
      resolution: '2K',
    })
    expect(await sharp(jpeg.images[0]!.data).metadata()).toMatchObject({
      format: 'jpeg',
      width: 2752,
      height: 1536,
    })
    expect(jpeg.images[0]!.mimeType).toBe('image/jpeg')
  })

  it('takes capability overrides and keeps the other defaults', () => {
    const provider = createScriptedProvider({ name: 'flux', maxResolution: '2K', searchGrounding: false })
    expect(provider.capabilities).toMatchObject({
      kinds: ['image'],
      maxResolution: '2K',
      searchGrounding: false,
      maxReferenceImages: 4,
    })
  })
})
