/**
 * @module BFL failures as the one ProviderError: HTTP errors (FastAPI `{"detail": …}` bodies, providers.md §3.5)
 * and the terminal task statuses of `get_result` (§3.4).
 */
import { providerErrorFromResponse } from '../../http/provider-errors.js'
import { ProviderError } from '../../types.js'
import { FLUX_STATUS } from './flux-api.js'

/** A short message from a BFL error body: a `detail` string, or FastAPI's `[{loc, msg}]` list. */
export function fluxMessageFromBody(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().slice(0, 500) || undefined
  if (!body || typeof body !== 'object') return undefined
  const detail = (body as { detail?: unknown }).detail
  if (typeof detail === 'string') return detail.slice(0, 500)
  if (Array.isArray(detail)) {
    const parts = detail.map((item) => {
      const entry = (item ?? {}) as { loc?: unknown; msg?: unknown }
      const location = Array.isArray(entry.loc) ? entry.loc.filter((part) => part !== 'body').join('.') : ''
      const message = typeof entry.msg === 'string' ? entry.msg : 'invalid'
      return location ? `${location}: ${message}` : message
    })
    return parts.join('; ').slice(0, 500) || undefined
  }
  const message = (body as { message?: unknown }).message
  return typeof message === 'string' ? message.slice(0, 500) : undefined
}

/**
 * A non-2xx BFL response: 401/403 auth, 402 quota_exhausted (out of credits), 400/422 invalid_request,
 * 429 rate_limited (too many concurrent tasks; Retry-After honoured when sent), 5xx transient.
 */
export function fluxErrorFromResponse(response: Response, body: unknown, what: string): ProviderError {
  const detail = fluxMessageFromBody(body) ?? (response.statusText || 'error')
  // `get_result` may answer an unknown id with an error status and the "Task not found" status in the body.
  if (isRecord(body) && body.status === FLUX_STATUS.taskNotFound) {
    return fluxErrorFromStatus(FLUX_STATUS.taskNotFound, response.status)
  }
  return providerErrorFromResponse({
    provider: 'flux',
    response,
    body,
    message: `flux: ${what} failed: HTTP ${response.status}: ${detail}`,
  })
}

/** A terminal task status other than `Ready`. */
export function fluxErrorFromStatus(status: string, httpStatus?: number): ProviderError {
  const base = { provider: 'flux' as const, ...(httpStatus === undefined ? {} : { status: httpStatus }) }
  switch (status) {
    case FLUX_STATUS.requestModerated:
      return new ProviderError({
        ...base,
        errorClass: 'content_policy',
        message: 'flux: the request was moderated (the prompt or input image was flagged)',
      })
    case FLUX_STATUS.contentModerated:
      return new ProviderError({
        ...base,
        errorClass: 'content_policy',
        message: 'flux: the generated image was moderated (the output was flagged)',
      })
    case FLUX_STATUS.taskNotFound:
      return new ProviderError({
        ...base,
        errorClass: 'task_failed',
        message: 'flux: the task was not found (unknown or expired id)',
      })
    default:
      // BFL documents `Error` as "generation failed: retry with backoff" (providers.md §3.4).
      return new ProviderError({
        ...base,
        errorClass: 'task_failed',
        retryable: true,
        message: `flux: the generation failed (status ${JSON.stringify(status).slice(0, 60)})`,
      })
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
