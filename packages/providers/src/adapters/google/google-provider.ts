/**
 * @module The `google` provider: Gemini image models and Veo video behind one configuration.
 */
import type { ImageProvider } from '../../types.js'
import { createGoogleImageProvider } from './google-adapter.js'
import type { GoogleProviderConfig } from './google-config.js'
import { createGoogleVideoProvider, type GoogleVideoProvider } from './google-video.js'

export interface GoogleProvider {
  image: ImageProvider
  video: GoogleVideoProvider
}

/**
 * Creates the Google image (`config.model`, default `gemini-3-pro-image-preview`) and video
 * (`config.videoModel`, default `veo-3.1-generate-preview`) providers. Both speak the Gemini API's REST
 * surface through `fetchFor(config)`, authenticate with `x-goog-api-key`, and make one attempt per call.
 * @param config `baseUrl` is the bare host (default `https://generativelanguage.googleapis.com`);
 *   `pollIntervalMs` defaults to 10 000 (Veo); `overrides` patch the catalog in `google-options.ts`.
 * @example
 * const google = createGoogleProvider({ apiKey: process.env.GOOGLE_API_KEY ?? '', baseUrl: process.env.PROVIDER_GOOGLE_BASE_URL })
 * const router = createProviderRouter({ providers: [google.image], videoProviders: [google.video] })
 */
export function createGoogleProvider(config: GoogleProviderConfig): GoogleProvider {
  return { image: createGoogleImageProvider(config), video: createGoogleVideoProvider(config) }
}
