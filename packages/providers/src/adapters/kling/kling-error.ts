/**
 * @module Kling failures as the one ProviderError (providers.md §5.4): the envelope's `code` decides,
 * not the HTTP status alone (429 is both retryable throttling, 1302/1303, and a depleted account,
 * 1100–1102), and a `failed` task is content_policy when its message speaks of risk control.
 */
import { errorClassForStatus, messageFromBody } from '../../http/provider-errors.js'
import { retryAfterMsFromHeaders } from '../../http/retry-after.js'
import { type ErrorClass, ProviderError } from '../../types.js'

/** The error class of a Kling envelope code, or undefined for codes the table does not list. */
export function klingErrorClassForCode(code: number): ErrorClass | undefined {
  if (code >= 1000 && code <= 1004) return 'auth'
  if (code >= 1100 && code <= 1102) return 'quota_exhausted'
  if (code === 1103 || code === 1304) return 'auth'
  if (code >= 1200 && code <= 1203) return 'invalid_request'
  if (code === 1300 || code === 1301) return 'content_policy'
  if (code === 1302 || code === 1303) return 'rate_limited'
  if (code >= 5000 && code <= 5002) return 'transient'
  return undefined
}

// 1303 ("parallel task over resource pack limit"): Kling asks for a backoff of at least a second.
const CONCURRENCY_BACKOFF_MS = 1_000

/** The code in an error body (`{code, message, request_id}`), if any. */
export function klingCode(body: unknown): number | undefined {
  const code = body && typeof body === 'object' ? (body as { code?: unknown }).code : undefined
  return typeof code === 'number' ? code : undefined
}

/** An error response (or a 200 whose envelope `code` is not 0) as a ProviderError. */
export function klingErrorFromResponse(response: Response, body: unknown): ProviderError {
  const code = klingCode(body)
  const status = response.status
  const errorClass =
    (code === undefined ? undefined : klingErrorClassForCode(code)) ??
    (status >= 200 && status < 300 ? 'transient' : errorClassForStatus(status))
  const retryAfterMs =
    retryAfterMsFromHeaders(response.headers) ?? (code === 1303 ? CONCURRENCY_BACKOFF_MS : undefined)
  const detail = messageFromBody(body, response.statusText || 'error')
  return new ProviderError({
    provider: 'kling',
    errorClass,
    status,
    message: `kling: HTTP ${status}${code === undefined ? '' : ` code ${code}`}: ${detail}`,
    body,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  })
}

// How Kling words a moderation failure ("Failure to pass the risk control system", "content security").
const RISK_WORDING = /risk|content|sensitive|security|policy|moderat|inappropriate|violat/i

/** A task that ended `failed`, from its `task_status_msg`. */
export function klingTaskFailedError(taskId: string, statusMessage: string | undefined): ProviderError {
  const reason = statusMessage || 'no reason given'
  return new ProviderError({
    provider: 'kling',
    errorClass: RISK_WORDING.test(reason) ? 'content_policy' : 'task_failed',
    message: `kling: task ${taskId} failed: ${reason}`,
    body: { task_status_msg: statusMessage },
  })
}

/** A 2xx response we cannot read: the API misbehaved, so another provider may well succeed. */
export function klingMalformedError(message: string, body: unknown): ProviderError {
  return new ProviderError({ provider: 'kling', errorClass: 'transient', message: `kling: ${message}`, body })
}
