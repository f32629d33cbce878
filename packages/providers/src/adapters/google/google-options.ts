/**
 * @module The Google catalog: Gemini image models ("Nano Banana") and Veo video models, with their
 * capabilities, default prices (USD) and profiles (providers.md §1.2, §1.10, §1.11). Operators
 * override any of it through `AdapterConfig.overrides`; nothing is priced in the adapter's logic.
 */
import type { PixelSize } from '../../sizes.js'
import {
  ASPECT_RATIOS,
  type AspectRatio,
  type ProviderCapabilities,
  type ProviderPricing,
  type ProviderProfile,
  type VideoCapabilities,
  type VideoPricing,
  type VideoResolution,
} from '../../types.js'

/** Gemini image model ids we know; any other id is accepted and treated like the default model. */
export type GoogleImageModelId =
  | 'gemini-3-pro-image-preview'
  | 'gemini-3-pro-image'
  | 'gemini-3.1-flash-image'
  | 'gemini-2.5-flash-image'
  | (string & {})

/** Veo model ids we know; any other id is accepted and treated like the default model. */
export type GoogleVideoModelId =
  | 'veo-3.1-generate-preview'
  | 'veo-3.1-fast-generate-preview'
  | 'veo-3.0-generate-001'
  | 'veo-3.0-fast-generate-001'
  | 'veo-2.0-generate-001'
  | (string & {})

export const GOOGLE_DEFAULT_IMAGE_MODEL: GoogleImageModelId = 'gemini-3-pro-image-preview'
export const GOOGLE_DEFAULT_VIDEO_MODEL: GoogleVideoModelId = 'veo-3.1-generate-preview'

/** Suggested wait between Veo polls (providers.md "polling cadence": every ~10 s). */
export const GOOGLE_VIDEO_POLL_INTERVAL_MS = 10_000

/**
 * The fixed ~1 MP output of `gemini-2.5-flash-image` (providers.md §1.2, "2.5 Flash" column): it takes no
 * `imageSize`, and its sizes differ slightly from our 1K table.
 */
export const GEMINI_25_FLASH_PIXEL_SIZES: Readonly<Record<AspectRatio, PixelSize>> = {
  '1:1': { width: 1024, height: 1024 },
  '16:9': { width: 1344, height: 768 },
  '9:16': { width: 768, height: 1344 },
  '4:3': { width: 1184, height: 864 },
  '3:4': { width: 864, height: 1184 },
  '3:2': { width: 1248, height: 832 },
  '2:3': { width: 832, height: 1248 },
  '4:5': { width: 896, height: 1152 },
  '5:4': { width: 1152, height: 896 },
  '21:9': { width: 1536, height: 672 },
}

export interface GoogleImageModelEntry {
  capabilities: ProviderCapabilities
  pricing: ProviderPricing
  profile: ProviderProfile
  /** Whether the model takes `imageConfig.imageSize` (1K/2K/4K); 2.5 Flash makes a fixed ~1 MP image. */
  takesImageSize: boolean
}

// Count is emulated with parallel requests (the API has no `n`), so every model serves up to 4 per call.
const GEMINI_3_CAPABILITIES: ProviderCapabilities = {
  kinds: ['image'],
  maxResolution: '4K',
  aspectRatios: ASPECT_RATIOS,
  maxReferenceImages: 14,
  searchGrounding: true,
  multiTurn: true,
  maxImagesPerCall: 4,
}

// Grounding with Google Search is billed per search query (~$14 / 1000 on Gemini 3, unverified); one query per image is assumed.
const SEARCH_GROUNDING_PER_IMAGE_USD = 0.014

const GEMINI_3_PRO_IMAGE: GoogleImageModelEntry = {
  capabilities: GEMINI_3_CAPABILITIES,
  // $120 / 1M image-output tokens: 1120 tokens at 1K/2K, 2000 at 4K.
  pricing: {
    perImageUsd: { '1K': 0.134, '2K': 0.134, '4K': 0.24 },
    searchGroundingPerImageUsd: SEARCH_GROUNDING_PER_IMAGE_USD,
  },
  profile: { qualityScore: 0.95, typicalLatencyMs: 20_000 },
  takesImageSize: true,
}

