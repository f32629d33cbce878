/**
 * @module `@nbl/providers`: the provider spec, pixel sizes, the router and its strategies, and adapters.
 * Test doubles live in the `@nbl/providers/testing` subpath.
 */
export type { AdapterConfig, CatalogOverrides } from './adapters/adapter-config.js'
export {
  createFluxProvider,
  FLUX_DEFAULT_BASE_URL,
  type FluxProviderConfig,
} from './adapters/flux/flux-adapter.js'
export * from './adapters/google/index.js'
export {
  createKlingProvider,
  KLING_DEFAULT_BASE_URL,
  type KlingConfig,
} from './adapters/kling/kling-adapter.js'
export { createLocalProvider, LOCAL_MODEL_ID, type LocalProviderOptions } from './adapters/local.js'
export {
  createLocalVideoProvider,
  LOCAL_VIDEO_MODEL_ID,
  type LocalVideoProviderOptions,
} from './adapters/local-video.js'
export {
  createOpenAIProvider,
  OPENAI_DEFAULT_BASE_URL,
  type OpenAIProviderConfig,
} from './adapters/openai/openai-adapter.js'
export {
  createOpenRouterProvider,
  OPENROUTER_DEFAULT_BASE_URL,
  type OpenRouterProviderConfig,
} from './adapters/openai/openrouter-adapter.js'
export {
  createReplicateProvider,
  REPLICATE_DEFAULT_BASE_URL,
  type ReplicateProviderConfig,
} from './adapters/replicate/replicate-adapter.js'
export {
  createRunwayProvider,
  RUNWAY_API_VERSION,
  RUNWAY_DEFAULT_BASE_URL,
  type RunwayConfig,
} from './adapters/runway/runway-adapter.js'
export { requiredCapabilitiesFor, unmetCapability, unmetVideoCapability } from './capabilities.js'
export { type ConfiguredProviders, createConfiguredProviders, type ProviderConfigEntry } from './configure.js'
export { NoCapableProviderError, type ProviderRejection, ProvidersFailedError } from './errors.js'
export type { HealthSnapshot } from './health.js'
export { createFastFetch, type FetchFunction } from './http/fast-fetch.js'
export { type LazyModule, lazyModule } from './lazy-module.js'
export { type BreakerState, DEFAULT_RESILIENCE, type ResilienceOptions } from './resilience.js'
export {
  createMemoryRoundRobinCounter,
  createProviderRouter,
  type ProviderAttemptSample,
  type ProviderListing,
  ProviderRouter,
  type ProviderRouterOptions,
  type ProviderSetting,
  type ProviderSettings,
  type RoundRobinCounter,
  type RoutedImageResult,
  type RoutedVideoResult,
  type RoutedVideoTask,
  type RouteImageOptions,
  type RouteOptions,
} from './router.js'
export { PIXEL_SIZES, type PixelSize, pixelSize, RESOLUTION_RANK, resolutionAtMost } from './sizes.js'
export { type Candidate, orderCandidates, type StrategyContext } from './strategies.js'
export * from './types.js'
