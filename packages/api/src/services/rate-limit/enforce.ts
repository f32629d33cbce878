/**
 * @module Where the request-rate limits apply (API.md: RATE_LIMITED + `retryAfterMs`): generation
 * procedures per user and per client IP, auth endpoints per client IP.
 */
import type { AppDeps } from '../../deps.js'
import { AppError } from '../../errors.js'
import type { RateLimitOutcome } from './rate-limiter.js'

export interface RateLimitSettings {
  /** Generation requests per minute, per user and per client IP; 0 disables. */
  generatePerMinute: number
  /** Auth requests per minute per client IP; 0 disables. */
  authPerMinute: number
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = { generatePerMinute: 60, authPerMinute: 20 }

const MINUTE_MS = 60_000

/** The procedures that start paid work. */
export const GENERATION_PATHS: ReadonlySet<string> = new Set([
  'generate.image',
  'generate.search',
  'generate.batch',
  'generate.video',
  // Also paid or upstream work: a chat turn and a template use generate; suggest may call a text model.
  'chat.send',
  'library.templates.use',
  'library.prompts.suggest',
])

export const isAuthPath = (path: string): boolean => path === 'auth' || path.startsWith('auth.')

const CLIENT_IP = Symbol.for('nbl.clientIp')

/** Tags a tRPC context with the caller's address; the tag survives middleware context spreads. */
export function withClientIp<T extends object>(ctx: T, clientIp: string): T {
  return Object.assign(ctx, { [CLIENT_IP]: clientIp })
}

/** The address `withClientIp` recorded; undefined for in-process callers (createCaller). */
export function clientIpOf(ctx: object): string | undefined {
  const value = (ctx as Record<symbol, unknown>)[CLIENT_IP]
  return typeof value === 'string' ? value : undefined
}

export function rateLimited(retryAfterMs: number): AppError {
  return new AppError('RATE_LIMITED', 'Too many requests; retry later', { retryAfterMs })
}

function refusal(outcomes: RateLimitOutcome[]): AppError | undefined {
  const refused = outcomes.filter((outcome) => !outcome.allowed)
  if (refused.length === 0) return undefined
  return rateLimited(Math.max(...refused.map((outcome) => outcome.retryAfterMs)))
}

/** Counts a call to `path` against its limits; returns the RATE_LIMITED error when one is exceeded. */
export async function checkProcedureRateLimit(
  deps: AppDeps,
  call: { path: string; userId?: string | undefined; clientIp?: string | undefined },
): Promise<AppError | undefined> {
  const limits = deps.config.rateLimits ?? DEFAULT_RATE_LIMITS
  if (GENERATION_PATHS.has(call.path)) {
    const rule = { limit: limits.generatePerMinute, windowMs: MINUTE_MS }
    if (rule.limit <= 0) return undefined
    const hits: Array<Promise<RateLimitOutcome>> = []
    if (call.userId) hits.push(deps.rateLimiter.hit(`generate:user:${call.userId}`, rule))
    if (call.clientIp) hits.push(deps.rateLimiter.hit(`generate:ip:${call.clientIp}`, rule))
    return refusal(await Promise.all(hits))
  }
  if (isAuthPath(call.path) && call.clientIp) {
    const rule = { limit: limits.authPerMinute, windowMs: MINUTE_MS }
    if (rule.limit <= 0) return undefined
    return refusal([await deps.rateLimiter.hit(`auth:ip:${call.clientIp}`, rule)])
  }
  return undefined
}
