/**
 * @module The hottest tRPC calls (`POST /trpc/generate.image`, `/trpc/generate.search`, one call
 * each, JSON) without tRPC's fetch adapter. The adapter builds a WHATWG Request, abort signals and
 * response machinery around every call; STACK.md measured it at ~0.25 ms and 10-15 % of throughput.
 * Here the same procedure runs through `createCaller` (every middleware: logging, rate limits, auth,
 * input validation), and the answer is what the adapter would send: `{ result: { data } }`, or
 * `{ error }` shaped by the router's error formatter with the adapter's HTTP status (in an array for a
 * batch of one, as the SDK's batch link sends). Anything else (batches of several, `?input=`,
 * streaming `trpc-accept`, other content types) goes on to the adapter.
 */
import {
  getErrorShape,
  getHTTPStatusCodeFromError,
  getTRPCErrorFromUnknown,
  TRPCError,
} from '@trpc/server/unstable-core-do-not-import'
import type { Context as HonoContext, MiddlewareHandler } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { type Context, createRequestContext } from '../context.js'
import type { AppDeps } from '../deps.js'
import { appRouter, createCaller } from '../routers/_app.js'
import { withClientIp } from '../services/rate-limit/enforce.js'

type Caller = ReturnType<typeof createCaller>

/** The procedures served here, each called exactly as the adapter would call it. */
const DIRECT: Record<string, (caller: Caller, input: unknown) => Promise<unknown>> = {
  'generate.image': (caller, input) =>
    caller.generate.image(input as Parameters<Caller['generate']['image']>[0]),
  'generate.search': (caller, input) =>
    caller.generate.search(input as Parameters<Caller['generate']['search']>[0]),
}

export function directTrpcCalls(
  deps: AppDeps,
  clientIp: (c: HonoContext) => string,
): MiddlewareHandler<{ Variables: { requestId: string } }> {
  return async function directTrpcCall(c, next) {
    const path = c.req.path.slice('/trpc/'.length)
    const call = DIRECT[path]
    const query = c.req.url.indexOf('?')
    // One call, plain or as a batch of one (`?batch=1`, body `{"0": input}`: the SDK's batch link).
    const batched = query !== -1 && c.req.url.slice(query) === '?batch=1'
    if (
      !call ||
      c.req.method !== 'POST' ||
      (query !== -1 && !batched) ||
      c.req.header('trpc-accept') !== undefined ||
      !c.req.header('content-type')?.toLowerCase().startsWith('application/json')
    ) {
      return next()
    }
    const requestId = c.get('requestId')
    const responseHeaders = new Headers()
    c.header('x-request-id', requestId)
    let ctx: Context | undefined
    let input: unknown
    try {
      // In the adapter's order: the context first, so even a malformed body's error names the request.
      ctx = withClientIp(
        await createRequestContext({ deps, request: c.req.raw, requestId, responseHeaders }),
        clientIp(c),
      )
      const text = await c.req.text()
      let body: unknown
      try {
        body = text === '' ? undefined : JSON.parse(text)
      } catch (cause) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: (cause as Error).message, cause })
      }
      input = batched ? (body as Record<string, unknown> | undefined)?.['0'] : body
      const data = await call(createCaller(ctx), input)
      copyHeaders(responseHeaders, c)
      return c.json(batched ? [{ result: { data } }] : { result: { data } })
    } catch (thrown) {
      const error = getTRPCErrorFromUnknown(thrown)
      const shape = getErrorShape({
        config: appRouter._def._config,
        error,
        type: 'mutation',
        path,
        input,
        ctx,
      })
      copyHeaders(responseHeaders, c)
      return c.json(
        batched ? [{ error: shape }] : { error: shape },
        getHTTPStatusCodeFromError(error) as ContentfulStatusCode,
      )
    }
  }
}

/** Headers a procedure set (cookies, say), as the adapter adds them to its response. */
function copyHeaders(from: Headers, c: HonoContext): void {
  for (const [key, value] of from) c.header(key, value, { append: true })
}
