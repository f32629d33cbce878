/**
 * @module Gemini API errors → ProviderError (providers.md §1.8 and the error-normalisation table):
 * branches on the body's `status`, `ErrorInfo.reason` and `QuotaFailure`, not only the HTTP status, and
 * reads the wait hint from `RetryInfo.retryDelay` (Gemini sends no `Retry-After`).
 */
import { errorClassForStatus, messageFromBody, redact } from '../../http/provider-errors.js'
import { parseDurationMs, retryAfterMsFromHeaders } from '../../http/retry-after.js'
import { type ErrorClass, ProviderError } from '../../types.js'
import { type GoogleErrorBody, googleErrorBodySchema } from './google-api.js'

const TYPE_PREFIX = 'type.googleapis.com/google.rpc.'

/** A per-day quota is not worth retrying today; per-minute ones are. */
const PER_DAY_QUOTA = /per[_-]?day|daily/i

/** The error class and wait hint a Gemini error means. */
export function classifyGoogleError(
  status: number,
  body: unknown,
): { errorClass: ErrorClass; retryAfterMs?: number; rpcStatus?: string } {
  const parsed = googleErrorBodySchema.safeParse(body)
  if (!parsed.success) return { errorClass: errorClassForStatus(status) }
  const error: GoogleErrorBody['error'] = parsed.data.error
  const rpcStatus = error.status
  const details = error.details ?? []
  const ofType = (name: string) => details.filter((detail) => detail['@type'] === `${TYPE_PREFIX}${name}`)
  const base = rpcStatus === undefined ? {} : { rpcStatus }

  const keyInvalid = ofType('ErrorInfo').some((detail) => detail.reason === 'API_KEY_INVALID')
  if (keyInvalid || rpcStatus === 'UNAUTHENTICATED' || rpcStatus === 'PERMISSION_DENIED') {
    return { ...base, errorClass: 'auth' }
  }
  if (status === 429 || rpcStatus === 'RESOURCE_EXHAUSTED') {
    const perDay = ofType('QuotaFailure').some((detail) =>
      (detail.violations ?? []).some((violation) =>
        PER_DAY_QUOTA.test(`${violation.quotaId ?? ''} ${violation.quotaMetric ?? ''}`),
      ),
    )
    if (perDay) return { ...base, errorClass: 'quota_exhausted' }
    const retryAfterMs = ofType('RetryInfo')
      .map((detail) => parseDurationMs(detail.retryDelay))
      .find((ms) => ms !== undefined)
    return { ...base, errorClass: 'rate_limited', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }
  }
  switch (rpcStatus) {
    case 'INVALID_ARGUMENT':
    case 'FAILED_PRECONDITION':
    case 'OUT_OF_RANGE':
    case 'NOT_FOUND':
      return { ...base, errorClass: 'invalid_request' }
    case 'INTERNAL':
    case 'UNAVAILABLE':
    case 'DEADLINE_EXCEEDED':
    case 'ABORTED':
      return { ...base, errorClass: 'transient' }
    default:
      return { ...base, errorClass: errorClassForStatus(status) }
  }
}

/**
 * A non-2xx Gemini answer as a ProviderError. The API key is removed from the message, should the body
 * ever echo it.
 */
export function googleErrorFromResponse(response: Response, body: unknown, apiKey: string): ProviderError {
  const { errorClass, retryAfterMs, rpcStatus } = classifyGoogleError(response.status, body)
  const hint = retryAfterMs ?? retryAfterMsFromHeaders(response.headers)
  const detail = messageFromBody(body, response.statusText || 'error')
  const message = `google: HTTP ${response.status}${rpcStatus ? ` ${rpcStatus}` : ''}: ${detail}`
  return new ProviderError({
    provider: 'google',
    errorClass,
    status: response.status,
    message: redact(message, apiKey),
    body,
    ...(hint === undefined ? {} : { retryAfterMs: hint }),
  })
}
