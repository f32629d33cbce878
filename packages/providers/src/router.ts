/**
 * @module The provider router: filters providers by capability and settings, orders them by strategy,
 * and falls back to the next one on a retryable failure. It depends on the spec, never on an adapter.
 */
import { requiredCapabilitiesFor, unmetCapability } from './capabilities.js'
import { NoCapableProviderError, type ProviderRejection, ProvidersFailedError } from './errors.js'
import { type Candidate, orderCandidates } from './strategies.js'
import {
  type Attempt,
  type ImageGenerationRequest,
  type ImageGenerationResult,
  type ImageProvider,
  type ProviderCapabilities,
  ProviderError,
  type ProviderName,
  type RequiredCapabilities,
  type Strategy,
} from './types.js'

/** Operator settings for one provider. */
export interface ProviderSetting {
  /** Defaults to true. */
  enabled?: boolean
  /** Lower is tried first. Defaults to the provider's 1-based position in `providers`. */
  priority?: number
}

export type ProviderSettings = Partial<Record<ProviderName, ProviderSetting>>

export interface ProviderRouterOptions {
  providers: readonly ImageProvider[]
  settings?: ProviderSettings
  /** Clock for latencies, in ms. Defaults to `performance.now`. */
  now?: () => number
}

export interface RouteImageOptions {
  /** Pins one provider: only it is tried, with no fallback. */
  provider?: ProviderName
  /** Defaults to `priority`. */
  strategy?: Strategy
  signal?: AbortSignal
  /** Require a multi-turn capable provider (chat). Defaults to false. */
  multiTurn?: boolean
}

export interface RoutedImageResult {
  result: ImageGenerationResult
  provider: ProviderName
  model: string
  /** Every provider called, in order, the successful one last. */
  attempts: Attempt[]
  latencyMs: number
}

export interface ProviderListing {
  name: ProviderName
  enabled: boolean
  priority: number
  model: string
  capabilities: ProviderCapabilities
}

interface RegisteredProvider {
  provider: ImageProvider
  enabled: boolean
  priority: number
}

/**
 * Routes image requests across the registered providers.
 * @example
 * const router = new ProviderRouter({ providers: [google, createLocalProvider()], settings: { local: { priority: 99 } } })
 * const { result, provider, attempts } = await router.generateImage(request, { strategy: 'priority' })
 */
export class ProviderRouter {
  readonly #registered = new Map<ProviderName, RegisteredProvider>()
  readonly #now: () => number

  constructor(options: ProviderRouterOptions) {
    this.#now = options.now ?? (() => performance.now())
    options.providers.forEach((provider, index) => {
      if (this.#registered.has(provider.name)) {
        throw new Error(`provider ${provider.name} is registered twice`)
      }
      const setting = options.settings?.[provider.name]
      this.#registered.set(provider.name, {
        provider,
        enabled: setting?.enabled ?? true,
        priority: setting?.priority ?? index + 1,
      })
    })
  }

  /** The registered providers in priority order (ties by name), enabled or not. */
  listProviders(): ProviderListing[] {
    return [...this.#registered.values()]
      .sort(
        (left, right) =>
          left.priority - right.priority || (left.provider.name < right.provider.name ? -1 : 1),
      )
      .map(({ provider, enabled, priority }) => ({
        name: provider.name,
        enabled,
        priority,
        model: provider.defaultModel,
        capabilities: provider.capabilities,
      }))
  }

  /** Enables or disables a provider for later requests; returns false when it is not registered. */
  setEnabled(name: ProviderName, enabled: boolean): boolean {
    const registered = this.#registered.get(name)
    if (registered === undefined) return false
    registered.enabled = enabled
    return true
  }

  /**
   * Generates with the first capable provider that succeeds.
   * @throws NoCapableProviderError when no enabled provider (or not the pinned one) can serve the request.
   * @throws ProvidersFailedError when the tried providers failed; it carries the attempts and the last error.
   */
  async generateImage(
    request: ImageGenerationRequest,
    options: RouteImageOptions = {},
  ): Promise<RoutedImageResult> {
    const started = this.#now()
    const required = requiredCapabilitiesFor(request, { multiTurn: options.multiTurn ?? false })
    const candidates = this.#capableCandidates(required, options.provider)
    const ordered =
      options.provider === undefined
        ? orderCandidates(options.strategy ?? 'priority', candidates, { request })
        : candidates

    const { signal } = options
    const attempts: Attempt[] = []
    let lastError: ProviderError | undefined
    for (const { provider } of ordered) {
      if (signal?.aborted === true) {
        lastError ??= abortedError(provider.name, signal)
        break
      }
      const attemptStarted = this.#now()
      try {
        const result = await provider.generateImage(request, { signal })
        attempts.push({
          provider: provider.name,
          model: result.model,
          outcome: 'succeeded',
          latencyMs: this.#now() - attemptStarted,
        })
        return {
          result,
          provider: provider.name,
          model: result.model,
          attempts,
          latencyMs: this.#now() - started,
        }
      } catch (thrown) {
        const error = toProviderError(thrown, provider.name)
        attempts.push({
          provider: provider.name,
          model: provider.defaultModel,
          outcome: 'failed',
          errorClass: error.errorClass,
          message: error.message,
          latencyMs: this.#now() - attemptStarted,
        })
        lastError = error
        if (!error.retryable) break
      }
    }
    // Unreachable: `ordered` is never empty, so a failure or an abort has set lastError.
    if (lastError === undefined) throw new Error('the router tried no provider')
    throw new ProvidersFailedError({ attempts, lastError })
  }

  #capableCandidates(required: RequiredCapabilities, pinned: ProviderName | undefined): Candidate[] {
    const considered =
      pinned === undefined
        ? [...this.#registered.values()]
        : [this.#registered.get(pinned)].filter((entry) => entry !== undefined)
    const rejections: ProviderRejection[] = []
    if (pinned !== undefined && considered.length === 0) {
      rejections.push({ provider: pinned, reason: 'not configured' })
    }
    const candidates: Candidate[] = []
    for (const { provider, enabled, priority } of considered) {
      const reason = enabled ? unmetCapability(provider.capabilities, required) : 'disabled'
      if (reason === undefined) candidates.push({ provider, priority })
      else rejections.push({ provider: provider.name, reason })
    }
    if (candidates.length === 0) throw new NoCapableProviderError({ required, rejections })
    return candidates
  }
}

/**
 * Creates a {@link ProviderRouter}.
 * @example const router = createProviderRouter({ providers: [createLocalProvider()] })
 */
export function createProviderRouter(options: ProviderRouterOptions): ProviderRouter {
  return new ProviderRouter(options)
}

// An adapter that throws something other than a ProviderError has a bug or met the unexpected (a network
// reset, a parse failure): another provider may well succeed, so it counts as transient.
function toProviderError(thrown: unknown, provider: ProviderName): ProviderError {
  if (ProviderError.isInstance(thrown)) return thrown
  return new ProviderError({
    provider,
    errorClass: 'transient',
    message: thrown instanceof Error ? thrown.message : 'the provider failed unexpectedly',
    cause: thrown,
  })
}

function abortedError(provider: ProviderName, signal: AbortSignal): ProviderError {
  return new ProviderError({
    provider,
    errorClass: 'timeout',
    message: 'the request was aborted before this provider was tried',
    retryable: false,
    cause: signal.reason,
  })
}
