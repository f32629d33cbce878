/**
 * @module The BFL FLUX model catalog (providers.md §3): how each model takes its size and reference images,
 * and the default capabilities, prices (USD) and profile an operator may override.
 */
import type { PixelSize } from '../../sizes.js'
import {
  ASPECT_RATIOS,
  type AspectRatio,
  type ProviderCapabilities,
  type ProviderPricing,
  type ProviderProfile,
  type Resolution,
} from '../../types.js'

export type FluxModelId =
  | 'flux-pro-1.1'
  | 'flux-pro-1.1-ultra'
  | 'flux-kontext-pro'
  | 'flux-kontext-max'
  | 'flux-2-pro'
  | 'flux-2-max'
  | 'flux-2-flex'
  | 'flux-2-klein-4b'
  | 'flux-2-klein-9b'
  | (string & {})

export const FLUX_DEFAULT_MODEL: FluxModelId = 'flux-pro-1.1'

/** BFL bills in credits; 1 credit = 0.01 USD (providers.md §3.6). Submit responses may carry `cost` in credits. */
export const FLUX_USD_PER_CREDIT = 0.01

/** The sizes BFL's FLUX models can make. */
export type FluxSizing =
  /** `width` / `height` in the body: multiples of `multiple`, each side within min..max, at most `maxPixels`. */
  | { kind: 'dimensions'; multiple: number; minSide: number; maxSide: number; maxPixels: number }
  /** Only `aspect_ratio` ("16:9"); the model picks the pixel size (about `megapixels` MP). */
  | { kind: 'aspect_ratio'; megapixels: number }

/**
 * Where reference images go, as base64: one `image_prompt` (FLUX1.1 remix), one `input_image` (Kontext), or
 * `input_image`, `input_image_2` … `input_image_8` (FLUX.2).
 */
export type FluxReferenceField = 'image_prompt' | 'input_image' | 'numbered_input_images'

export interface FluxModelSpec {
  sizing: FluxSizing
  referenceField: FluxReferenceField
  /** Whether the model takes `prompt_upsampling` (we always send `false`: the caller's prompt is the prompt). */
  promptUpsampling: boolean
  capabilities: ProviderCapabilities
  pricing: ProviderPricing
  profile: ProviderProfile
}

const ALL_RATIOS: readonly AspectRatio[] = ASPECT_RATIOS

// FLUX1.1 [pro]: 256–1440 px a side, multiples of 32. Our 2K sizes start at 2048 px, so 2K would be a
// 1.4–2.2x upscale of a 1440 px image: declared 1K (21:9 at 1K is 1584 px wide, a 1.1x upscale, with a warning).
const PRO_1_1_SIZING: FluxSizing = {
  kind: 'dimensions',
  multiple: 32,
  minSide: 256,
  maxSide: 1440,
  maxPixels: 1440 * 1440,
}

// FLUX.2: multiples of 16, min 64 px, up to 4 MP ("e.g. 2048x2048", so 4 MiB-pixels; unverified exact cap).
// Our 2K sizes are 4.19–4.30 MP, so they come back at most ~2.5% smaller a side and are resized up.
const FLUX_2_SIZING: FluxSizing = {
  kind: 'dimensions',
  multiple: 16,
  minSide: 64,
  maxSide: 4096,
  maxPixels: 2048 * 2048,
}

function capabilities(
  maxResolution: Resolution,
  maxReferenceImages: number,
  aspectRatios: readonly AspectRatio[] = ALL_RATIOS,
): ProviderCapabilities {
  return {
    kinds: ['image'],
    maxResolution,
    aspectRatios,
    maxReferenceImages,
    searchGrounding: false,
    multiTurn: false,
    // BFL makes one image per task; the adapter submits `count` tasks in parallel.
    maxImagesPerCall: 4,
  }
}

function flat(usd: number): ProviderPricing {
  return { perImageUsd: { '1K': usd, '2K': usd, '4K': usd } }
}

/** FLUX.2 is priced per megapixel: first MP + each extra MP; 4K is never made (capped at 2K's ~4 MP). */
function perMegapixel(firstUsd: number, extraUsd: number): ProviderPricing {
  const twoK = firstUsd + 3 * extraUsd
  return { perImageUsd: { '1K': firstUsd, '2K': twoK, '4K': twoK } }
}

/**
 * Defaults per model. Quality scores and latencies are our priors (providers.md: "a few seconds" for BFL);
 * prices from providers.md §3.6 (klein above 1 MP unverified: scaled per MP).
 */
