/**
 * @module createApp(deps): the Hono app — tRPC at /trpc, health probes, signed /files downloads,
 * the web playground at /app.
 */
import { fetchRequestHandler } from '@trpc/server/adapters/fetch'
import { Hono } from 'hono'
import type { GetConnInfo } from 'hono/conninfo'
import { HTTPException } from 'hono/http-exception'
import { type RequestIdVariables, requestId } from 'hono/request-id'
import { createRequestContext } from './context.js'
import type { AppDeps } from './deps.js'
import { appRouter } from './routers/_app.js'
import { githubCallbackRoute } from './routes/github-callback.js'
import { openAIImagesRoute } from './routes/openai-images.js'
import { directTrpcCalls } from './routes/trpc-direct.js'
import { WEB_APP_PATH, webAppRoute } from './routes/web-app.js'
import { GITHUB_CALLBACK_PATH } from './services/auth/github-oauth.js'
import { checkReadiness } from './services/health.js'
import { observeRequests, serveMetrics } from './services/observability/http-observability.js'
import { checkProcedureRateLimit, withClientIp } from './services/rate-limit/enforce.js'
import {
  clientAddress,
  corsForListedOrigins,
  declaredBodyLimit,
  plainRouteHardening,
} from './services/security/http-guards.js'

/** Four 10 MB reference images as base64 JSON, with room to spare. */
const MAX_TRPC_BODY_BYTES = 64 * 1024 * 1024

export interface CreateAppOptions {
  /** The socket's peer address (`getConnInfo` of @hono/node-server); default reads Node's socket. */
  getConnInfo?: GetConnInfo
  /** Serve generate.image/search without tRPC's fetch adapter (routes/trpc-direct.ts). @default true */
  directTrpcCalls?: boolean
}

export function createApp(
  deps: AppDeps,
  options: CreateAppOptions = {},
): Hono<{ Variables: RequestIdVariables }> {
  const app = new Hono<{ Variables: RequestIdVariables }>()
  const clientIp = clientAddress(deps.config, options.getConnInfo)

  app.use(
    requestId({
      // Accept a caller's id only when it is short and plain, so it cannot poison logs.
      generator: () => crypto.randomUUID(),
      limitLength: 128,
    }),
  )
  app.use(observeRequests(deps))

  // CORS for the listed origins only; security headers and a 1 MB body cap off /trpc.
  app.use(corsForListedOrigins(deps.config.corsOrigins ?? []))
  app.use(plainRouteHardening(deps.config))
  // Browser auth routes (`/auth/*`): per-IP request-rate limit, as auth.* procedures.
  app.use('/auth/*', async function limitAuthRoutes(c, next) {
    const refused = await checkProcedureRateLimit(deps, { path: 'auth.route', clientIp: clientIp(c) })
    if (!refused) return next()
    const retryAfterMs = refused.details.retryAfterMs ?? 1000
    c.header('retry-after', String(Math.ceil(retryAfterMs / 1000)))
    return c.json(
      {
        error: {
          code: 429,
          appCode: refused.appCode,
          message: refused.message,
          retryAfterMs,
          requestId: c.get('requestId'),
        },
      },
      429,
    )
  })

  app.onError(function handleError(error, c) {
    if (error instanceof HTTPException) {
      return c.json(
        { error: { code: error.status, message: error.message, requestId: c.get('requestId') } },
        error.status,
      )
    }
    deps.logger.error(
      {
        requestId: c.get('requestId'),
        path: c.req.path,
        err: { message: error.message, stack: error.stack },
      },
      'request failed unexpectedly',
    )
    return c.json(
      { error: { code: 500, message: 'Internal server error', requestId: c.get('requestId') } },
      500,
    )
  })

  app.get(GITHUB_CALLBACK_PATH, githubCallbackRoute(deps, clientIp))

  app.get('/health/live', (c) => c.json({ status: 'ok' }))
  app.get('/health/ready', async (c) => {
    const readiness = await checkReadiness(deps)
    return c.json(
      { status: readiness.ready ? 'ok' : 'unavailable', ...readiness },
      readiness.ready ? 200 : 503,
    )
  })

  app.get('/metrics', (c) => serveMetrics(deps, c, clientIp(c)))

  // OpenAI-compatible image generation (plain route: the 1 MB body cap applies).
  app.post('/v1/images/generations', openAIImagesRoute(deps, clientIp))

  app.get('/files/*', async function serveFile(c) {
    const files = deps.localFiles
    if (!files) return c.json({ error: { code: 404, message: 'Not found' } }, 404)
    let key: string
    try {
      key = decodeURIComponent(c.req.path.slice('/files/'.length))
    } catch {
      return c.json({ error: { code: 400, message: 'Malformed file key' } }, 400)
    }
    if (!files.verify(key, c.req.query('expires'), c.req.query('signature'))) {
      return c.json({ error: { code: 403, message: 'Invalid or expired signature' } }, 403)
    }
    const object = await files.get(key)
    if (!object) return c.json({ error: { code: 404, message: 'Not found' } }, 404)
    return c.body(object.body, 200, {
      'content-type': object.contentType,
      'content-length': String(object.size),
      'cache-control': 'private, max-age=3600, immutable',
    })
  })

  // The built web playground, when the server was given its directory.
  if (deps.config.webDir) {
    app.get(WEB_APP_PATH, (c) => c.redirect(`${WEB_APP_PATH}/`, 301))
    app.get(`${WEB_APP_PATH}/*`, webAppRoute(deps.config.webDir))
  }

  app.use('/trpc/*', declaredBodyLimit({ maxSize: MAX_TRPC_BODY_BYTES }))
  // generate.image / generate.search without the fetch adapter; everything else falls through to it.
  if (options.directTrpcCalls !== false) app.post('/trpc/*', directTrpcCalls(deps, clientIp))
  app.all('/trpc/*', function handleTrpc(c) {
    return fetchRequestHandler({
      endpoint: '/trpc',
      req: c.req.raw,
      router: appRouter,
      // tRPC builds its own Response, without the headers set on `c` before it.
      responseMeta: () => ({ headers: { 'x-request-id': c.get('requestId') } }),
      createContext: async ({ req, info, resHeaders }) =>
        withClientIp(
          await createRequestContext({
            deps,
            request: req,
            requestId: c.get('requestId'),
            connectionParams: info.connectionParams,
            responseHeaders: resHeaders,
          }),
          clientIp(c),
        ),
    })
  })

  app.get('/', (c) => c.json({ name: 'Nano Banana Lab', version: deps.config.version, trpc: '/trpc' }))

  return app
}
