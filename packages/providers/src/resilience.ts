/**
 * @module Per-provider resilience from cockatiel: a per-attempt timeout, bounded retries with
 * jittered exponential backoff that honours the provider's Retry-After hint, and a circuit breaker
 * whose half-open probe closes it again on success.
 */
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
  type RetryPolicy,
  retry,
  TaskCancelledError,
  type TimeoutPolicy,
  TimeoutStrategy,
  timeout,
} from 'cockatiel'
import { ProviderError, type ProviderName } from './types.js'

export interface ResilienceOptions {
  /** Extra tries of the same provider after a retryable failure, before falling back. */
  maxRetriesPerProvider: number
  /** First backoff step; doubles per retry, with full jitter. */
  baseRetryDelayMs: number
  /** A Retry-After hint longer than this is not waited for: the router falls back instead. */
  maxRetryDelayMs: number
  /** Consecutive failures that open a provider's circuit. */
  breakerThreshold: number
  /** How long an open circuit waits before letting one probe through. */
  halfOpenAfterMs: number
  /** Try the next candidate after a provider fails (ENABLE_FALLBACK). */
  fallback: boolean
}

export const DEFAULT_RESILIENCE: ResilienceOptions = {
  maxRetriesPerProvider: 1,
  baseRetryDelayMs: 200,
  maxRetryDelayMs: 5_000,
  breakerThreshold: 5,
  halfOpenAfterMs: 30_000,
  fallback: true,
}

export type BreakerState = 'closed' | 'open' | 'half_open' | 'isolated'

const BREAKER_STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
}

/** Failures that say the provider is unwell; a bad request or a refused prompt says nothing about it. */
export function countsAgainstProvider(error: ProviderError): boolean {
  return error.errorClass !== 'invalid_request' && error.errorClass !== 'content_policy'
}

/** Failures after which another provider may succeed where this one did not. */
export function allowsFallback(error: ProviderError): boolean {
  return countsAgainstProvider(error)
}

/** Backoff that takes the provider's hint when it gave one, else jittered exponential steps. */
class HintedBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  constructor(
    private readonly baseMs: number,
    private readonly capMs: number,
    private readonly random: () => number,
  ) {}

  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    const error = 'error' in context.result ? context.result.error : undefined
    const hint = ProviderError.isInstance(error) ? error.retryAfterMs : undefined
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.max(0, context.attempt - 1))
    const duration = hint ?? Math.round(ceiling * (0.5 + this.random() / 2))
    return { duration, next: (nextContext) => this.next(nextContext) }
  }
}

export interface AttemptOutcome {
  outcome: 'succeeded' | 'failed' | 'skipped'
  error?: ProviderError
  latencyMs: number
}

export interface ProviderPolicy {
  readonly breaker: CircuitBreakerPolicy
  breakerState(): BreakerState
  /**
   * Runs `call` with timeout, retries and the breaker; `onAttempt` hears every try (and a
   * `skipped` when the circuit is open). Resolves with the value, or rejects with a ProviderError.
   */
  execute<T>(
    call: (signal: AbortSignal) => Promise<T>,
    options: {
      signal?: AbortSignal
      timeoutMs: number
      /** Larger waits are allowed when there is nothing to fall back to. */
      maxRetryDelayMs?: number
      onAttempt: (outcome: AttemptOutcome) => void
    },
  ): Promise<T>
}

export function createProviderPolicy(
  provider: ProviderName,
  options: ResilienceOptions,
  dependencies: { now: () => number; random?: () => number } = { now: () => performance.now() },
): ProviderPolicy {
  const random = dependencies.random ?? Math.random
  const breaker = circuitBreaker(
    handleWhen((error) => ProviderError.isInstance(error) && countsAgainstProvider(error)),
    { halfOpenAfter: options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.breakerThreshold) },
  )

  // Policies are reusable across calls; building them per request cost more than the routing itself.
  const retryPolicies = new Map<number, RetryPolicy>()
  const retryPolicyFor = (waitCap: number): RetryPolicy => {
    let policy = retryPolicies.get(waitCap)
    if (!policy) {
      policy = retry(
        // The caller's own abort becomes a non-retryable error before it reaches this check.
        handleWhen(
          (error) =>
            ProviderError.isInstance(error) && error.retryable && (error.retryAfterMs ?? 0) <= waitCap,
        ),
        {
          maxAttempts: options.maxRetriesPerProvider,
          backoff: new HintedBackoff(options.baseRetryDelayMs, waitCap, random),
        },
      )
      retryPolicies.set(waitCap, policy)
    }
    return policy
  }
  const timeoutPolicies = new Map<number, TimeoutPolicy>()
  const timeoutPolicyFor = (timeoutMs: number): TimeoutPolicy => {
    let policy = timeoutPolicies.get(timeoutMs)
    if (!policy) {
      // Not aborting the signal of a call that returned saves a DOMException per request.
      policy = timeout(timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false })
      timeoutPolicies.set(timeoutMs, policy)
    }
    return policy
  }

  return {
    breaker,
    breakerState: () => BREAKER_STATES[breaker.state],

    async execute(call, { signal, timeoutMs, maxRetryDelayMs, onAttempt }) {
      const retryPolicy = retryPolicyFor(maxRetryDelayMs ?? options.maxRetryDelayMs)
      const timeoutPolicy = timeoutPolicyFor(timeoutMs)

      try {
        return await retryPolicy.execute(
          () =>
            breaker.execute(async () => {
              const startedAt = dependencies.now()
              try {
                const value = await timeoutPolicy.execute(
                  ({ signal: attemptSignal }) => call(attemptSignal),
                  signal,
                )
                onAttempt({ outcome: 'succeeded', latencyMs: dependencies.now() - startedAt })
                return value
              } catch (thrown) {
                const error = toProviderError(provider, thrown, signal, timeoutMs)
                onAttempt({ outcome: 'failed', error, latencyMs: dependencies.now() - startedAt })
                throw error
              }
            }),
          signal,
        )
      } catch (thrown) {
        if (thrown instanceof BrokenCircuitError) {
          const error = new ProviderError({
            provider,
            errorClass: 'transient',
            message: `${provider}: circuit open after repeated failures; skipped`,
            cause: thrown,
          })
          onAttempt({ outcome: 'skipped', error, latencyMs: 0 })
          throw error
        }
        throw toProviderError(provider, thrown, signal, timeoutMs)
      }
    },
  }
}

/**
 * Anything an attempt can throw, as a ProviderError. The caller's abort is final (not retryable);
 * our own per-attempt timeout is retryable; any other unexpected error counts as transient.
 */
function toProviderError(
  provider: ProviderName,
  thrown: unknown,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): ProviderError {
  if (ProviderError.isInstance(thrown) && !signal?.aborted) return thrown
  if (signal?.aborted) {
    return new ProviderError({
      provider,
      errorClass: 'timeout',
      message: `${provider}: the request was cancelled`,
      retryable: false,
      cause: thrown,
    })
  }
  if (thrown instanceof TaskCancelledError) {
    return new ProviderError({
      provider,
      errorClass: 'timeout',
      message: `${provider}: no answer within ${Math.round(timeoutMs / 1000)} s`,
      cause: thrown,
    })
  }
  return new ProviderError({
    provider,
    errorClass: 'transient',
    message: `${provider}: ${thrown instanceof Error ? thrown.message : 'failed unexpectedly'}`,
    cause: thrown,
  })
}
