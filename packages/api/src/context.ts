/**
 * @module tRPC context in two layers: a pure `createContextInner` (tests, createCaller) and the
 * adapter-facing `createRequestContext`, which authenticates the request.
 */
import { randomUUID } from 'node:crypto'
import type { AppDeps } from './deps.js'
import type { AuthUser } from './services/auth/api-keys.js'
import { looksLikeJwt, verifyAccessToken } from './services/auth/sessions.js'

export interface ContextInnerOptions {
  deps: AppDeps
  user?: AuthUser | null
  /** Origin for absolute URLs in responses. */
  origin?: string
  requestId?: string
}

export function createContextInner(options: ContextInnerOptions) {
  return {
    deps: options.deps,
    user: options.user ?? null,
    origin: options.deps.config.publicUrl ?? options.origin ?? 'http://localhost',
    requestId: options.requestId ?? randomUUID(),
  }
}

export type Context = ReturnType<typeof createContextInner>

/** The caller's credential: `Authorization: Bearer`, `X-API-Key`, or SSE `connectionParams.token`. */
export function credentialFrom(
  headers: Headers,
  connectionParams?: Record<string, string | undefined> | null,
): string | null {
  const authorization = headers.get('authorization')
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    return match?.[1] ?? null
  }
  const apiKey = headers.get('x-api-key')
  if (apiKey) return apiKey.trim()
  const token = connectionParams?.token
  return typeof token === 'string' && token.length > 0 ? token : null
}

/**
 * A JWT access token (three dot-separated parts; only when a session secret is configured) or an
 * API key. Neither shape falls back to the other.
 */
export async function authenticate(deps: AppDeps, credential: string | null): Promise<AuthUser | null> {
  if (!credential) return null
  if (looksLikeJwt(credential)) {
    const secret = deps.config.sessionSecret
    if (!secret) return null
    return (await verifyAccessToken(deps.db, secret, credential)) ?? null
  }
  return (await deps.apiKeys.authenticate(credential)) ?? null
}

export async function createRequestContext(options: {
  deps: AppDeps
  request: Request
  requestId: string
  connectionParams?: Record<string, string | undefined> | null
}): Promise<Context> {
  const user = await authenticate(
    options.deps,
    credentialFrom(options.request.headers, options.connectionParams),
  )
  return createContextInner({
    deps: options.deps,
    user,
    origin: new URL(options.request.url).origin,
    requestId: options.requestId,
  })
}
