/**
 * @module Turning HTTP and network failures into the one ProviderError, with the default status
 * mapping of providers.md's taxonomy; adapters refine it from their own error bodies.
 */
import { type ErrorClass, ProviderError, type ProviderName } from '../types.js'
import { retryAfterMsFromHeaders } from './retry-after.js'

/** The error class an HTTP status means when the body says nothing more specific. */
export function errorClassForStatus(status: number): ErrorClass {
  if (status === 401 || status === 403) return 'auth'
  if (status === 402) return 'quota_exhausted'
  if (status === 408) return 'timeout'
  if (status === 429) return 'rate_limited'
  if (status === 409 || status >= 500) return 'transient'
  return 'invalid_request'
}

/** Reads a body as JSON if it is JSON, else as text; never throws. */
export async function readBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '')
  if (text.length === 0) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** A short, secret-free message from an error body: `error.message`, `message`, `detail`, or the status text. */
export function messageFromBody(body: unknown, fallback: string): string {
  const pick = (value: unknown): string | undefined =>
    typeof value === 'string' && value.length > 0 ? value : undefined
  if (typeof body === 'string') return truncate(body) || fallback
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>
    const nested =
      record.error && typeof record.error === 'object' ? (record.error as Record<string, unknown>) : undefined
    return truncate(
      pick(nested?.message) ?? pick(record.message) ?? pick(record.detail) ?? pick(record.error) ?? fallback,
    )
  }
  return fallback
}

/** At most 500 characters of a provider's text, with an ellipsis when cut. */
export function truncate(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text
}

/** Removes a secret (the API key) from a text that will be shown or logged, should a provider echo it back. */
export function redact(text: string, secret: string): string {
  return secret.length >= 4 ? text.split(secret).join('[redacted]') : text
}

export interface HttpErrorOptions {
  provider: ProviderName
  response: Response
  body: unknown
  /** Overrides the status-based class (e.g. from a provider code in the body). */
  errorClass?: ErrorClass
  retryAfterMs?: number
  message?: string
}

export function providerErrorFromResponse(options: HttpErrorOptions): ProviderError {
  const { provider, response, body } = options
  const status = response.status
  return new ProviderError({
    provider,
    status,
    errorClass: options.errorClass ?? errorClassForStatus(status),
    message:
      options.message ??
      `${provider}: HTTP ${status}: ${messageFromBody(body, response.statusText || 'error')}`,
    body,
    ...(() => {
      const retryAfterMs = options.retryAfterMs ?? retryAfterMsFromHeaders(response.headers)
      return retryAfterMs === undefined ? {} : { retryAfterMs }
    })(),
  })
}

/**
 * A thrown fetch/network failure as a ProviderError: aborts and timeouts are `timeout`, resets and
 * refused connections `transient`. A ProviderError passes through unchanged.
 */
export function providerErrorFromThrown(
  provider: ProviderName,
  error: unknown,
  signal?: AbortSignal,
): ProviderError {
  if (ProviderError.isInstance(error)) return error
  const name = error instanceof Error ? error.name : ''
  if (name === 'AbortError' || name === 'TimeoutError' || signal?.aborted) {
    return new ProviderError({
      provider,
      errorClass: 'timeout',
      message: `${provider}: the request timed out or was aborted`,
      cause: error,
    })
  }
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } } | undefined)?.cause?.code ??
    (error as { code?: unknown })?.code
  return new ProviderError({
    provider,
    errorClass: 'transient',
    message: `${provider}: connection failed${typeof code === 'string' ? ` (${code})` : ''}`,
    cause: error,
  })
}

/** Throws the `timeout` ProviderError when the signal has already aborted. */
export function throwIfAborted(provider: ProviderName, signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new ProviderError({
      provider,
      errorClass: 'timeout',
      message: `${provider}: the request timed out or was aborted`,
      cause: signal.reason,
    })
  }
}
