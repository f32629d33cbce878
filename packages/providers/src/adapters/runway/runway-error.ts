/**
 * @module Runway failures as the one ProviderError (providers.md §0 error table, §4.3–4.4): SDK errors
 * (HTTP status + `{ error }` body), connection failures, and `FAILED` tasks by `failureCode`.
 */
import { errorClassForStatus, messageFromBody, providerErrorFromThrown } from '../../http/provider-errors.js'
import { retryAfterMsFromHeaders } from '../../http/retry-after.js'
import { type ErrorClass, ProviderError } from '../../types.js'
import { runwaySdk } from './runway-sdk.js'

// A 429 is either "too many requests" or the rolling 24 h generation cap; only the wording tells them
// apart (the body shape is unverified). Running out of credits answers 400 with similar wording.
const QUOTA_WORDING = /daily|per day|24[ -]?h|generation limit|limit of \d+|quota|credit/i

/** The error class of an HTTP failure, refined from the body's wording. */
export function runwayErrorClass(status: number, message: string): ErrorClass {
  if ((status === 429 || status === 400 || status === 402) && QUOTA_WORDING.test(message)) {
    return 'quota_exhausted'
  }
  return errorClassForStatus(status)
}

/** An HTTP error response (status, parsed body, headers) as a ProviderError. */
export function runwayErrorFromStatus(
  status: number,
  body: unknown,
  headers: Headers | undefined,
  cause?: unknown,
): ProviderError {
  const detail = messageFromBody(body, `HTTP ${status}`)
  const retryAfterMs = headers ? retryAfterMsFromHeaders(headers) : undefined
  return new ProviderError({
    provider: 'runway',
    errorClass: runwayErrorClass(status, detail),
    status,
    message: `runway: HTTP ${status}: ${detail}`,
    body,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    cause,
  })
}

/** Anything the SDK (or our own code) threw, as a ProviderError; ProviderErrors pass through. */
export function runwayErrorFromThrown(error: unknown, signal?: AbortSignal): ProviderError {
  if (ProviderError.isInstance(error)) return error
  // Until a call has loaded the SDK, no error can be one of its classes.
  const sdk = runwaySdk.loaded()
  if (!sdk) return providerErrorFromThrown('runway', error, signal)
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } = sdk
  if (error instanceof APIUserAbortError || error instanceof APIConnectionTimeoutError) {
    return new ProviderError({
      provider: 'runway',
      errorClass: 'timeout',
      message: 'runway: the request timed out or was aborted',
      cause: error,
    })
  }
  // The SDK wraps a failed fetch: classify what the transport threw (reset → transient, abort → timeout).
  if (error instanceof APIConnectionError) return providerErrorFromThrown('runway', error.cause, signal)
  if (error instanceof APIError && typeof error.status === 'number') {
    return runwayErrorFromStatus(error.status, error.error, error.headers, error)
  }
  return providerErrorFromThrown('runway', error, signal)
}

/** A 2xx response we cannot read: the API misbehaved, so another provider may well succeed. */
export function runwayMalformedError(message: string, body: unknown): ProviderError {
  return new ProviderError({
    provider: 'runway',
    errorClass: 'transient',
    message: `runway: ${message}`,
    body,
  })
}

/**
 * A `FAILED` task by its `failureCode` (providers.md §4.3): `SAFETY.*` is content_policy; `INTERNAL*` is
 * task_failed but retryable (Runway says retry); `ASSET.INVALID` and the rest are task_failed.
 */
export function runwayTaskFailedError(task: {
  id: string
  failure?: string
  failureCode?: string
}): ProviderError {
  const code = task.failureCode ?? ''
  const reason = task.failure ?? 'no reason given'
  const message = `runway: task ${task.id} failed${code ? ` (${code})` : ''}: ${reason}`
  const body = { failure: task.failure, failureCode: task.failureCode }
  if (code.startsWith('SAFETY.')) {
    return new ProviderError({ provider: 'runway', errorClass: 'content_policy', message, body })
  }
  return new ProviderError({
    provider: 'runway',
    errorClass: 'task_failed',
    message,
    body,
    retryable: code.startsWith('INTERNAL'),
  })
}

/** A task that ended `CANCELLED` (cancelled or deleted by someone). */
export function runwayTaskCancelledError(taskId: string): ProviderError {
  return new ProviderError({
    provider: 'runway',
    errorClass: 'task_failed',
    message: `runway: task ${taskId} was cancelled`,
  })
}
