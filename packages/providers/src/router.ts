/**
 * @module The provider router: keeps the enabled, capable providers, orders them by strategy (or
 * the caller's pin and preferences), and executes with per-provider resilience (timeout, retries
 * honouring Retry-After, circuit breaker), falling back to the next candidate on failures that
 * another provider may not have. It depends on the spec, never on an adapter.
 */
import { requiredCapabilitiesFor, unmetCapability, unmetVideoCapability } from './capabilities.js'
import { NoCapableProviderError, type ProviderRejection, ProvidersFailedError } from './errors.js'
import { type HealthSnapshot, ProviderHealth } from './health.js'
import { sleep } from './http/poll.js'
import {
  allowsFallback,
  type BreakerState,
  createProviderPolicy,
  DEFAULT_RESILIENCE,
  type ProviderPolicy,
  type ResilienceOptions,
} from './resilience.js'
import { type Candidate, orderCandidates } from './strategies.js'
import {
  type Attempt,
  type DownloadedVideo,
  type ImageGenerationRequest,
  type ImageGenerationResult,
  type ImageProvider,
  type ProviderCapabilities,
  ProviderError,
  type ProviderName,
  type ProviderProfile,
  type Strategy,
  type VideoCapabilities,
  type VideoGenerationRequest,
  type VideoProvider,
  type VideoTask,
  type VideoTaskStatus,
} from './types.js'

/** Operator settings for one provider (both its image and video sides). */
export interface ProviderSetting {
  /** Defaults to true. */
  enabled?: boolean
  /** Lower is tried first. Defaults to the provider's 1-based position in `providers`. */
  priority?: number
  /** Per-attempt timeout; defaults from the provider's typical latency. */
  timeoutMs?: number
}

export type ProviderSettings = Partial<Record<ProviderName, ProviderSetting>>

/** A counter shared by all requests (and, networked, all instances) so round_robin is fair. */
export interface RoundRobinCounter {
  next(key: string): number | Promise<number>
}

export function createMemoryRoundRobinCounter(): RoundRobinCounter {
  const counters = new Map<string, number>()
  return {
    next(key) {
      const value = counters.get(key) ?? 0
      counters.set(key, value + 1)
      return value
    },
  }
}

export interface ProviderRouterOptions {
  providers: readonly ImageProvider[]
  videoProviders?: readonly VideoProvider[]
  settings?: ProviderSettings
  resilience?: Partial<ResilienceOptions>
  roundRobin?: RoundRobinCounter
  /** Clock for latencies, in ms. Defaults to `performance.now`. */
  now?: () => number
  /** Random source for backoff jitter. */
  random?: () => number
  /** Hears every provider try (metrics); must not throw and must be cheap: it runs per attempt. */
  onAttempt?: (sample: ProviderAttemptSample) => void
}

export interface ProviderAttemptSample {
  provider: ProviderName
  kind: 'image' | 'video'
  outcome: Attempt['outcome']
  errorClass?: string
  latencyMs: number
}

export interface RouteOptions {
  /** Pins one provider: only it is tried (its retries apply), with no fallback. */
  provider?: ProviderName
  /** Defaults to `priority`. */
  strategy?: Strategy
  /** The caller's saved preference: these first, in this order, then the rest by strategy. */
  order?: readonly ProviderName[]
  /** The caller's exclusions: never tried. */
  exclude?: readonly ProviderName[]
  signal?: AbortSignal
}

export interface RouteImageOptions extends RouteOptions {
  /** Require a multi-turn capable provider (chat). Defaults to `history` being non-empty. */
  multiTurn?: boolean
}

export interface RoutedImageResult {
  result: ImageGenerationResult
  provider: ProviderName
  model: string
  /** Every try, in order (retries and skipped open circuits included); the successful one last. */
  attempts: Attempt[]
  latencyMs: number
}

export interface RoutedVideoTask {
  task: VideoTask
  provider: ProviderName
  model: string
  attempts: Attempt[]
}

export interface RoutedVideoResult {
  video: DownloadedVideo
  provider: ProviderName
  model: string
  taskId: string
  durationSec: number
  costUsd: number
  attempts: Attempt[]
  warnings: VideoTask['warnings']
}

export interface ProviderListing {
  name: ProviderName
  enabled: boolean
  priority: number
  model: string
  kinds: ('image' | 'video')[]
  capabilities?: ProviderCapabilities
  videoModel?: string
  videoCapabilities?: VideoCapabilities
  breaker: { image?: BreakerState; video?: BreakerState }
  health: { image?: HealthSnapshot; video?: HealthSnapshot }
}

type Kind = 'image' | 'video'

interface Side<P> {
  adapter: P
  policy: ProviderPolicy
  health: ProviderHealth
}

