/**
 * @module The OpenAI Images catalog (providers.md §2): model ids, what each model can really do at our pixel
 * sizes, the native `size` / `quality` each of our resolutions maps to, and USD prices. Defaults for a config
 * table (operators override them through `AdapterConfig.overrides`), never constants in routing logic.
 *
 * How our resolutions map onto OpenAI (documented here because it decides both price and honesty):
 * - GPT image models only make 1024x1024, 1536x1024 and 1024x1536 (plus `auto`); DALL·E 3 makes 1024x1024,
 *   1792x1024 and 1024x1792. The adapter sends the native size whose shape is closest to the requested aspect
 *   ratio (smallest |log(ratio) difference|), then centre-crops and resizes the result with sharp to our exact
 *   pixel size (`pixelSize`) and reports an `adjusted` warning, so "an image's width/height are its real size".
 * - `quality` follows the resolution: `medium` at 1K, `high` at 2K (and 4K, were it offered); DALL·E 3 uses
 *   `standard` at 1K and `hd` at 2K.
 * - `maxResolution` is `2K`, not `4K`: a tier is offered only while the resize stays within a 2x linear
 *   upscale of what the model really draws (2K 1:1 is 2048 px from 1024 px; 2K 16:9 is 2752x1536 from
 *   1536x1024). 4K would be a 3.6-4x upscale of a 1536 px image: an interpolated picture, not a 4K generation,
 *   so the router should send 4K requests to a model that draws 4K.
 * - All ten aspect ratios are offered because the crop delivers them exactly; the wide ones lose the most of
 *   the native frame (21:9 keeps ~64% of a 1536x1024 image's height), which the warning states.
 */
import type { ProviderCapabilities, ProviderPricing, ProviderProfile, Resolution } from '../../types.js'
import { ASPECT_RATIOS } from '../../types.js'

/** OpenAI image model ids the catalog knows; any other id is sent as is with the default model's entry. */
export type OpenAIImageModelId = 'gpt-image-1' | 'gpt-image-1-mini' | 'dall-e-3' | (string & {})

export const OPENAI_DEFAULT_IMAGE_MODEL = 'gpt-image-1'

/** A native `size` value the Images API accepts for our models. */
export type OpenAIImageSize = '1024x1024' | '1536x1024' | '1024x1536' | '1792x1024' | '1024x1792'

export type OpenAIImageQuality = 'low' | 'medium' | 'high' | 'standard' | 'hd'

export interface OpenAIModelEntry {
  /** GPT image models return `b64_json` always and take `output_format`; DALL·E 3 takes `response_format`. */
  family: 'gpt-image' | 'dall-e'
  capabilities: ProviderCapabilities
  /** Per-resolution price the router estimates with (the 1024x1024 price at that resolution's quality). */
  pricing: ProviderPricing
  profile: ProviderProfile
  /** The native size sent per shape of the requested aspect ratio. */
  sizes: { square: OpenAIImageSize; landscape: OpenAIImageSize; portrait: OpenAIImageSize }
  /** The `quality` sent per resolution. */
  quality: Record<Resolution, OpenAIImageQuality>
  /** USD per output image by `${quality}:${size}` (providers.md §2.6), the fallback when `usage` is absent. */
  priceBySize: Readonly<Record<string, number>>
  /**
   * USD per 1M tokens, to bill from the response's `usage` (GPT image models report it; DALL·E does not).
   * Absent: bill from `priceBySize`.
   */
  tokenRatesUsdPerMillion?: { textInput: number; imageInput: number; imageOutput: number }
}

const GPT_IMAGE_CAPABILITIES: ProviderCapabilities = {
  kinds: ['image'],
  maxResolution: '2K',
  aspectRatios: ASPECT_RATIOS,
  // /images/edits takes up to 16 input images for GPT image models.
  maxReferenceImages: 16,
  searchGrounding: false,
  multiTurn: false,
  // One call with `n` = count (the API allows 1..10; our API asks for at most 4).
  maxImagesPerCall: 4,
}

const GPT_IMAGE_SIZES = { square: '1024x1024', landscape: '1536x1024', portrait: '1024x1536' } as const
const GPT_IMAGE_QUALITY: Record<Resolution, OpenAIImageQuality> = {
  '1K': 'medium',
  '2K': 'high',
  '4K': 'high',
}

