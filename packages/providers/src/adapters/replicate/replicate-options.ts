/**
 * @module The Replicate model catalog (providers.md §6): how each model's input schema takes our request
 * (aspect ratio or custom size, output format names, reference-image field, batch field) and the default
 * capabilities, prices (USD) and profile an operator may override.
 */
import type { PixelSize } from '../../sizes.js'
import {
  ASPECT_RATIOS,
  type AspectRatio,
  type ProviderCapabilities,
  type ProviderPricing,
  type ProviderProfile,
} from '../../types.js'

export type ReplicateModelId =
  | 'black-forest-labs/flux-1.1-pro'
  | 'google/nano-banana'
  | 'black-forest-labs/flux-schnell'
  | (string & {})

export const REPLICATE_DEFAULT_MODEL: ReplicateModelId = 'black-forest-labs/flux-1.1-pro'

/** Replicate's names for output formats (`jpg`, not `jpeg`). */
export type ReplicateOutputFormat = 'png' | 'jpg' | 'webp'

export interface ReplicateModelSpec {
  /** Values the model's `aspect_ratio` input accepts. */
  aspectRatios: readonly string[]
  /** `aspect_ratio: "custom"` + `width` / `height` (multiples of `multiple`, each side min..max). */
  customSize?: { multiple: number; minSide: number; maxSide: number }
  outputFormats: readonly ReplicateOutputFormat[]
  /** Whether the model takes `seed`. */
  seed: boolean
  /** Reference images as `data:` URIs: one string field, or one array field. */
  referenceInput?: { field: string; kind: 'single' | 'array' }
  /** A field that makes several images in one prediction (`num_outputs`), and its maximum. */
  batch?: { field: string; max: number }
  /** Fixed inputs sent with every prediction (e.g. `prompt_upsampling: false`). */
  fixedInput?: Readonly<Record<string, unknown>>
  capabilities: ProviderCapabilities
  pricing: ProviderPricing
  profile: ProviderProfile
}

const ALL_RATIOS: readonly AspectRatio[] = ASPECT_RATIOS

function capabilities(maxReferenceImages: number): ProviderCapabilities {
  return {
    kinds: ['image'],
    // The catalog's models make ~1 MP; 2K would be an upscale.
    maxResolution: '1K',
    aspectRatios: ALL_RATIOS,
    maxReferenceImages,
    searchGrounding: false,
    multiTurn: false,
    maxImagesPerCall: 4,
  }
}

function flat(usd: number): ProviderPricing {
  return { perImageUsd: { '1K': usd, '2K': usd, '4K': usd } }
}

/**
 * Defaults per model. Input schemas follow each model's page on replicate.com; prices per image are
 * providers.md's (FLUX 1.1 Pro ≈ $0.04, nano-banana ≈ $0.039, both unverified) and flux-schnell's listed $0.003.
 */
export const REPLICATE_MODELS: Readonly<Record<string, ReplicateModelSpec>> = {
  // aspect_ratio "custom" takes width/height 256–1440 (multiples of 32): our exact 1K size where it fits.
  'black-forest-labs/flux-1.1-pro': {
    aspectRatios: ['custom', '1:1', '16:9', '3:2', '2:3', '4:5', '5:4', '9:16', '3:4', '4:3'],
    customSize: { multiple: 32, minSide: 256, maxSide: 1440 },
    outputFormats: ['webp', 'jpg', 'png'],
    seed: true,
    referenceInput: { field: 'image_prompt', kind: 'single' },
    fixedInput: { prompt_upsampling: false },
    capabilities: capabilities(1),
    pricing: flat(0.04),
    profile: { qualityScore: 0.8, typicalLatencyMs: 8_000 },
  },
  // Gemini 2.5 Flash Image: references in `image_input`, no seed, jpg/png only.
  'google/nano-banana': {
    aspectRatios: [
      'match_input_image',
      '1:1',
      '2:3',
      '3:2',
      '3:4',
      '4:3',
      '4:5',
      '5:4',
      '9:16',
      '16:9',
      '21:9',
    ],
    outputFormats: ['jpg', 'png'],
    seed: false,
    referenceInput: { field: 'image_input', kind: 'array' },
    capabilities: capabilities(3),
    pricing: flat(0.039),
    profile: { qualityScore: 0.85, typicalLatencyMs: 10_000 },
  },
  // A batch model: `num_outputs` 1–4 in one prediction, output is an array of URLs.
  'black-forest-labs/flux-schnell': {
    aspectRatios: ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'],
    outputFormats: ['webp', 'jpg', 'png'],
    seed: true,
    batch: { field: 'num_outputs', max: 4 },
    capabilities: capabilities(0),
    pricing: flat(0.003),
    profile: { qualityScore: 0.55, typicalLatencyMs: 2_000 },
  },
}

/** An id outside the catalog: `prompt`, `aspect_ratio`, `seed`, `output_format`; no references; 1K. */
const UNKNOWN_MODEL: ReplicateModelSpec = {
  aspectRatios: ALL_RATIOS,
  outputFormats: ['png', 'jpg', 'webp'],
  seed: true,
  capabilities: capabilities(0),
  pricing: flat(0.05),
  profile: { qualityScore: 0.6, typicalLatencyMs: 10_000 },
}

/** The catalog entry for a model id (`owner/name` or `owner/name:version`). */
export function replicateModelSpec(model: ReplicateModelId): ReplicateModelSpec {
  const name = model.split(':')[0] ?? model
  return Object.hasOwn(REPLICATE_MODELS, name) ? REPLICATE_MODELS[name]! : UNKNOWN_MODEL
}

/**
 * `width` / `height` for a custom-size model: our exact size when it fits, else scaled into the side limits,
 * each side rounded to the model's multiple.
 * @example replicateCustomSize({ width: 1584, height: 672 }, { multiple: 32, minSide: 256, maxSide: 1440 })
 * // { width: 1440, height: 608 }
 */
export function replicateCustomSize(
  target: PixelSize,
  limits: NonNullable<ReplicateModelSpec['customSize']>,
): PixelSize {
  const { multiple, minSide, maxSide } = limits
  const scale = Math.min(1, maxSide / Math.max(target.width, target.height))
  const fit = (side: number) =>
    Math.min(
      maxSide - (maxSide % multiple),
      Math.max(minSide, Math.round((side * scale) / multiple) * multiple),
    )
  return { width: fit(target.width), height: fit(target.height) }
}

/** The accepted aspect ratio nearest to ours (by log ratio), for models that lack one of ours. */
export function nearestAspectRatio(
  aspectRatio: AspectRatio,
  accepted: readonly string[],
): string | undefined {
  const value = (ratio: string) => {
    const match = /^(\d+):(\d+)$/.exec(ratio)
    return match ? Number(match[1]) / Number(match[2]) : undefined
  }
  const wanted = value(aspectRatio)!
  let best: { ratio: string; distance: number } | undefined
  for (const ratio of accepted) {
    const candidate = value(ratio)
    if (candidate === undefined) continue
    const distance = Math.abs(Math.log(candidate / wanted))
    if (!best || distance < best.distance) best = { ratio, distance }
  }
  return best?.ratio
}
