/**
 * @module createApp(deps): the Hono app — tRPC at /trpc, health probes, signed /files downloads.
 */
import { fetchRequestHandler } from '@trpc/server/adapters/fetch'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import { type RequestIdVariables, requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import { createRequestContext } from './context.js'
import type { AppDeps } from './deps.js'
import { appRouter } from './routers/_app.js'
import { checkReadiness } from './services/health.js'

/** Four 10 MB reference images as base64 JSON, with room to spare. */
const MAX_TRPC_BODY_BYTES = 64 * 1024 * 1024

export function createApp(deps: AppDeps): Hono<{ Variables: RequestIdVariables }> {
  const app = new Hono<{ Variables: RequestIdVariables }>()

  app.use(
    requestId({
      // Accept a caller's id only when it is short and plain, so it cannot poison logs.
      generator: () => crypto.randomUUID(),
      limitLength: 128,
    }),
  )

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

  app.get('/health/live', (c) => c.json({ status: 'ok' }))
  app.get('/health/ready', async (c) => {
    const readiness = await checkReadiness(deps)
    return c.json(
      { status: readiness.ready ? 'ok' : 'unavailable', ...readiness },
      readiness.ready ? 200 : 503,
    )
  })

  app.get('/files/*', secureHeaders(), async function serveFile(c) {
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

  app.use('/trpc/*', bodyLimit({ maxSize: MAX_TRPC_BODY_BYTES }))
  app.all('/trpc/*', function handleTrpc(c) {
    return fetchRequestHandler({
      endpoint: '/trpc',
      req: c.req.raw,
      router: appRouter,
      createContext: ({ req, info }) =>
        createRequestContext({
          deps,
          request: req,
          requestId: c.get('requestId'),
          connectionParams: info.connectionParams,
        }),
    })
  })

  app.get('/', (c) => c.json({ name: 'Nano Banana Lab', version: deps.config.version, trpc: '/trpc' }))

  return app
}