/** The catalog. Prices from providers.md §2.6; gpt-image-1-mini's are unverified there. */
export const OPENAI_MODELS: Readonly<Record<string, OpenAIModelEntry>> = {
  'gpt-image-1': {
    family: 'gpt-image',
    capabilities: GPT_IMAGE_CAPABILITIES,
    pricing: { perImageUsd: { '1K': 0.042, '2K': 0.167, '4K': 0.167 } },
    profile: { qualityScore: 0.85, typicalLatencyMs: 30_000 },
    sizes: GPT_IMAGE_SIZES,
    quality: GPT_IMAGE_QUALITY,
    priceBySize: {
      'low:1024x1024': 0.011,
      'medium:1024x1024': 0.042,
      'high:1024x1024': 0.167,
      'low:1536x1024': 0.016,
      'medium:1536x1024': 0.063,
      'high:1536x1024': 0.25,
      'low:1024x1536': 0.016,
      'medium:1024x1536': 0.063,
      'high:1024x1536': 0.25,
    },
    tokenRatesUsdPerMillion: { textInput: 5, imageInput: 10, imageOutput: 40 },
  },
  'gpt-image-1-mini': {
    family: 'gpt-image',
    capabilities: GPT_IMAGE_CAPABILITIES,
    pricing: { perImageUsd: { '1K': 0.011, '2K': 0.036, '4K': 0.036 } },
    profile: { qualityScore: 0.72, typicalLatencyMs: 15_000 },
    sizes: GPT_IMAGE_SIZES,
    quality: GPT_IMAGE_QUALITY,
    // Square prices per providers.md (unverified); non-square scaled by gpt-image-1's 1.5x (unverified).
    priceBySize: {
      'low:1024x1024': 0.005,
      'medium:1024x1024': 0.011,
      'high:1024x1024': 0.036,
      'low:1536x1024': 0.008,
      'medium:1536x1024': 0.016,
      'high:1536x1024': 0.054,
      'low:1024x1536': 0.008,
      'medium:1024x1536': 0.016,
      'high:1024x1536': 0.054,
    },
  },
  'dall-e-3': {
    family: 'dall-e',
    capabilities: {
      kinds: ['image'],
      maxResolution: '2K',
      aspectRatios: ASPECT_RATIOS,
      // DALL·E 3 has no edits endpoint.
      maxReferenceImages: 0,
      searchGrounding: false,
      multiTurn: false,
      // `n` must be 1: the adapter makes `count` parallel calls.
      maxImagesPerCall: 1,
    },
    pricing: { perImageUsd: { '1K': 0.04, '2K': 0.08, '4K': 0.08 } },
    profile: { qualityScore: 0.6, typicalLatencyMs: 15_000 },
    sizes: { square: '1024x1024', landscape: '1792x1024', portrait: '1024x1792' },
    quality: { '1K': 'standard', '2K': 'hd', '4K': 'hd' },
    priceBySize: {
      'standard:1024x1024': 0.04,
      'hd:1024x1024': 0.08,
      'standard:1792x1024': 0.08,
      'hd:1792x1024': 0.12,
      'standard:1024x1792': 0.08,
      'hd:1024x1792': 0.12,
    },
  },
}

/** The catalog entry for a model id; unknown ids use the default model's entry (DALL·E ids the DALL·E 3 one). */
export function openAIModelEntry(modelId: string): OpenAIModelEntry {
  const known = OPENAI_MODELS[modelId]
  if (known) return known
  return modelId.startsWith('dall-e')
    ? OPENAI_MODELS['dall-e-3']!
    : OPENAI_MODELS[OPENAI_DEFAULT_IMAGE_MODEL]!
}

/**
 * The native size whose shape is closest to `width`x`height` (by |log ratio| difference).
 * @example nativeSizeFor(OPENAI_MODELS['gpt-image-1']!, 1376, 768) // '1536x1024'
 */
export function nativeSizeFor(entry: OpenAIModelEntry, width: number, height: number): OpenAIImageSize {
  const wanted = Math.log(width / height)
  let best: OpenAIImageSize = entry.sizes.square
  let bestDistance = Number.POSITIVE_INFINITY
  for (const size of [entry.sizes.square, entry.sizes.landscape, entry.sizes.portrait]) {
    const [nativeWidth, nativeHeight] = size.split('x').map(Number) as [number, number]
    const distance = Math.abs(Math.log(nativeWidth / nativeHeight) - wanted)
    if (distance < bestDistance) {
      best = size
      bestDistance = distance
    }
  }
  return best
}