/** Default capabilities, prices and profiles per image model. */
export const GOOGLE_IMAGE_MODELS: Readonly<Record<string, GoogleImageModelEntry>> = {
  'gemini-3-pro-image-preview': GEMINI_3_PRO_IMAGE,
  'gemini-3-pro-image': GEMINI_3_PRO_IMAGE,
  'gemini-3.1-flash-image': {
    capabilities: GEMINI_3_CAPABILITIES,
    // Secondary sources (unverified): ≈ $0.067 (1K) / $0.101 (2K) / $0.151 (4K).
    pricing: {
      perImageUsd: { '1K': 0.067, '2K': 0.101, '4K': 0.151 },
      searchGroundingPerImageUsd: SEARCH_GROUNDING_PER_IMAGE_USD,
    },
    profile: { qualityScore: 0.88, typicalLatencyMs: 9_000 },
    takesImageSize: true,
  },
  'gemini-2.5-flash-image': {
    capabilities: {
      kinds: ['image'],
      // Fixed ~1 MP output: nothing above 1K, and even 1K differs from our sizes (an `adjusted` warning says so).
      maxResolution: '1K',
      aspectRatios: ASPECT_RATIOS,
      maxReferenceImages: 3,
      searchGrounding: false,
      multiTurn: true,
      maxImagesPerCall: 4,
    },
    // $30 / 1M image-output tokens × 1290 tokens.
    pricing: { perImageUsd: { '1K': 0.039, '2K': 0.039, '4K': 0.039 } },
    profile: { qualityScore: 0.78, typicalLatencyMs: 7_000 },
    takesImageSize: false,
  },
}

/** The catalog entry of an image model; an unknown id gets the default model's entry. */
export function googleImageModel(modelId: string): GoogleImageModelEntry {
  return GOOGLE_IMAGE_MODELS[modelId] ?? GEMINI_3_PRO_IMAGE
}

export interface GoogleVideoModelEntry {
  capabilities: VideoCapabilities
  pricing: VideoPricing
  profile: ProviderProfile
  /** 1080p (and 4k) clips must be this long (Veo 3.1: "8 s required for 1080p/4k"). */
  fullHdDurationSec?: number
  /** Aspect ratios 1080p is offered in, when narrower than the model's (Veo 3: 16:9 only). */
  fullHdAspectRatios?: readonly string[]
}

const VEO_31: GoogleVideoModelEntry = {
  capabilities: {
    durations: [4, 6, 8],
    aspectRatios: ['16:9', '9:16'],
    resolutions: ['720p', '1080p'],
    textToVideo: true,
    imageToVideo: true,
  },
  // ≈ $0.40 per second (unverified, secondary sources).
  pricing: { perSecondUsd: { '720p': 0.4, '1080p': 0.4 } },
  profile: { qualityScore: 0.95, typicalLatencyMs: 90_000 },
  fullHdDurationSec: 8,
}

/** Default capabilities, prices and profiles per Veo model. */
export const GOOGLE_VIDEO_MODELS: Readonly<Record<string, GoogleVideoModelEntry>> = {
  'veo-3.1-generate-preview': VEO_31,
  'veo-3.1-fast-generate-preview': {
    ...VEO_31,
    pricing: { perSecondUsd: { '720p': 0.15, '1080p': 0.15 } },
    profile: { qualityScore: 0.85, typicalLatencyMs: 50_000 },
  },
  'veo-3.0-generate-001': {
    capabilities: { ...VEO_31.capabilities, durations: [8] },
    pricing: { perSecondUsd: { '720p': 0.4, '1080p': 0.4 } },
    profile: { qualityScore: 0.9, typicalLatencyMs: 90_000 },
    fullHdAspectRatios: ['16:9'],
  },
  'veo-3.0-fast-generate-001': {
    capabilities: { ...VEO_31.capabilities, durations: [8] },
    pricing: { perSecondUsd: { '720p': 0.15, '1080p': 0.15 } },
    profile: { qualityScore: 0.8, typicalLatencyMs: 50_000 },
    fullHdAspectRatios: ['16:9'],
  },
  'veo-2.0-generate-001': {
    capabilities: { ...VEO_31.capabilities, durations: [5, 6, 7, 8], resolutions: ['720p'] },
    pricing: { perSecondUsd: { '720p': 0.35, '1080p': 0.35 } },
    profile: { qualityScore: 0.7, typicalLatencyMs: 60_000 },
  },
}

/** The catalog entry of a Veo model; an unknown id gets the default model's entry. */
export function googleVideoModel(modelId: string): GoogleVideoModelEntry {
  return GOOGLE_VIDEO_MODELS[modelId] ?? VEO_31
}

/** The resolution a Veo clip defaults to when nothing else is known (e.g. polling after a restart). */
export const GOOGLE_VIDEO_DEFAULT_RESOLUTION: VideoResolution = '720p'
