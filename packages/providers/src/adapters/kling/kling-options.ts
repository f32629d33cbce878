/**
 * @module The Kling catalog (providers.md §5): model ids, what each makes, USD pricing and profile.
 * Kling sells prepaid resource packs and publishes no per-call USD prices (unverified), so every price
 * here is a rough default for operators to override.
 */
import type {
  AspectRatio,
  ProviderCapabilities,
  ProviderPricing,
  ProviderProfile,
  VideoCapabilities,
  VideoPricing,
  VideoResolution,
} from '../../types.js'

/** The current global host (bare: paths start with `/v1`); older docs use `https://api.klingai.com`. */
export const KLING_DEFAULT_BASE_URL = 'https://api-singapore.klingai.com'
/** No official figure (unverified): providers.md suggests every 5–10 s. */
export const KLING_DEFAULT_POLL_INTERVAL_MS = 5_000
export const KLING_DEFAULT_MAX_POLL_WAIT_MS = 5 * 60_000
/** JWT lifetime Kling's docs use (`exp = now + 1800`), and how long before expiry we sign a new one. */
export const KLING_TOKEN_TTL_SECONDS = 1_800
export const KLING_TOKEN_RENEW_BEFORE_SECONDS = 60

export type KlingImageModelId =
  | 'kling-v1'
  | 'kling-v1-5'
  | 'kling-v2'
  | 'kling-v2-new'
  | 'kling-v2-1'
  | (string & {})
export type KlingVideoModelId =
  | 'kling-v2-5-turbo'
  | 'kling-v2-1-master'
  | 'kling-v2-1'
  | 'kling-v1-6'
  | (string & {})

export const KLING_DEFAULT_IMAGE_MODEL: KlingImageModelId = 'kling-v2'
export const KLING_DEFAULT_VIDEO_MODEL: KlingVideoModelId = 'kling-v2-5-turbo'

/** Kling's own `aspect_ratio` values for images. */
export const KLING_IMAGE_ASPECT_RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4', '3:2', '2:3', '21:9'] as const
export type KlingImageAspectRatio = (typeof KLING_IMAGE_ASPECT_RATIOS)[number]

export interface KlingImageModel {
  capabilities: ProviderCapabilities
  pricing: ProviderPricing
  profile: ProviderProfile
  /** kling-v1-5 needs `image_reference: "subject" | "face"` whenever `image` is set. */
  imageReference: boolean
}

const imageCapabilities = (maxResolution: '1K' | '2K'): ProviderCapabilities => ({
  kinds: ['image', 'video'],
  // `resolution: "2k"` is the largest Kling makes; 4:5 and 5:4 are not among its aspect ratios.
  maxResolution,
  aspectRatios: KLING_IMAGE_ASPECT_RATIOS satisfies readonly AspectRatio[],
  // One `image` per call (multi-image2image is a separate endpoint, not used here).
  maxReferenceImages: 1,
  searchGrounding: false,
  multiTurn: false,
  // `n` goes to 9; our API asks for at most 4.
  maxImagesPerCall: 4,
})

const perImage = (oneK: number, twoK: number): ProviderPricing => ({
  perImageUsd: { '1K': oneK, '2K': twoK, '4K': twoK },
})

export const KLING_IMAGE_MODELS: Readonly<Record<string, KlingImageModel>> = {
  'kling-v1': {
    capabilities: imageCapabilities('1K'),
    pricing: perImage(0.0035, 0.0035),
    profile: { qualityScore: 0.5, typicalLatencyMs: 20_000 },
    imageReference: false,
  },
  'kling-v1-5': {
    capabilities: imageCapabilities('1K'),
    pricing: perImage(0.014, 0.014),
    profile: { qualityScore: 0.6, typicalLatencyMs: 25_000 },
    imageReference: true,
  },
  'kling-v2': {
    capabilities: imageCapabilities('2K'),
    pricing: perImage(0.014, 0.028),
    profile: { qualityScore: 0.72, typicalLatencyMs: 30_000 },
    imageReference: false,
  },
  'kling-v2-new': {
    capabilities: imageCapabilities('2K'),
    pricing: perImage(0.014, 0.028),
    profile: { qualityScore: 0.72, typicalLatencyMs: 30_000 },
    imageReference: false,
  },
  'kling-v2-1': {
    capabilities: imageCapabilities('2K'),
    pricing: perImage(0.014, 0.028),
    profile: { qualityScore: 0.75, typicalLatencyMs: 30_000 },
    imageReference: false,
  },
}

