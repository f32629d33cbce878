/**
 * @module Builds the adapters an operator configured: every remote provider with credentials (and
 * not disabled), plus the offline `local` image and video providers unless switched off.
 */
import type { CatalogOverrides } from './adapters/adapter-config.js'
import { createFluxProvider } from './adapters/flux/flux-adapter.js'
import { createGoogleProvider } from './adapters/google/google-provider.js'
import { createKlingProvider } from './adapters/kling/kling-adapter.js'
import { createLocalProvider } from './adapters/local.js'
import { createLocalVideoProvider } from './adapters/local-video.js'
import { createOpenAIProvider } from './adapters/openai/openai-adapter.js'
import { createOpenRouterProvider } from './adapters/openai/openrouter-adapter.js'
import { createReplicateProvider } from './adapters/replicate/replicate-adapter.js'
import { createRunwayProvider } from './adapters/runway/runway-adapter.js'
import type { FetchFunction } from './http/fast-fetch.js'
import type { ImageProvider, ProviderName, VideoProvider } from './types.js'

/** One provider's operator configuration (PROVIDER_<NAME>_* in the server's environment). */
export interface ProviderConfigEntry {
  apiKey?: string
  baseUrl?: string
  enabled?: boolean
  model?: string
  videoModel?: string
  /** Kling signs its own JWTs from these two. */
  accessKey?: string
  secretKey?: string
  overrides?: CatalogOverrides
}

export interface ConfiguredProviders {
  providers: ImageProvider[]
  videoProviders: VideoProvider[]
  /** Providers left out, and why (no credentials, disabled): for the startup log. */
  skipped: { name: ProviderName; reason: string }[]
}

/**
 * @example
 * const { providers, videoProviders } = createConfiguredProviders({ google: { apiKey: process.env.GOOGLE_API_KEY } })
 * const router = createProviderRouter({ providers, videoProviders })
 */
export function createConfiguredProviders(
  entries: Partial<Record<ProviderName, ProviderConfigEntry>>,
  options: { fetch?: FetchFunction } = {},
): ConfiguredProviders {
  const providers: ImageProvider[] = []
  const videoProviders: VideoProvider[] = []
  const skipped: ConfiguredProviders['skipped'] = []

  const common = (entry: ProviderConfigEntry) => ({
    ...(entry.baseUrl ? { baseUrl: entry.baseUrl } : {}),
    ...(entry.model ? { model: entry.model } : {}),
    ...(entry.videoModel ? { videoModel: entry.videoModel } : {}),
    ...(entry.overrides ? { overrides: entry.overrides } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  const add = (built: { image?: ImageProvider; video?: VideoProvider }) => {
    if (built.image) providers.push(built.image)
    if (built.video) videoProviders.push(built.video)
  }
  const usable = (name: ProviderName, entry: ProviderConfigEntry | undefined, hasCredentials: boolean) => {
    if (!entry || !hasCredentials) {
      if (entry?.enabled) skipped.push({ name, reason: 'enabled but no credentials configured' })
      return false
    }
    if (entry.enabled === false) {
      skipped.push({ name, reason: 'disabled' })
      return false
    }
    return true
  }

  const keyed = (name: ProviderName) => {
    const entry = entries[name]
    return usable(name, entry, Boolean(entry?.apiKey)) && entry?.apiKey
      ? { entry, apiKey: entry.apiKey }
      : undefined
  }

  const google = keyed('google')
  if (google) add(createGoogleProvider({ apiKey: google.apiKey, ...common(google.entry) }))
  const openai = keyed('openai')
  if (openai) add(createOpenAIProvider({ apiKey: openai.apiKey, ...common(openai.entry) }))
  const openrouter = keyed('openrouter')
  if (openrouter) add(createOpenRouterProvider({ apiKey: openrouter.apiKey, ...common(openrouter.entry) }))
  const flux = keyed('flux')
  if (flux) add(createFluxProvider({ apiKey: flux.apiKey, ...common(flux.entry) }))
  const runway = keyed('runway')
  if (runway) add(createRunwayProvider({ apiKey: runway.apiKey, ...common(runway.entry) }))
  const replicate = keyed('replicate')
  if (replicate) add(createReplicateProvider({ apiKey: replicate.apiKey, ...common(replicate.entry) }))
  const kling = entries.kling
  if (
    usable('kling', kling, Boolean(kling?.accessKey && kling?.secretKey)) &&
    kling?.accessKey &&
    kling.secretKey
  ) {
    add(createKlingProvider({ accessKey: kling.accessKey, secretKey: kling.secretKey, ...common(kling) }))
  }

  if (entries.local?.enabled === false) skipped.push({ name: 'local', reason: 'disabled' })
  else {
    providers.push(createLocalProvider())
    videoProviders.push(createLocalVideoProvider())
  }
  return { providers, videoProviders, skipped }
}
