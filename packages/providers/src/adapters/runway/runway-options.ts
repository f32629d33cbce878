/**
 * @module The Runway catalog (providers.md §4): model ids, the pixel `ratio` strings each model accepts,
 * capabilities, USD pricing and profile per model. Defaults for operators to override, never constants in logic.
 */
import type {
  AspectRatio,
  ProviderCapabilities,
  ProviderPricing,
  ProviderProfile,
  VideoAspectRatio,
  VideoCapabilities,
  VideoPricing,
  VideoResolution,
} from '../../types.js'

/** The real API host (bare: paths start with `/v1`). */
export const RUNWAY_DEFAULT_BASE_URL = 'https://api.dev.runwayml.com'
/** Sent as `X-Runway-Version` on every call (required by the API). */
export const RUNWAY_API_VERSION = '2024-11-06'
/** Runway bills in credits; 1 credit ≈ 0.01 USD (providers.md §4.5). */
export const RUNWAY_USD_PER_CREDIT = 0.01
/** "Don't expect updates more often than every 5 s" (providers.md cadence table). */
export const RUNWAY_DEFAULT_POLL_INTERVAL_MS = 5_000
export const RUNWAY_DEFAULT_MAX_POLL_WAIT_MS = 5 * 60_000

export type RunwayImageModelId = 'gen4_image' | 'gen4_image_turbo' | 'gemini_2.5_flash' | (string & {})
export type RunwayVideoModelId = 'gen4.5' | 'gen4_turbo' | 'veo3.1' | 'veo3.1_fast' | (string & {})

export const RUNWAY_DEFAULT_IMAGE_MODEL: RunwayImageModelId = 'gen4_image'
/** `gen4.5` does both text-to-video and image-to-video (`gen4_turbo` is image-to-video only). */
export const RUNWAY_DEFAULT_VIDEO_MODEL: RunwayVideoModelId = 'gen4.5'

export interface RunwayImageModel {
  /** Every `ratio` ("W:H" in pixels) the model accepts. */
  ratios: readonly string[]
  capabilities: ProviderCapabilities
  pricing: ProviderPricing
  profile: ProviderProfile
  /** At least this many reference images (gen4_image_turbo needs 1–3). */
  minReferenceImages: number
  /** Accepts `seed`. */
  seed: boolean
  /** Reference images take a `tag` (gen4 models: referenced as @tag in the prompt). */
  referenceTags: boolean
}

const GEN4_IMAGE_RATIOS = [
  '1024:1024',
  '1080:1080',
  '1168:880',
  '1360:768',
  '1440:1080',
  '1080:1440',
  '1808:768',
  '1920:1080',
  '1080:1920',
  '2112:912',
  '1280:720',
  '720:1280',
  '720:720',
  '960:720',
  '720:960',
  '1680:720',
] as const

const GEMINI_FLASH_IMAGE_RATIOS = [
  '1344:768',
  '768:1344',
  '1024:1024',
  '1184:864',
  '864:1184',
  '1536:672',
  '832:1248',
  '1248:832',
  '896:1152',
  '1152:896',
] as const

// Runway's largest images are ~2 MP (1920×1080), so every model tops out at our 1K sizes; the adapter
// resizes the closest Runway ratio to our exact pixels. Only ratios Runway makes natively are listed.
const runwayImageCapabilities = (
  aspectRatios: readonly AspectRatio[],
  maxReferenceImages: number,
): ProviderCapabilities => ({
  kinds: ['image', 'video'],
  maxResolution: '1K',
  aspectRatios,
  maxReferenceImages,
  searchGrounding: false,
  multiTurn: false,
  // No `n` on Runway: the adapter runs one task per image, in parallel.
  maxImagesPerCall: 4,
})

const flat = (usd: number): ProviderPricing => ({ perImageUsd: { '1K': usd, '2K': usd, '4K': usd } })

export const RUNWAY_IMAGE_MODELS: Readonly<Record<string, RunwayImageModel>> = {
  gen4_image: {
    ratios: GEN4_IMAGE_RATIOS,
    capabilities: runwayImageCapabilities(['1:1', '16:9', '9:16', '4:3', '3:4', '21:9'], 3),
    // 8 credits at 1080p-class ratios (the adapter picks those for 1K), 5 at 720p.
    pricing: flat(0.08),
    profile: { qualityScore: 0.8, typicalLatencyMs: 25_000 },
    minReferenceImages: 0,
    seed: true,
    referenceTags: true,
  },
  gen4_image_turbo: {
    ratios: GEN4_IMAGE_RATIOS,
    capabilities: runwayImageCapabilities(['1:1', '16:9', '9:16', '4:3', '3:4', '21:9'], 3),
    pricing: flat(0.02),
    profile: { qualityScore: 0.7, typicalLatencyMs: 12_000 },
    minReferenceImages: 1,
    seed: true,
    referenceTags: true,
  },
  'gemini_2.5_flash': {
    ratios: GEMINI_FLASH_IMAGE_RATIOS,
    capabilities: runwayImageCapabilities(
      ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '4:5', '5:4', '21:9'],
      3,
    ),
    pricing: flat(0.05),
    profile: { qualityScore: 0.75, typicalLatencyMs: 15_000 },
    minReferenceImages: 0,
    seed: false,
    referenceTags: false,
  },
}

/** A ratio per (aspect ratio, resolution) for one mode; missing entries are not made by the model. */
export type RunwayVideoRatios = Partial<Record<VideoAspectRatio, Partial<Record<VideoResolution, string>>>>

export interface RunwayVideoModel {
  /** Ratios for text-to-video; undefined when the model needs a first frame. */
  textToVideoRatios?: RunwayVideoRatios
  /** Ratios for image-to-video; undefined when the model is text-only. */
  imageToVideoRatios?: RunwayVideoRatios
  capabilities: VideoCapabilities
  pricing: VideoPricing
  profile: ProviderProfile
  seed: boolean
}

