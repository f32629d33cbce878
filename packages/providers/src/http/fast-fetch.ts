/**
 * @module A `fetch` over undici's `request`: the same contract for what adapters and SDKs use
 * (buffered JSON/bytes, headers, status, AbortSignal), at a fraction of WHATWG fetch's CPU cost
 * (STACK.md: 3-4x less per request). Streaming or FormData bodies go to the global fetch.
 */
import { Agent, request } from './undici.js'

export type FetchFunction = typeof globalThis.fetch

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304])

const DEFAULT_POOL = { connections: 128, keepAliveTimeout: 10_000 }

/** Without options it uses the process's shared pool (`sharedAgent`), as direct `request` calls do. */
export function createFastFetch(
  options: { connections?: number; keepAliveTimeoutMs?: number } = {},
): FetchFunction {
  const dispatcher =
    options.connections === undefined && options.keepAliveTimeoutMs === undefined
      ? sharedAgent()
      : new Agent({
          connections: options.connections ?? DEFAULT_POOL.connections,
          keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULT_POOL.keepAliveTimeout,
        })
  return async function fastFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    if (
      input instanceof Request ||
      (init?.body !== undefined && init.body !== null && !isBufferedBody(init.body))
    ) {
      return globalThis.fetch(input, init)
    }
    const headers: Record<string, string> = {}
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value
    })
    const method = (init?.method ?? 'GET').toUpperCase() as 'GET'
    const response = await request(input.toString(), {
      method,
      headers,
      body: (init?.body as string | Uint8Array | null | undefined) ?? null,
      dispatcher,
      ...(init?.signal ? { signal: init.signal } : {}),
    } as Parameters<typeof request>[1])
    const body =
      NULL_BODY_STATUSES.has(response.statusCode) || method === ('HEAD' as string)
        ? null
        : Buffer.from(await response.body.arrayBuffer())
    if (body === null) await response.body.dump()
    const responseHeaders = new Headers()
    for (const [key, value] of Object.entries(response.headers)) {
      if (Array.isArray(value)) for (const item of value) responseHeaders.append(key, item)
      else if (value !== undefined) responseHeaders.set(key, value)
    }
    return new Response(body, { status: response.statusCode, headers: responseHeaders })
  }
}

let agent: Agent | undefined

/** One keep-alive connection pool per process for direct `undici.request` calls to upstreams. */
export function sharedAgent(): Agent {
  agent ??= new Agent(DEFAULT_POOL)
  return agent
}

function isBufferedBody(body: unknown): boolean {
  return typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer
}
