/**
 * @module The `local` provider: offline, deterministic procedural images (a seeded gradient plus shapes,
 * composed as SVG and rasterised by sharp). Same (prompt, seed, index) → byte-identical output.
 */
import type { Sharp as SharpPipeline } from 'sharp'
import { pixelSize } from '../sizes.js'
import {
  ASPECT_RATIOS,
  type GeneratedImage,
  type GenerateOptions,
  type ImageGenerationRequest,
  type ImageGenerationResult,
  type ImageProvider,
  type OutputFormat,
  type ProviderCapabilities,
  ProviderError,
  type ProviderPricing,
  type ProviderProfile,
  type ProviderWarning,
  RESOLUTIONS,
  type ReferenceImage,
} from '../types.js'
import { MIME_TYPES } from './image-output.js'
import { averageColor, type Rgb, seededPalette, throwIfAborted, toHex } from './procedural.js'
import { loadSharp } from './sharp-loader.js'

export const LOCAL_MODEL_ID = 'local-procedural-v1'

export interface LocalProviderOptions {
  /** Used by the quality strategy. Defaults to 0.1: a placeholder, not a real model. */
  qualityScore?: number
  /** Used by the speed strategy's prior. Defaults to 100 ms. */
  typicalLatencyMs?: number
  /** Defaults to 0 USD at every resolution. */
  pricing?: ProviderPricing
}

const LOCAL_CAPABILITIES: ProviderCapabilities = {
  kinds: ['image'],
  maxResolution: '4K',
  aspectRatios: ASPECT_RATIOS,
  maxReferenceImages: 4,
  searchGrounding: false,
  multiTurn: true,
  maxImagesPerCall: 4,
}

const FREE: ProviderPricing = { perImageUsd: { '1K': 0, '2K': 0, '4K': 0 } }

/**
 * Creates the offline `local` provider (model `local-procedural-v1`). It needs no key and no network, so it
 * serves development, tests and demos, and is the fallback of last resort. A missing seed counts as 0.
 * @example
 * const local = createLocalProvider()
 * const { images } = await local.generateImage({ prompt: 'a fox', resolution: '1K', aspectRatio: '16:9',
 *   count: 1, outputFormat: 'png', referenceImages: [], searchGrounding: false })
 * // images[0].width === 1376, images[0].height === 768
 */
export function createLocalProvider(options: LocalProviderOptions = {}): ImageProvider {
  const pricing = options.pricing ?? FREE
  const profile: ProviderProfile = {
    qualityScore: options.qualityScore ?? 0.1,
    typicalLatencyMs: options.typicalLatencyMs ?? 100,
  }

  return {
    specificationVersion: 'v1',
    name: 'local',
    defaultModel: LOCAL_MODEL_ID,
    capabilities: LOCAL_CAPABILITIES,
    pricing,
    profile,
    async generateImage(request, generateOptions) {
      return generateLocalImages(request, pricing, generateOptions)
    },
  }
}

async function generateLocalImages(
  request: ImageGenerationRequest,
  pricing: ProviderPricing,
  options: GenerateOptions = {},
): Promise<ImageGenerationResult> {
  const { signal } = options
  throwIfAborted(signal)
  validateRequest(request)

  const warnings: ProviderWarning[] = []
  if (request.negativePrompt !== undefined && request.negativePrompt !== '') {
    warnings.push({ type: 'unsupported', feature: 'negativePrompt' })
  }
  if (request.searchGrounding) {
    warnings.push({ type: 'unsupported', feature: 'searchGrounding' })
  }
  if (request.referenceImages.length > 1) {
    warnings.push({
      type: 'adjusted',
      feature: 'referenceImages',
      details: 'only the first reference image is used: its average colour tints the palette',
    })
  }

  const firstReference = request.referenceImages[0]
  const tint = firstReference === undefined ? undefined : await tintOf(firstReference)
  throwIfAborted(signal)

  const { width, height } = pixelSize(request.resolution, request.aspectRatio)
  const images = await Promise.all(
    Array.from({ length: request.count }, (_, index) =>
      renderImage({
        prompt: request.prompt,
        seed: request.seed ?? 0,
        index,
        width,
        height,
        tint,
        format: request.outputFormat,
      }),
    ),
  )
  // sharp cannot be interrupted mid-render, so an abort during it is honoured here.
  throwIfAborted(signal)

  return {
    images,
    model: LOCAL_MODEL_ID,
    costUsd: pricing.perImageUsd[request.resolution] * request.count,
    warnings,
  }
}

function validateRequest(request: ImageGenerationRequest): void {
  const problem = requestProblem(request)
  if (problem !== undefined) {
    throw new ProviderError({ provider: 'local', errorClass: 'invalid_request', message: problem })
  }
}

function requestProblem(request: ImageGenerationRequest): string | undefined {
  if (!RESOLUTIONS.includes(request.resolution)) return `unsupported resolution ${request.resolution}`
  if (!ASPECT_RATIOS.includes(request.aspectRatio)) return `unsupported aspect ratio ${request.aspectRatio}`
  if (!Object.hasOwn(MIME_TYPES, request.outputFormat))
    return `unsupported output format ${request.outputFormat}`
  const maxImages = LOCAL_CAPABILITIES.maxImagesPerCall
  if (!Number.isInteger(request.count) || request.count < 1 || request.count > maxImages) {
    return `count must be an integer from 1 to ${maxImages}`
  }
  if (request.referenceImages.length > LOCAL_CAPABILITIES.maxReferenceImages) {
    return `at most ${LOCAL_CAPABILITIES.maxReferenceImages} reference images`
  }
  return undefined
}

