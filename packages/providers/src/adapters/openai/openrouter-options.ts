/**
 * @module The OpenRouter image catalog (providers.md §2.7): image-output models reached through
 * `POST /chat/completions` with `modalities`, what each can do at our pixel sizes, and USD prices.
 * OpenRouter passes each model's own rate through and reports `usage.cost` per call; the adapter bills from
 * that and falls back to these prices (Gemini rates, providers.md §1.11) when it is missing.
 */
import type { ProviderCapabilities, ProviderPricing, ProviderProfile } from '../../types.js'
import { ASPECT_RATIOS } from '../../types.js'

export type OpenRouterImageModelId =
  | 'google/gemini-2.5-flash-image'
  | 'google/gemini-2.5-flash-image-preview'
  | 'google/gemini-3-pro-image-preview'
  | (string & {})

export const OPENROUTER_DEFAULT_IMAGE_MODEL = 'google/gemini-2.5-flash-image'

export interface OpenRouterModelEntry {
  capabilities: ProviderCapabilities
  pricing: ProviderPricing
  profile: ProviderProfile
  /** `["image","text"]` for models that emit both (Gemini), `["image"]` for image-only ones (FLUX). */
  modalities: readonly ('image' | 'text')[]
  /** Whether `image_config.image_size` (`1K`/`2K`/`4K`) is sent: Gemini 3 image models only. */
  imageSize: boolean
}

// Gemini 2.5 Flash Image draws ~1 MP at its own sizes (1344x768 for 16:9, ...): the adapter resizes those to
// our 1K sizes with an `adjusted` warning. It has no larger tier, so 1K is its maximum.
const GEMINI_25_FLASH_IMAGE: OpenRouterModelEntry = {
  capabilities: {
    kinds: ['image'],
    maxResolution: '1K',
    aspectRatios: ASPECT_RATIOS,
    maxReferenceImages: 3,
    searchGrounding: false,
    // Earlier turns are resent as chat messages, assistant turns with the images they returned.
    multiTurn: true,
    // No `n`: the adapter makes `count` parallel calls.
    maxImagesPerCall: 1,
  },
  pricing: { perImageUsd: { '1K': 0.039, '2K': 0.039, '4K': 0.039 } },
  profile: { qualityScore: 0.8, typicalLatencyMs: 10_000 },
  modalities: ['image', 'text'],
  imageSize: false,
}

/** The catalog. */
export const OPENROUTER_MODELS: Readonly<Record<string, OpenRouterModelEntry>> = {
  'google/gemini-2.5-flash-image': GEMINI_25_FLASH_IMAGE,
  'google/gemini-2.5-flash-image-preview': GEMINI_25_FLASH_IMAGE,
  // Nano Banana Pro draws our 1K / 2K / 4K pixel sizes exactly (they are its table).
  'google/gemini-3-pro-image-preview': {
    capabilities: {
      kinds: ['image'],
      maxResolution: '4K',
      aspectRatios: ASPECT_RATIOS,
      maxReferenceImages: 14,
      searchGrounding: false,
      multiTurn: true,
      maxImagesPerCall: 1,
    },
    pricing: { perImageUsd: { '1K': 0.134, '2K': 0.134, '4K': 0.24 } },
    profile: { qualityScore: 0.92, typicalLatencyMs: 30_000 },
    modalities: ['image', 'text'],
    imageSize: true,
  },
}

/** The catalog entry for a model id; unknown ids use the default model's entry. */
export function openRouterModelEntry(modelId: string): OpenRouterModelEntry {
  return OPENROUTER_MODELS[modelId] ?? OPENROUTER_MODELS[OPENROUTER_DEFAULT_IMAGE_MODEL]!
}