export interface KlingVideoModel {
  capabilities: VideoCapabilities
  pricing: VideoPricing
  profile: ProviderProfile
  /** `mode` per resolution (`std` is 720p, `pro` 1080p); undefined for models without modes (master). */
  modes?: Partial<Record<VideoResolution, 'std' | 'pro'>>
}

const STD_PRO = { '720p': 'std', '1080p': 'pro' } as const

export const KLING_VIDEO_MODELS: Readonly<Record<string, KlingVideoModel>> = {
  'kling-v2-5-turbo': {
    capabilities: {
      durations: [5, 10],
      aspectRatios: ['16:9', '9:16', '1:1'],
      resolutions: ['720p', '1080p'],
      textToVideo: true,
      imageToVideo: true,
    },
    pricing: { perSecondUsd: { '720p': 0.042, '1080p': 0.07 } },
    profile: { qualityScore: 0.82, typicalLatencyMs: 120_000 },
    modes: STD_PRO,
  },
  'kling-v2-1-master': {
    capabilities: {
      durations: [5, 10],
      aspectRatios: ['16:9', '9:16', '1:1'],
      resolutions: ['1080p'],
      textToVideo: true,
      imageToVideo: true,
    },
    pricing: { perSecondUsd: { '720p': 0.28, '1080p': 0.28 } },
    profile: { qualityScore: 0.86, typicalLatencyMs: 240_000 },
  },
  'kling-v2-1': {
    capabilities: {
      durations: [5, 10],
      aspectRatios: ['16:9', '9:16', '1:1'],
      resolutions: ['720p', '1080p'],
      textToVideo: false,
      imageToVideo: true,
    },
    pricing: { perSecondUsd: { '720p': 0.056, '1080p': 0.098 } },
    profile: { qualityScore: 0.8, typicalLatencyMs: 150_000 },
    modes: STD_PRO,
  },
  'kling-v1-6': {
    capabilities: {
      durations: [5, 10],
      aspectRatios: ['16:9', '9:16', '1:1'],
      resolutions: ['720p', '1080p'],
      textToVideo: true,
      imageToVideo: true,
    },
    pricing: { perSecondUsd: { '720p': 0.056, '1080p': 0.098 } },
    profile: { qualityScore: 0.7, typicalLatencyMs: 150_000 },
    modes: STD_PRO,
  },
}

/** A catalog entry for an image model id; unknown ids get kling-v2's limits (operators can override). */
export function klingImageModel(modelId: string): KlingImageModel {
  return KLING_IMAGE_MODELS[modelId] ?? (KLING_IMAGE_MODELS[KLING_DEFAULT_IMAGE_MODEL] as KlingImageModel)
}

/** A catalog entry for a video model id; unknown ids get kling-v2-5-turbo's limits. */
export function klingVideoModel(modelId: string): KlingVideoModel {
  return KLING_VIDEO_MODELS[modelId] ?? (KLING_VIDEO_MODELS[KLING_DEFAULT_VIDEO_MODEL] as KlingVideoModel)
}

/** Our aspect ratio as Kling's: the same when Kling has it, else the closest shape (4:5 → 3:4, 5:4 → 4:3). */
export function klingAspectRatio(aspectRatio: AspectRatio): KlingImageAspectRatio {
  if ((KLING_IMAGE_ASPECT_RATIOS as readonly string[]).includes(aspectRatio)) {
    return aspectRatio as KlingImageAspectRatio
  }
  const shape = (value: string) => {
    const [width = 1, height = 1] = value.split(':').map(Number)
    return Math.log(width / height)
  }
  const wanted = shape(aspectRatio)
  let best: KlingImageAspectRatio = '1:1'
  for (const candidate of KLING_IMAGE_ASPECT_RATIOS) {
    if (Math.abs(shape(candidate) - wanted) < Math.abs(shape(best) - wanted)) best = candidate
  }
  return best
}
