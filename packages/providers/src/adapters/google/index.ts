/** @module The `google` adapter family (Gemini images, Veo video); re-exports only. */
export { createGoogleImageProvider } from './google-adapter.js'
export { GOOGLE_API_VERSION, GOOGLE_DEFAULT_BASE_URL, type GoogleProviderConfig } from './google-config.js'
export { classifyGoogleError, googleErrorFromResponse } from './google-error.js'
export {
  GEMINI_25_FLASH_PIXEL_SIZES,
  GOOGLE_DEFAULT_IMAGE_MODEL,
  GOOGLE_DEFAULT_VIDEO_MODEL,
  GOOGLE_IMAGE_MODELS,
  GOOGLE_VIDEO_MODELS,
  GOOGLE_VIDEO_POLL_INTERVAL_MS,
  type GoogleImageModelEntry,
  type GoogleImageModelId,
  type GoogleVideoModelEntry,
  type GoogleVideoModelId,
  googleImageModel,
  googleVideoModel,
} from './google-options.js'
export { createGoogleProvider, type GoogleProvider } from './google-provider.js'
export {
  createGoogleVideoProvider,
  type FinishedVideoTask,
  type GoogleVideoProvider,
} from './google-video.js'
