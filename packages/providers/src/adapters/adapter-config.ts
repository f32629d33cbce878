/**
 * @module What every remote adapter is configured with: credentials, a base URL (so tests and
 * benchmarks point it at a contract fake), the transport, models, polling and catalog overrides.
 */
import { createFastFetch, type FetchFunction } from '../http/fast-fetch.js'
import type {
  ProviderCapabilities,
  ProviderPricing,
  ProviderProfile,
  VideoCapabilities,
  VideoPricing,
} from '../types.js'

export interface CatalogOverrides {
  capabilities?: Partial<ProviderCapabilities>
  pricing?: Partial<ProviderPricing>
  profile?: Partial<ProviderProfile>
  videoCapabilities?: Partial<VideoCapabilities>
  videoPricing?: Partial<VideoPricing>
  videoProfile?: Partial<ProviderProfile>
}

export interface AdapterConfig {
  apiKey: string
  /** The provider's API root (see API.md "Provider"); defaults to the real one. */
  baseUrl?: string
  /** Injectable transport; defaults to a shared undici-based fetch. */
  fetch?: FetchFunction
  /** Image model id; defaults to the adapter's default. */
  model?: string
  /** Video model id, for adapters that make videos. */
  videoModel?: string
  /** Wait between polls for submit-and-poll APIs (tests use a few ms). */
  pollIntervalMs?: number
  /** Give up polling an image task after this long. */
  maxPollWaitMs?: number
  /** Operator overrides of the default capability / pricing / profile table. */
  overrides?: CatalogOverrides
}

let sharedFetch: FetchFunction | undefined

/** The transport an adapter uses: the configured one, else one process-wide fast fetch. */
export function fetchFor(config: Pick<AdapterConfig, 'fetch'>): FetchFunction {
  if (config.fetch) return config.fetch
  sharedFetch ??= createFastFetch()
  return sharedFetch
}

/** Shallow-merges operator overrides over a catalog entry. */
export function withOverrides<T extends object>(defaults: T, overrides: Partial<T> | undefined): T {
  return overrides ? { ...defaults, ...overrides } : defaults
}
