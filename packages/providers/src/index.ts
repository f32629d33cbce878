/**
 * @module `@nbl/providers`: the provider spec, pixel sizes, the router and its strategies, and adapters.
 * Test doubles live in the `@nbl/providers/testing` subpath.
 */
export { createLocalProvider, LOCAL_MODEL_ID, type LocalProviderOptions } from './adapters/local.js'
export { requiredCapabilitiesFor, unmetCapability } from './capabilities.js'
export { NoCapableProviderError, type ProviderRejection, ProvidersFailedError } from './errors.js'
export {
  createProviderRouter,
  type ProviderListing,
  ProviderRouter,
  type ProviderRouterOptions,
  type ProviderSetting,
  type ProviderSettings,
  type RoutedImageResult,
  type RouteImageOptions,
} from './router.js'
export { PIXEL_SIZES, type PixelSize, pixelSize, RESOLUTION_RANK, resolutionAtMost } from './sizes.js'
export { type Candidate, orderCandidates, type StrategyContext } from './strategies.js'
export * from './types.js'
