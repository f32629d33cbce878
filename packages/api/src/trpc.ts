/**
 * @module tRPC is initialised here, once; only the approved procedure bases are exported.
 */
import { initTRPC, TRPCError } from '@trpc/server'
import type { Context } from './context.js'
import { AppError, type AppErrorData, describeError, toTRPCError } from './errors.js'
import { ownGenerationsCommitted } from './services/generation/generation-writer.js'
import { checkProcedureRateLimit, clientIpOf } from './services/rate-limit/enforce.js'

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error, ctx, path }) {
    const { message, appCode, details } = describeError(error)
    const data: AppErrorData = {
      code: shape.data.code,
      httpStatus: shape.data.httpStatus,
      appCode,
      ...details,
      ...(path ? { path } : {}),
      ...(ctx?.requestId ? { requestId: ctx.requestId } : {}),
    }
    // No stack, no internal message: only what describeError deems safe.
    return { code: shape.code, message, data }
  },
  sse: {
    ping: { enabled: true, intervalMs: 10_000 },
    client: { reconnectAfterInactivityMs: 25_000 },
  },
})

export const router = t.router
export const createCallerFactory = t.createCallerFactory

/**
 * Gives a thrown AppError its API.md tRPC code, and logs unexpected failures with their stack and
 * request id; expected ones stay quiet.
 */
const logCall = t.middleware(async function logCall({ ctx, path, type, next }) {
  const startedAt = performance.now()
  const result = await next()
  const metrics = ctx.deps.metrics
  if (result.ok) {
    metrics?.procedure(path, type, 'OK', (performance.now() - startedAt) / 1000)
    return result
  }
  const cause = refusedByDatabase(result.error.cause) ?? result.error.cause
  if (cause instanceof AppError) {
    metrics?.procedure(path, type, cause.trpcCode, (performance.now() - startedAt) / 1000)
    if (cause.appCode === 'QUOTA_EXCEEDED' || cause.appCode === 'COOLDOWN')
      metrics?.quotaRejection(cause.appCode)
    return result.error.code === cause.trpcCode ? result : { ...result, error: toTRPCError(cause) }
  }
  metrics?.procedure(path, type, result.error.code, (performance.now() - startedAt) / 1000)
  if (result.error.code === 'INTERNAL_SERVER_ERROR') {
    const failure = cause ?? result.error
    ctx.deps.logger.error(
      {
        requestId: ctx.requestId,
        path,
        type,
        durationMs: performance.now() - startedAt,
        err: failure instanceof Error ? { message: failure.message, stack: failure.stack } : String(failure),
      },
      'procedure failed unexpectedly',
    )
  }
  return result
})

/**
 * Input PostgreSQL refuses as text (a NUL byte in a string: 22021 in text, 22P05 in jsonb) is the
 * caller's mistake, not ours: a VALIDATION error instead of a 500.
 */
function refusedByDatabase(cause: unknown): AppError | undefined {
  const code = (cause as { code?: unknown } | undefined)?.code
  if (code !== '22021' && code !== '22P05') return undefined
  return new AppError('VALIDATION', 'input: text may not contain NUL (\\u0000) characters')
}

/** Request-rate limits by path: generation per user and per IP, auth.* per IP (RATE_LIMITED). */
const rateLimit = t.middleware(async function rateLimit({ ctx, path, next }) {
  const refused = await checkProcedureRateLimit(ctx.deps, {
    path,
    userId: ctx.user?.id,
    clientIp: clientIpOf(ctx),
  })
  if (refused) throw toTRPCError(refused)
  return next()
})

export const publicProcedure = t.procedure.use(logCall).use(rateLimit)

/** Procedures that read none of the caller's history, so they need not wait for it to be committed. */
const HISTORY_BLIND_PROCEDURES = new Set(['generate.image', 'generate.search'])

export const authedProcedure = publicProcedure.use(async function requireUser({ ctx, path, next }) {
  if (!ctx.user) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'Missing, invalid, expired or revoked API key',
      cause: new AppError('UNAUTHENTICATED', 'Missing, invalid, expired or revoked API key'),
    })
  }
  // A generation answers before its history row is committed: reads wait for the caller's own.
  if (!HISTORY_BLIND_PROCEDURES.has(path)) await ownGenerationsCommitted(ctx.deps, ctx.user.id)
  // tRPC merges what is passed over the context: only the narrowed user, not a copy of it all.
  return next({ ctx: { user: ctx.user } })
})

export const adminProcedure = authedProcedure.use(function requireAdmin({ ctx, next }) {
  if (ctx.user.role !== 'admin') {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'Admin role required',
      cause: new AppError('FORBIDDEN', 'Admin role required'),
    })
  }
  return next()
})