interface RegisteredProvider {
  name: ProviderName
  enabled: boolean
  priority: number
  timeoutMs: number | undefined
  image?: Side<ImageProvider>
  video?: Side<VideoProvider>
}

/**
 * Routes image and video requests across the registered providers.
 * @example
 * const router = new ProviderRouter({ providers: [google.image, createLocalProvider()], settings: { local: { priority: 99 } } })
 * const { result, provider, attempts } = await router.generateImage(request, { strategy: 'cost' })
 */
export class ProviderRouter {
  readonly #registered = new Map<ProviderName, RegisteredProvider>()
  readonly #now: () => number
  readonly #resilience: ResilienceOptions
  readonly #roundRobin: RoundRobinCounter
  readonly #onAttempt: ProviderRouterOptions['onAttempt']

  constructor(options: ProviderRouterOptions) {
    this.#now = options.now ?? (() => performance.now())
    this.#resilience = { ...DEFAULT_RESILIENCE, ...options.resilience }
    this.#onAttempt = options.onAttempt
    this.#roundRobin = options.roundRobin ?? createMemoryRoundRobinCounter()
    const dependencies = { now: this.#now, ...(options.random ? { random: options.random } : {}) }
    const entry = (name: ProviderName, position: number): RegisteredProvider => {
      let registered = this.#registered.get(name)
      if (!registered) {
        const setting = options.settings?.[name]
        registered = {
          name,
          enabled: setting?.enabled ?? true,
          priority: setting?.priority ?? position,
          timeoutMs: setting?.timeoutMs,
        }
        this.#registered.set(name, registered)
      }
      return registered
    }
    const side = <P extends { name: ProviderName; profile: ProviderProfile }>(adapter: P): Side<P> => ({
      adapter,
      policy: createProviderPolicy(adapter.name, this.#resilience, dependencies),
      health: new ProviderHealth(adapter.profile.typicalLatencyMs),
    })
    options.providers.forEach((provider, index) => {
      const registered = entry(provider.name, index + 1)
      if (registered.image) throw new Error(`image provider ${provider.name} is registered twice`)
      registered.image = side(provider)
    })
    options.videoProviders?.forEach((provider, index) => {
      const registered = entry(provider.name, options.providers.length + index + 1)
      if (registered.video) throw new Error(`video provider ${provider.name} is registered twice`)
      registered.video = side(provider)
    })
  }

  /** The registered providers in priority order (ties by name), enabled or not, with health. */
  listProviders(): ProviderListing[] {
    return [...this.#registered.values()]
      .sort((left, right) => left.priority - right.priority || (left.name < right.name ? -1 : 1))
      .map((registered) => ({
        name: registered.name,
        enabled: registered.enabled,
        priority: registered.priority,
        model: registered.image?.adapter.defaultModel ?? registered.video?.adapter.defaultModel ?? '',
        kinds: [
          ...(registered.image ? (['image'] as const) : []),
          ...(registered.video ? (['video'] as const) : []),
        ],
        ...(registered.image ? { capabilities: registered.image.adapter.capabilities } : {}),
        ...(registered.video
          ? {
              videoModel: registered.video.adapter.defaultModel,
              videoCapabilities: registered.video.adapter.capabilities,
            }
          : {}),
        breaker: {
          ...(registered.image ? { image: registered.image.policy.breakerState() } : {}),
          ...(registered.video ? { video: registered.video.policy.breakerState() } : {}),
        },
        health: {
          ...(registered.image ? { image: registered.image.health.snapshot() } : {}),
          ...(registered.video ? { video: registered.video.health.snapshot() } : {}),
        },
      }))
  }

  /** Enables or disables a provider for later requests; returns false when it is not registered. */
  setEnabled(name: ProviderName, enabled: boolean): boolean {
    const registered = this.#registered.get(name)
    if (registered === undefined) return false
    registered.enabled = enabled
    return true
  }

  /** The video adapter of a provider, to poll or cancel a task it started (e.g. after a restart). */
  videoProvider(name: ProviderName): VideoProvider | undefined {
    return this.#registered.get(name)?.video?.adapter
  }

  /**
   * Generates with the first candidate that succeeds.
   * @throws NoCapableProviderError when no enabled provider (or not the pinned one) can serve the request.
   * @throws ProvidersFailedError when the tried providers failed; it carries the attempts and the last error.
   */
  async generateImage(
    request: ImageGenerationRequest,
    options: RouteImageOptions = {},
  ): Promise<RoutedImageResult> {
    const started = this.#now()
    const multiTurn = options.multiTurn ?? (request.history?.length ?? 0) > 0
    const required = requiredCapabilitiesFor(request, { multiTurn })
    const { attempts, value, side } = await this.#execute('image', options, {
      unmet: (adapter) => unmetCapability(adapter.capabilities, required),
      cost: (adapter) =>
        request.count *
        (adapter.pricing.perImageUsd[request.resolution] +
          (request.searchGrounding ? (adapter.pricing.searchGroundingPerImageUsd ?? 0) : 0)),
      call: (adapter, signal) => adapter.generateImage(request, { signal }),
      defaultTimeoutMs: (adapter) => Math.max(60_000, adapter.profile.typicalLatencyMs * 4),
      modelOf: (adapter, result) => result?.model ?? adapter.defaultModel,
      noCandidates: (rejections) => new NoCapableProviderError({ required, rejections }),
    })
    return {
      result: value,
      provider: side.adapter.name,
      model: value.model,
      attempts,
      latencyMs: this.#now() - started,
    }
  }

  /**
   * The providers that could take this video request, in the order they would be tried.
   * @throws NoCapableProviderError when none can (so a job can be refused at submit time).
   */
  async videoCandidates(
    request: VideoGenerationRequest,
    options: RouteOptions = {},
  ): Promise<ProviderName[]> {
    const candidates = await this.#candidates('video', options, {
      unmet: (adapter: VideoProvider) => unmetVideoCapability(adapter.capabilities, request),
      cost: (adapter: VideoProvider) =>
        adapter.pricing.perSecondUsd[request.resolution] * request.durationSec,
      noCandidates: (rejections) => new NoCapableProviderError({ rejections }),
    })
    return candidates.map((candidate) => candidate.name)
  }

  /** Submits a video task to the first candidate that accepts it (polling is the caller's, by task id). */
  async startVideo(request: VideoGenerationRequest, options: RouteOptions = {}): Promise<RoutedVideoTask> {
    const { attempts, value, side } = await this.#execute('video', options, {
      unmet: (adapter) => unmetVideoCapability(adapter.capabilities, request),
      cost: (adapter) => adapter.pricing.perSecondUsd[request.resolution] * request.durationSec,
      call: (adapter, signal) => adapter.startVideo(request, { signal }),
      defaultTimeoutMs: () => 60_000,
      modelOf: (adapter, task) => task?.model ?? adapter.defaultModel,
      noCandidates: (rejections) => new NoCapableProviderError({ rejections }),
    })
    return { task: value, provider: side.adapter.name, model: value.model, attempts }
  }

  /**
   * Submits, polls until the task ends and downloads the clip. A task failure on the provider's
   * side is not resubmitted elsewhere here: the job layer decides, as it owns the charge.
   */
  async generateVideo(
    request: VideoGenerationRequest,
    options: RouteOptions & { maxWaitMs?: number; pollIntervalMs?: number } = {},
  ): Promise<RoutedVideoResult> {
    const started = await this.startVideo(request, options)
    const adapter = this.videoProvider(started.provider)
    if (!adapter) throw new Error(`video provider ${started.provider} vanished`)
    const interval = options.pollIntervalMs ?? adapter.pollIntervalMs
    const deadline = this.#now() + (options.maxWaitMs ?? 15 * 60_000)
    const { signal } = options
    for (;;) {
      const status: VideoTaskStatus = await adapter.getVideoTask(
        started.task.taskId,
        signal ? { signal } : {},
      )
      if (status.status === 'succeeded') {
        const video = await adapter.downloadVideo(status.output, signal ? { signal } : {})
        return {
          video,
          provider: started.provider,
          model: started.model,
          taskId: started.task.taskId,
          durationSec: status.durationSec,
          costUsd: status.costUsd,
          attempts: started.attempts,
          warnings: started.task.warnings,
        }
      }
      if (status.status === 'failed') {
        throw new ProvidersFailedError({ attempts: started.attempts, lastError: status.error })
      }
      if (this.#now() > deadline) {
        throw new ProvidersFailedError({
          attempts: started.attempts,
          lastError: new ProviderError({
            provider: started.provider,
            errorClass: 'timeout',
            message: `${started.provider}: the video was not ready in time`,
          }),
        })
      }
      await sleep(interval, signal)
    }
  }

  async #execute<K extends Kind, P extends K extends 'image' ? ImageProvider : VideoProvider, T>(
    kind: K,
    options: RouteOptions,
    plan: {
      unmet: (adapter: P) => string | undefined
      cost: (adapter: P) => number
      call: (adapter: P, signal: AbortSignal) => Promise<T>
      defaultTimeoutMs: (adapter: P) => number
      modelOf: (adapter: P, value: T | undefined) => string
      noCandidates: (rejections: ProviderRejection[]) => Error
    },
  ): Promise<{ value: T; attempts: Attempt[]; side: Side<P> }> {
    const candidates = await this.#candidates(kind, options, plan)
    const attempts: Attempt[] = []
    const pinned = options.provider !== undefined
    const tryNext = pinned || this.#resilience.fallback ? candidates : candidates.slice(0, 1)
    let lastError: ProviderError | undefined
    for (const { provider: registered } of tryNext) {
      const side = registered[kind] as Side<P>
      const adapter = side.adapter
      try {
        const value = await side.policy.execute((signal) => plan.call(adapter, signal), {
          ...(options.signal ? { signal: options.signal } : {}),
          timeoutMs: registered.timeoutMs ?? plan.defaultTimeoutMs(adapter),
          // With nothing to fall back to, waiting out a longer Retry-After beats failing.
          ...(pinned || candidates.length === 1 ? { maxRetryDelayMs: 30_000 } : {}),
          onAttempt: ({ outcome, error, latencyMs }) => {
            if (outcome === 'succeeded') side.health.recordSuccess(latencyMs)
            else if (outcome === 'failed' && error && !allowsFallback(error)) {
              // A refused prompt says nothing about the provider's health.
            } else if (outcome === 'failed') side.health.recordFailure()
            this.#onAttempt?.({
              provider: adapter.name,
              kind,
              outcome,
              ...(error ? { errorClass: error.errorClass } : {}),
              latencyMs,
            })
            attempts.push({
              provider: adapter.name,
              model: plan.modelOf(adapter, undefined),
              outcome,
              ...(error ? { errorClass: error.errorClass, message: error.message } : {}),
              latencyMs: Math.round(latencyMs),
            })
          },
        })
        const last = attempts[attempts.length - 1]
        if (last) last.model = plan.modelOf(adapter, value)
        return { value, attempts, side }
      } catch (thrown) {
        lastError = ProviderError.isInstance(thrown)
          ? thrown
          : new ProviderError({
              provider: adapter.name,
              errorClass: 'transient',
              message: String(thrown),
              cause: thrown,
            })
        if (!allowsFallback(lastError) || options.signal?.aborted) break
      }
    }
    if (lastError === undefined) throw new Error('the router tried no provider')
    throw new ProvidersFailedError({ attempts, lastError })
  }

  async #candidates<K extends Kind, P extends K extends 'image' ? ImageProvider : VideoProvider>(
    kind: K,
    options: RouteOptions,
    plan: {
      unmet: (adapter: P) => string | undefined
      cost: (adapter: P) => number
      noCandidates: (rejections: ProviderRejection[]) => Error
    },
  ): Promise<Candidate<RegisteredProvider>[]> {
    const pinned = options.provider
    const considered =
      pinned === undefined
        ? [...this.#registered.values()]
        : [this.#registered.get(pinned)].filter((entry) => entry !== undefined)
    const rejections: ProviderRejection[] = []
    if (pinned !== undefined && considered.length === 0)
      rejections.push({ provider: pinned, reason: 'not configured' })
    const candidates: Candidate<RegisteredProvider>[] = []
    for (const registered of considered) {
      const side = registered[kind] as Side<P> | undefined
      const reason = !side
        ? `does not generate ${kind}s`
        : !registered.enabled
          ? 'disabled'
          : pinned === undefined && options.exclude?.includes(registered.name)
            ? 'excluded by your preferences'
            : plan.unmet(side.adapter)
      if (reason !== undefined || !side) {
        rejections.push({ provider: registered.name, reason: reason ?? 'unavailable' })
        continue
      }
      candidates.push({
        provider: registered,
        name: registered.name,
        priority: registered.priority,
        estimatedCostUsd: plan.cost(side.adapter),
        qualityScore: side.adapter.profile.qualityScore,
        latencyMs: side.health.latencyMs(),
      })
    }
    if (candidates.length === 0) throw plan.noCandidates(rejections)
    if (pinned !== undefined) return candidates
    const strategy = options.strategy ?? 'priority'
    const ticket = strategy === 'round_robin' ? await this.#roundRobin.next(kind) : undefined
    const ordered = orderCandidates(
      strategy,
      candidates,
      ticket === undefined ? {} : { roundRobinTicket: ticket },
    )
    if (!options.order?.length) return ordered
    // Saved preference: the named providers first, in the caller's order; the rest keep the strategy's.
    const rank = (name: ProviderName) => {
      const index = options.order?.indexOf(name) ?? -1
      return index < 0 ? Number.POSITIVE_INFINITY : index
    }
    return ordered
      .map((candidate, index) => ({ candidate, index }))
      .sort(
        (left, right) => rank(left.candidate.name) - rank(right.candidate.name) || left.index - right.index,
      )
      .map(({ candidate }) => candidate)
  }
}

/**
 * Creates a {@link ProviderRouter}.
 * @example const router = createProviderRouter({ providers: [createLocalProvider()] })
 */
export function createProviderRouter(options: ProviderRouterOptions): ProviderRouter {
  return new ProviderRouter(options)
}
