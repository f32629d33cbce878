/**
 * @module Per-request observability for the Hono app: counts and times the request by route pattern,
 * writes one access log line (with the request id, as every line logged for the request has: see
 * request-logger.ts), and serves `GET /metrics`.
 */
import { timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import { bearerTokenOf } from '../../context.js'
import type { AppDeps } from '../../deps.js'
import { isPrivateAddress } from '../images/remote-image.js'

/** Probes and scrapes are frequent and uninteresting: their access lines go to debug. */
const QUIET_ROUTES = new Set(['/health/live', '/health/ready', '/metrics'])

export function observeRequests(deps: AppDeps): MiddlewareHandler<{ Variables: { requestId: string } }> {
  return async function observeRequests(c, next) {
    const startedAt = performance.now()
    const requestId = c.get('requestId')
    // The response carries the id from hono's requestId middleware (and tRPC's responseMeta, as tRPC
    // builds its own Response). Not set again here: touching a finished response's headers makes
    // @hono/node-server build a full WHATWG Response, a measurable cost on every request.
    await next()
    const durationMs = performance.now() - startedAt
    // The registered pattern (`/trpc/*`, `/files/*`), never the raw path: bounded label values.
    const route = c.res.status === 404 && c.req.routePath === '*' ? 'unmatched' : routePath(c, -1)
    deps.metrics?.httpRequest(c.req.method, route, c.res.status, durationMs / 1000)
    const line = {
      requestId,
      method: c.req.method,
      route,
      status: c.res.status,
      durationMs: Math.round(durationMs * 100) / 100,
    }
    if (QUIET_ROUTES.has(route)) deps.logger.debug(line, 'request')
    else deps.logger.info(line, 'request')
  }
}

/**
 * `GET /metrics` in the Prometheus text format. With a configured token, only for its bearer;
 * without one, only for clients on loopback or private networks (a scraper beside the server),
 * never for the open internet.
 */
export async function serveMetrics(deps: AppDeps, c: Context, clientIp: string): Promise<Response> {
  const metrics = deps.metrics
  if (!metrics) return c.json({ error: { code: 404, message: 'Metrics are not enabled' } }, 404)
  const token = deps.config.metricsToken
  if (token !== undefined && !bearerMatches(c.req.header('authorization'), token)) {
    c.header('www-authenticate', 'Bearer')
    return c.json({ error: { code: 401, message: 'Metrics token required' } }, 401)
  }
  if (token === undefined && !isPrivateAddress(clientIp)) {
    return c.json(
      { error: { code: 403, message: 'Metrics are served to private networks only; set METRICS_TOKEN' } },
      403,
    )
  }
  return c.body(await metrics.render(), 200, { 'content-type': metrics.contentType })
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(bearerTokenOf(header) ?? '')
  const expected = Buffer.from(token)
  return presented.length === expected.length && timingSafeEqual(presented, expected)
}