/** The mean colour of a reference, which tints the palette. */
async function tintOf(image: ReferenceImage): Promise<Rgb> {
  try {
    return await averageColor(image)
  } catch (error) {
    throw new ProviderError({
      provider: 'local',
      errorClass: 'invalid_request',
      message: 'the reference image could not be decoded',
      cause: error,
    })
  }
}

interface RenderInput {
  prompt: string
  seed: number
  index: number
  width: number
  height: number
  tint: Rgb | undefined
  format: OutputFormat
}

async function renderImage(input: RenderInput): Promise<GeneratedImage> {
  const sharp = await loadSharp()
  const svg = composeSvg(input)
  const pipeline = sharp(Buffer.from(svg)).removeAlpha()
  const encoded = encode(pipeline, input.format)
  const { data, info } = await encoded.toBuffer({ resolveWithObject: true })
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    mimeType: MIME_TYPES[input.format],
    width: info.width,
    height: info.height,
  }
}

// Speed over size: these are placeholders, and zlib's adaptive filtering and high levels cost seconds at 4K.
function encode(pipeline: SharpPipeline, format: OutputFormat): SharpPipeline {
  switch (format) {
    case 'png':
      return pipeline.png({ compressionLevel: 3, adaptiveFiltering: false })
    case 'jpeg':
      return pipeline.jpeg({ quality: 90, optimiseCoding: false })
    case 'webp':
      return pipeline.webp({ quality: 90, effort: 1 })
  }
}

const fixed = (value: number): string => value.toFixed(1)

function composeSvg(input: RenderInput): string {
  const { width, height, tint } = input
  const { random, between, color } = seededPalette([input.prompt, input.seed, input.index], tint)
  const shortSide = Math.min(width, height)
  const paletteColor = (lightnessMin: number, lightnessMax: number): string =>
    toHex(color(lightnessMin, lightnessMax))

  const stopCount = random() < 0.5 ? 2 : 3
  const stops = Array.from({ length: stopCount }, (_, index) => {
    return `<stop offset="${fixed(index / (stopCount - 1))}" stop-color="${paletteColor(0.15, 0.7)}"/>`
  }).join('')
  const angle = between(0, Math.PI * 2)
  const gradient =
    `<linearGradient id="background" x1="${fixed(0.5 - Math.cos(angle) / 2)}" y1="${fixed(0.5 - Math.sin(angle) / 2)}" ` +
    `x2="${fixed(0.5 + Math.cos(angle) / 2)}" y2="${fixed(0.5 + Math.sin(angle) / 2)}">${stops}</linearGradient>`

  const shapes: string[] = []
  const shapeCount = 8 + Math.floor(random() * 13)
  for (let index = 0; index < shapeCount; index++) {
    const fill = paletteColor(0.2, 0.85)
    const opacity = fixed(between(0.2, 0.85))
    const x = between(-0.1, 1.1) * width
    const y = between(-0.1, 1.1) * height
    const kind = random()
    if (kind < 0.4) {
      const radius = between(0.04, 0.35) * shortSide
      const ring = random() < 0.25
      shapes.push(
        ring
          ? `<circle cx="${fixed(x)}" cy="${fixed(y)}" r="${fixed(radius)}" fill="none" stroke="${fill}" stroke-opacity="${opacity}" stroke-width="${fixed(radius * between(0.05, 0.3))}"/>`
          : `<circle cx="${fixed(x)}" cy="${fixed(y)}" r="${fixed(radius)}" fill="${fill}" fill-opacity="${opacity}"/>`,
      )
    } else if (kind < 0.75) {
      const rectWidth = between(0.08, 0.5) * shortSide
      const rectHeight = between(0.08, 0.5) * shortSide
      const corner = between(0, 0.3) * Math.min(rectWidth, rectHeight)
      shapes.push(
        `<rect x="${fixed(-rectWidth / 2)}" y="${fixed(-rectHeight / 2)}" width="${fixed(rectWidth)}" height="${fixed(rectHeight)}" ` +
          `rx="${fixed(corner)}" fill="${fill}" fill-opacity="${opacity}" ` +
          `transform="translate(${fixed(x)} ${fixed(y)}) rotate(${fixed(between(-45, 45))})"/>`,
      )
    } else {
      // A band crosses the whole canvas at any angle, so it is as long as the diagonal on both sides.
      const diagonal = Math.hypot(width, height)
      const thickness = between(0.03, 0.18) * shortSide
      shapes.push(
        `<rect x="${fixed(-diagonal)}" y="${fixed(-thickness / 2)}" width="${fixed(diagonal * 2)}" height="${fixed(thickness)}" ` +
          `fill="${fill}" fill-opacity="${opacity}" ` +
          `transform="translate(${fixed(x)} ${fixed(y)}) rotate(${fixed(between(0, 180))})"/>`,
      )
    }
  }

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<defs>${gradient}</defs><rect width="${width}" height="${height}" fill="url(#background)"/>${shapes.join('')}</svg>`
  )
}