export const FLUX_MODELS: Readonly<Record<string, FluxModelSpec>> = {
  'flux-pro-1.1': {
    sizing: PRO_1_1_SIZING,
    referenceField: 'image_prompt',
    promptUpsampling: true,
    capabilities: capabilities('1K', 1),
    pricing: flat(0.04),
    profile: { qualityScore: 0.8, typicalLatencyMs: 6_000 },
  },
  // Ultra makes ~4 MP (2K) from an aspect ratio between 21:9 and 9:21.
  'flux-pro-1.1-ultra': {
    sizing: { kind: 'aspect_ratio', megapixels: 4 },
    referenceField: 'image_prompt',
    promptUpsampling: false,
    capabilities: capabilities('2K', 1),
    pricing: flat(0.06),
    profile: { qualityScore: 0.85, typicalLatencyMs: 12_000 },
  },
  // Kontext makes ~1 MP from an aspect ratio (21:9 … 9:21), editing one `input_image`.
  'flux-kontext-pro': {
    sizing: { kind: 'aspect_ratio', megapixels: 1 },
    referenceField: 'input_image',
    promptUpsampling: true,
    capabilities: capabilities('1K', 1),
    pricing: flat(0.04),
    profile: { qualityScore: 0.8, typicalLatencyMs: 8_000 },
  },
  'flux-kontext-max': {
    sizing: { kind: 'aspect_ratio', megapixels: 1 },
    referenceField: 'input_image',
    promptUpsampling: true,
    capabilities: capabilities('1K', 1),
    pricing: flat(0.08),
    profile: { qualityScore: 0.85, typicalLatencyMs: 12_000 },
  },
  'flux-2-pro': {
    sizing: FLUX_2_SIZING,
    referenceField: 'numbered_input_images',
    promptUpsampling: false,
    capabilities: capabilities('2K', 8),
    pricing: perMegapixel(0.03, 0.015),
    profile: { qualityScore: 0.88, typicalLatencyMs: 10_000 },
  },
  'flux-2-max': {
    sizing: FLUX_2_SIZING,
    referenceField: 'numbered_input_images',
    promptUpsampling: false,
    capabilities: capabilities('2K', 8),
    pricing: perMegapixel(0.07, 0.03),
    profile: { qualityScore: 0.92, typicalLatencyMs: 15_000 },
  },
  'flux-2-flex': {
    sizing: FLUX_2_SIZING,
    referenceField: 'numbered_input_images',
    promptUpsampling: false,
    capabilities: capabilities('2K', 8),
    pricing: perMegapixel(0.05, 0.05),
    profile: { qualityScore: 0.88, typicalLatencyMs: 20_000 },
  },
  'flux-2-klein-4b': {
    sizing: FLUX_2_SIZING,
    referenceField: 'numbered_input_images',
    promptUpsampling: false,
    capabilities: capabilities('2K', 4),
    pricing: perMegapixel(0.014, 0.014),
    profile: { qualityScore: 0.7, typicalLatencyMs: 2_000 },
  },
  'flux-2-klein-9b': {
    sizing: FLUX_2_SIZING,
    referenceField: 'numbered_input_images',
    promptUpsampling: false,
    capabilities: capabilities('2K', 4),
    pricing: perMegapixel(0.015, 0.015),
    profile: { qualityScore: 0.75, typicalLatencyMs: 3_000 },
  },
}

/** An id outside the catalog: sized like FLUX1.1 [pro], no reference images; operators override the rest. */
const UNKNOWN_MODEL: FluxModelSpec = {
  sizing: PRO_1_1_SIZING,
  referenceField: 'input_image',
  promptUpsampling: false,
  capabilities: capabilities('1K', 0),
  pricing: flat(0.05),
  profile: { qualityScore: 0.7, typicalLatencyMs: 10_000 },
}

/** The catalog entry for a model id (a conservative default for ids outside the catalog). */
export function fluxModelSpec(model: FluxModelId): FluxModelSpec {
  return Object.hasOwn(FLUX_MODELS, model) ? FLUX_MODELS[model]! : UNKNOWN_MODEL
}

/**
 * The `width` / `height` to ask a dimensions-sized model for: our exact size when the model can make it,
 * else the nearest size it can (scaled into its limits, sides rounded to its multiple).
 * @example fluxDimensions({ width: 1200, height: 896 }, sizing) // { width: 1216, height: 896 } on FLUX1.1 [pro]
 */
export function fluxDimensions(
  target: PixelSize,
  sizing: Extract<FluxSizing, { kind: 'dimensions' }>,
): PixelSize {
  const { multiple, minSide, maxSide, maxPixels } = sizing
  const scale = Math.min(
    1,
    maxSide / Math.max(target.width, target.height),
    Math.sqrt(maxPixels / (target.width * target.height)),
  )
  const fit = (side: number, round: (value: number) => number) =>
    Math.min(maxSide - (maxSide % multiple), Math.max(minSide, round((side * scale) / multiple) * multiple))
  let width = fit(target.width, Math.round)
  let height = fit(target.height, Math.round)
  // Rounding to the nearest multiple can overshoot the pixel cap: shrink the longer side a step at a time.
  while (width * height > maxPixels) {
    if (width >= height) width -= multiple
    else height -= multiple
  }
  return { width, height }
}
