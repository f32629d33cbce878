/**
 * @module HTTP hardening for createApp: the client address (socket, or a trusted proxy's
 * X-Forwarded-For), CORS for an explicit origin list, and security headers plus a body cap on the
 * plain (non-tRPC) routes.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { GetConnInfo } from 'hono/conninfo'
import { cors } from 'hono/cors'
import type { AppConfig } from '../../deps.js'

/** Bodies of plain routes (auth callbacks, probes, downloads) are small. */
export const MAX_PLAIN_BODY_BYTES = 1024 * 1024

const HSTS = 'max-age=31536000; includeSubDomains'

/** What `getConnInfo` of @hono/node-server reads, without throwing outside a Node server (tests). */
const nodeSocketAddress: GetConnInfo = (c) => {
  const env = c.env as
    | {
        incoming?: { socket?: { remoteAddress?: string } }
        server?: { incoming?: { socket?: { remoteAddress?: string } } }
      }
    | undefined
  const address = (env?.server ?? env)?.incoming?.socket?.remoteAddress
  return { remote: address ? { address } : {} }
}

/**
 * The caller's address: the socket's peer, or — only when `trustProxy` — the right-most
 * X-Forwarded-For entry (the one our proxy appended; entries left of it are client-supplied).
 */
export function clientAddress(
  config: Pick<AppConfig, 'trustProxy'>,
  getConnInfo: GetConnInfo = nodeSocketAddress,
): (c: Context) => string {
  return function clientIp(c) {
    if (config.trustProxy) {
      const forwarded = c.req
        .header('x-forwarded-for')
        ?.split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0)
      const last = forwarded?.at(-1)
      if (last) return last
    }
    let address: string | undefined
    try {
      address = getConnInfo(c).remote.address
    } catch {
      address = nodeSocketAddress(c).remote.address
    }
    return address ?? 'unknown'
  }
}

/** Normalises configured origins (`https://app.example.com/` → `https://app.example.com`). */
export function normalizeOrigins(origins: readonly string[]): string[] {
  return origins.map((origin) => new URL(origin).origin)
}

/**
 * CORS with credentials for the listed origins only. Other origins get no CORS headers at all
 * (same-origin requests need none), and their preflights an empty 204 the browser refuses.
 */
export function corsForListedOrigins(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(normalizeOrigins(origins))
  const handler = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    credentials: true,
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    exposeHeaders: ['retry-after', 'x-request-id'],
    maxAge: 600,
  })
  return async function corsGuard(c, next) {
    const origin = c.req.header('origin')
    if (origin && allowed.has(origin)) return handler(c, next)
    if (c.req.method === 'OPTIONS' && origin && c.req.header('access-control-request-method')) {
      return c.body(null, 204)
    }
    return next()
  }
}

type BodyLimitOptions = Parameters<typeof bodyLimit>[0]

/**
 * hono's bodyLimit, without building a WHATWG Request for every request. bodyLimit first reads
 * `c.req.raw.body`, and @hono/node-server then builds a full Request (a ReadableStream over the
 * socket, an AbortSignal) although handlers read bodies through its faster `text()`; that was ~5 % of
 * the server's CPU per generation. A declared Content-Length within the cap decides alone; chunked
 * and oversized bodies still go through bodyLimit, which counts or refuses them.
 */
export function declaredBodyLimit(options: BodyLimitOptions): MiddlewareHandler {
  const counting = bodyLimit(options)
  return async function limitBody(c, next) {
    const method = c.req.method
    if (method === 'GET' || method === 'HEAD') return next()
    const declared = c.req.header('content-length')
    if (
      declared !== undefined &&
      /^\d{1,15}$/.test(declared) &&
      c.req.header('transfer-encoding') === undefined &&
      Number(declared) <= options.maxSize
    ) {
      return next()
    }
    return counting(c, next)
  }
}

const isTrpc = (path: string) => path === '/trpc' || path.startsWith('/trpc/')

/**
 * Security headers (nosniff, frame DENY, no-referrer; HSTS over https) and a 1 MB body cap on
 * every route but /trpc, which keeps its own larger cap.
 */
/**
 * What hono's `secureHeaders` sends with our options (nosniff, frame DENY, no-referrer, its other
 * defaults). Set on the context before the handler runs, not on the finished response as
 * `secureHeaders` does: changing a finished response's headers makes @hono/node-server build a full
 * WHATWG Response for every answer. A handler may still set its own value for one of them.
 */
const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['origin-agent-cluster', '?1'],
  ['referrer-policy', 'no-referrer'],
  ['x-content-type-options', 'nosniff'],
  ['x-dns-prefetch-control', 'off'],
  ['x-download-options', 'noopen'],
  ['x-frame-options', 'DENY'],
  ['x-permitted-cross-domain-policies', 'none'],
  ['x-xss-protection', '0'],
]

export function plainRouteHardening(config: Pick<AppConfig, 'trustProxy'>): MiddlewareHandler {
  const limit = declaredBodyLimit({
    maxSize: MAX_PLAIN_BODY_BYTES,
    onError: (c) => c.json({ error: { code: 413, message: 'Request body too large' } }, 413),
  })
  const isHttps = (c: Context) =>
    new URL(c.req.url).protocol === 'https:' ||
    (config.trustProxy === true && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https')
  return async function hardenPlainRoute(c, next) {
    if (isTrpc(c.req.path)) return next()
    for (const [name, value] of SECURITY_HEADERS) c.header(name, value)
    if (isHttps(c)) c.header('strict-transport-security', HSTS)
    // bodyLimit answers 413 by returning a response instead of calling next().
    const refused = await limit(c, next)
    if (refused instanceof Response) c.res = refused
  }
}
