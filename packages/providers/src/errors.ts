/**
 * @module The router's typed errors: no capable provider, and every tried provider failed.
 */
import type { Attempt, ErrorClass, ProviderError, ProviderName, RequiredCapabilities } from './types.js'

/** Why one provider was not a candidate. */
export interface ProviderRejection {
  provider: ProviderName
  reason: string
}

const NO_CAPABLE_PROVIDER_MARKER = Symbol.for('nbl.providers.NoCapableProviderError')

/** No enabled provider (or not the pinned one) can serve the request; nothing was called. */
export class NoCapableProviderError extends Error {
  override readonly name = 'NoCapableProviderError'
  readonly [NO_CAPABLE_PROVIDER_MARKER] = true
  readonly retryable = false
  /** What an image request needed (video requests are described by the rejections alone). */
  readonly required: RequiredCapabilities | undefined
  /** One entry per provider considered, with the reason it was left out. */
  readonly rejections: ProviderRejection[]

  constructor(options: { required?: RequiredCapabilities; rejections: ProviderRejection[] }) {
    const reasons = options.rejections.map(({ provider, reason }) => `${provider}: ${reason}`).join('; ')
    super(
      options.rejections.length === 0
        ? 'no provider can serve this request: none is registered'
        : `no provider can serve this request (${reasons})`,
    )
    this.required = options.required
    this.rejections = options.rejections
  }

  /** Works across duplicate copies of this package (a marker symbol, not `instanceof`). */
  static isInstance(error: unknown): error is NoCapableProviderError {
    return typeof error === 'object' && error !== null && NO_CAPABLE_PROVIDER_MARKER in error
  }
}

const PROVIDERS_FAILED_MARKER = Symbol.for('nbl.providers.ProvidersFailedError')

/**
 * The tried providers failed: every candidate on retryable errors, or one on a non-retryable error (such as
 * `content_policy`), which stops the fallback. `attempts` lists only the providers actually called.
 */
export class ProvidersFailedError extends Error {
  override readonly name = 'ProvidersFailedError'
  readonly [PROVIDERS_FAILED_MARKER] = true
  readonly attempts: Attempt[]
  readonly lastError: ProviderError
  /** Whether trying again later may help: the last error's verdict. */
  readonly retryable: boolean

  constructor(options: { attempts: Attempt[]; lastError: ProviderError }) {
    const { lastError } = options
    super(
      `${options.attempts.length} provider attempt(s) failed; last: ${lastError.provider} ` +
        `(${lastError.errorClass}): ${lastError.message}`,
      { cause: lastError },
    )
    this.attempts = options.attempts
    this.lastError = lastError
    this.retryable = lastError.retryable
  }

  /** The last error's class, e.g. `content_policy` (API.md maps it to CONTENT_BLOCKED). */
  get errorClass(): ErrorClass {
    return this.lastError.errorClass
  }

  /** The provider that failed last. */
  get provider(): ProviderName {
    return this.lastError.provider
  }

  /** Works across duplicate copies of this package (a marker symbol, not `instanceof`). */
  static isInstance(error: unknown): error is ProvidersFailedError {
    return typeof error === 'object' && error !== null && PROVIDERS_FAILED_MARKER in error
  }
}
