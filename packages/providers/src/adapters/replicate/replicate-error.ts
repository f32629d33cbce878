/**
 * @module Replicate failures as the one ProviderError (providers.md §6.3): HTTP errors with problem-details /
 * `{"detail": …}` bodies, the throttle hint in a 429's text, and predictions that end `failed` / `canceled`.
 */
import { providerErrorFromResponse } from '../../http/provider-errors.js'
import { retryAfterMsFromHeaders, retryAfterMsFromText } from '../../http/retry-after.js'
import { ProviderError } from '../../types.js'

/** Prediction errors that mean a safety filter fired (wording is model-specific; matched case-insensitively). */
const CONTENT_POLICY_PATTERN = /nsfw|sensitive|E005|safety|content policy/i

/** A short message from a Replicate error body: `detail` (string), `title`, `error`, or the text itself. */
export function replicateMessageFromBody(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().slice(0, 500) || undefined
  if (!body || typeof body !== 'object') return undefined
  const record = body as Record<string, unknown>
  const pick = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined)
  const detail = pick(record.detail)
  const title = pick(record.title)
  const message = detail && title && !detail.startsWith(title) ? `${title}: ${detail}` : (detail ?? title)
  return (message ?? pick(record.error) ?? pick(record.message))?.slice(0, 500)
}

/**
 * The wait a throttled 429 asks for: `Retry-After` (seconds / date / ms), a `retry_after` body field, or the
 * "Your rate limit resets in ~30s" phrase of the `detail`.
 */
export function replicateRetryAfterMs(response: Response, body: unknown): number | undefined {
  const fromHeaders = retryAfterMsFromHeaders(response.headers)
  if (fromHeaders !== undefined) return fromHeaders
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {}
  if (typeof record.retry_after === 'number' && record.retry_after >= 0 && record.retry_after <= 600) {
    return Math.round(record.retry_after * 1000)
  }
  const text = typeof body === 'string' ? body : typeof record.detail === 'string' ? record.detail : ''
  return retryAfterMsFromText(text, /resets in ~?\s*(\d+(?:\.\d+)?)\s*(ms|s|seconds?|m|minutes?)\b/i)
}

/**
 * A non-2xx Replicate response: 401/403 auth, 402 quota_exhausted, 404 (unknown model/version) and 422 (input
 * validation) invalid_request, 429 rate_limited (with a wait hint when there is one), 5xx transient.
 */
export function replicateErrorFromResponse(response: Response, body: unknown, what: string): ProviderError {
  const detail = replicateMessageFromBody(body) ?? (response.statusText || 'error')
  const retryAfterMs = response.status === 429 ? replicateRetryAfterMs(response, body) : undefined
  return providerErrorFromResponse({
    provider: 'replicate',
    response,
    body,
    message: `replicate: ${what} failed: HTTP ${response.status}: ${detail}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  })
}

/** A prediction that ended without output: `failed` (content_policy when a safety filter fired), `canceled`, `aborted`. */
export function replicateErrorFromPrediction(prediction: {
  id: string
  status: string
  error?: unknown
}): ProviderError {
  const reason =
    typeof prediction.error === 'string'
      ? prediction.error
      : prediction.error === undefined || prediction.error === null
        ? ''
        : JSON.stringify(prediction.error)
  const shortReason = reason.slice(0, 300)
  if (prediction.status === 'failed' && CONTENT_POLICY_PATTERN.test(reason)) {
    return new ProviderError({
      provider: 'replicate',
      errorClass: 'content_policy',
      message: `replicate: the prediction was blocked by a safety filter: ${shortReason}`,
      body: { id: prediction.id, status: prediction.status, error: prediction.error },
    })
  }
  return new ProviderError({
    provider: 'replicate',
    errorClass: 'task_failed',
    message:
      prediction.status === 'failed'
        ? `replicate: the prediction failed${shortReason ? `: ${shortReason}` : ''}`
        : `replicate: the prediction ended ${prediction.status}${shortReason ? `: ${shortReason}` : ''}`,
    body: { id: prediction.id, status: prediction.status, error: prediction.error },
  })
}