const GEN4_IMAGE_TO_VIDEO: RunwayVideoRatios = {
  '16:9': { '720p': '1280:720' },
  '9:16': { '720p': '720:1280' },
  '1:1': { '720p': '960:960' },
}
const GEN4_5_TEXT_TO_VIDEO: RunwayVideoRatios = {
  '16:9': { '720p': '1280:720' },
  '9:16': { '720p': '720:1280' },
}
const VEO_RATIOS: RunwayVideoRatios = {
  '16:9': { '720p': '1280:720', '1080p': '1920:1080' },
  '9:16': { '720p': '720:1280', '1080p': '1080:1920' },
}

export const RUNWAY_VIDEO_MODELS: Readonly<Record<string, RunwayVideoModel>> = {
  'gen4.5': {
    textToVideoRatios: GEN4_5_TEXT_TO_VIDEO,
    imageToVideoRatios: GEN4_IMAGE_TO_VIDEO,
    // The API takes any integer 2–10; our API asks for 5 or 10.
    capabilities: {
      durations: [5, 10],
      aspectRatios: ['16:9', '9:16'],
      resolutions: ['720p'],
      textToVideo: true,
      imageToVideo: true,
    },
    pricing: { perSecondUsd: { '720p': 0.12, '1080p': 0.12 } },
    profile: { qualityScore: 0.85, typicalLatencyMs: 90_000 },
    seed: true,
  },
  gen4_turbo: {
    imageToVideoRatios: GEN4_IMAGE_TO_VIDEO,
    capabilities: {
      durations: [5, 10],
      aspectRatios: ['16:9', '9:16', '1:1'],
      resolutions: ['720p'],
      textToVideo: false,
      imageToVideo: true,
    },
    pricing: { perSecondUsd: { '720p': 0.05, '1080p': 0.05 } },
    profile: { qualityScore: 0.7, typicalLatencyMs: 45_000 },
    seed: true,
  },
  'veo3.1': {
    textToVideoRatios: VEO_RATIOS,
    imageToVideoRatios: VEO_RATIOS,
    capabilities: {
      durations: [4, 6, 8],
      aspectRatios: ['16:9', '9:16'],
      resolutions: ['720p', '1080p'],
      textToVideo: true,
      imageToVideo: true,
    },
    // 20–40 credits/s depending on audio (on by default): priced at the upper end.
    pricing: { perSecondUsd: { '720p': 0.4, '1080p': 0.4 } },
    profile: { qualityScore: 0.9, typicalLatencyMs: 120_000 },
    seed: false,
  },
  'veo3.1_fast': {
    textToVideoRatios: VEO_RATIOS,
    imageToVideoRatios: VEO_RATIOS,
    capabilities: {
      durations: [4, 6, 8],
      aspectRatios: ['16:9', '9:16'],
      resolutions: ['720p', '1080p'],
      textToVideo: true,
      imageToVideo: true,
    },
    pricing: { perSecondUsd: { '720p': 0.15, '1080p': 0.15 } },
    profile: { qualityScore: 0.8, typicalLatencyMs: 60_000 },
    seed: false,
  },
}

/** A catalog entry for an image model id; unknown ids get gen4_image's limits (operators can override). */
export function runwayImageModel(modelId: string): RunwayImageModel {
  return RUNWAY_IMAGE_MODELS[modelId] ?? (RUNWAY_IMAGE_MODELS[RUNWAY_DEFAULT_IMAGE_MODEL] as RunwayImageModel)
}

/** A catalog entry for a video model id; unknown ids get gen4.5's limits (operators can override). */
export function runwayVideoModel(modelId: string): RunwayVideoModel {
  return RUNWAY_VIDEO_MODELS[modelId] ?? (RUNWAY_VIDEO_MODELS[RUNWAY_DEFAULT_VIDEO_MODEL] as RunwayVideoModel)
}

/** Width and height of a Runway `ratio` string ("1360:768"). */
export function ratioSize(ratio: string): { width: number; height: number } {
  const [width = 0, height = 0] = ratio.split(':').map(Number)
  return { width, height }
}

// Ratios within 3 % count as the same shape (1360:768 is Runway's 16:9, 1184:864 Gemini's 4:3).
const SAME_SHAPE = Math.log(1.03)

/**
 * The Runway ratio to ask for an image of `target` pixels: the closest shape, then among equally close
 * shapes the smallest size that covers the target (no upscaling), else the largest.
 * @example pickImageRatio(GEN4_IMAGE_RATIOS, { width: 1376, height: 768 }) // '1920:1080'
 */
export function pickImageRatio(ratios: readonly string[], target: { width: number; height: number }): string {
  const targetShape = Math.log(target.width / target.height)
  const scored = ratios.map((ratio) => {
    const size = ratioSize(ratio)
    return { ratio, size, distance: Math.abs(Math.log(size.width / size.height) - targetShape) }
  })
  const best = Math.min(...scored.map((entry) => entry.distance))
  // With no native match, only the equally close shapes (e.g. 1440:1080 and 960:720) are candidates.
  const threshold = best <= SAME_SHAPE ? SAME_SHAPE : best + 1e-9
  const sameShape = scored
    .filter((entry) => entry.distance <= threshold)
    .sort((left, right) => left.size.width * left.size.height - right.size.width * right.size.height)
  const covering = sameShape.find(
    (entry) => entry.size.width >= target.width && entry.size.height >= target.height,
  )
  return (covering ?? sameShape[sameShape.length - 1] ?? scored[0])?.ratio ?? '1024:1024'
}
