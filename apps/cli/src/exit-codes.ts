/**
 * @module The exit codes scripts can rely on, and how an error maps to one.
 */
import { getAppError } from '@nbl/sdk'

/** 0 ok, 1 usage/validation, 2 auth, 3 quota/rate limit, 4 provider failure, 5 partial batch, 70 internal. */
export const EXIT = {
  ok: 0,
  usage: 1,
  auth: 2,
  quota: 3,
  provider: 4,
  partial: 5,
  internal: 70,
} as const

/** A failure the CLI explains itself: its message is printed as is, then it exits with `code`. */
export class CliError extends Error {
  override readonly name = 'CliError'
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message)
  }
}

/** Human-friendly duration: `2h 5m`, `42s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000))
  const hours = Math.floor(seconds / 3600)
  const minutes = Math.floor((seconds % 3600) / 60)
  const rest = seconds % 60
  if (hours > 0) return `${hours}h ${minutes}m`
  if (minutes > 0) return `${minutes}m ${rest}s`
  return `${rest}s`
}

/** Local wall-clock time `ms` from now, e.g. `2026-07-08 00:00:00 (local time)`. */
export function localTimeIn(ms: number, now = new Date()): string {
  const at = new Date(now.getTime() + ms)
  const pad = (value: number) => String(value).padStart(2, '0')
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())} (local time)`
}

/** The message and exit code for any error a command let through. */
export function describeFailure(error: unknown): { message: string; code: number } {
  if (error instanceof CliError) return { message: error.message, code: error.code }
  const info = getAppError(error)
  if (!info) {
    const message = error instanceof Error ? error.message : String(error)
    if (/fetch failed|ECONNREFUSED|ENOTFOUND/.test(message) || (error as { cause?: unknown })?.cause) {
      return { message: `cannot reach the server: ${message}`, code: EXIT.internal }
    }
    return { message: `unexpected error: ${message}`, code: EXIT.internal }
  }
  switch (info.appCode) {
    case 'QUOTA_EXCEEDED': {
      const wait = info.retryAfterMs ?? 0
      return {
        message: `quota exceeded: ${info.message}. It resets at ${localTimeIn(wait)}, in ${formatDuration(wait)}.`,
        code: EXIT.quota,
      }
    }
    case 'COOLDOWN':
    case 'RATE_LIMITED':
      return {
        message: `${info.appCode === 'COOLDOWN' ? 'cooling down' : 'rate limited'}: ${info.message}. Try again in ${formatDuration(info.retryAfterMs ?? 0)}.`,
        code: EXIT.quota,
      }
    case 'UNAUTHENTICATED':
      return { message: `not signed in: ${info.message}. Set NBL_API_KEY or --api-key.`, code: EXIT.auth }
    case 'FORBIDDEN':
      return { message: `not allowed: ${info.message}`, code: EXIT.auth }
    case 'VALIDATION': {
      const fields = Object.entries(info.fieldErrors ?? {}).map(
        ([field, errors]) => `  ${field}: ${errors.join('; ')}`,
      )
      return { message: [`invalid input: ${info.message}`, ...fields].join('\n'), code: EXIT.usage }
    }
    case 'CONTENT_BLOCKED':
    case 'PROVIDERS_FAILED':
    case 'NO_CAPABLE_PROVIDER':
      return { message: `provider failure (${info.appCode}): ${info.message}`, code: EXIT.provider }
    case 'NOT_FOUND':
    case 'IDEMPOTENCY_CONFLICT':
      return { message: `${info.appCode}: ${info.message}`, code: EXIT.usage }
    default:
      return {
        message: `server error: ${info.message}${info.requestId ? ` (request ${info.requestId})` : ''}`,
        code: EXIT.internal,
      }
  }
}
