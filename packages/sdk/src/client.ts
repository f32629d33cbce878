/**
 * @module createClient: the typed tRPC client for Nano Banana Lab (batched HTTP + SSE subscriptions).
 */
import type { AppRouter } from '@nbl/api'
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
} from '@trpc/client'
import { EventSource as EventSourcePonyfill, type FetchLike } from 'eventsource'

export interface ClientOptions {
  /** The server's origin, e.g. `http://localhost:3000` (`/trpc` is added). */
  url: string
  /** An API key (`nbl_…`). */
  apiKey?: string
  /** Or a function returning a bearer token (called per request). */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>
  /** A custom fetch (tests, proxies). */
  fetch?: typeof fetch
  /** Extra headers on every HTTP request. */
  headers?: Record<string, string>
}

export type NanoBananaClient = TRPCClient<AppRouter>

type TokenSource = () => Promise<string | undefined>

/** How subscriptions (SSE) carry the credential: a header where possible, else connectionParams. */
export type SubscriptionTransport =
  | {
      EventSource: typeof EventSourcePonyfill
      eventSourceOptions: { fetch: FetchLike }
    }
  | {
      EventSource: typeof globalThis.EventSource
      connectionParams: () => Promise<{ token?: string }>
    }

/**
 * Chooses how subscriptions authenticate. Browsers' EventSource cannot set headers, so the token
 * goes as tRPC `connectionParams` (in the URL). Elsewhere (Node) the `eventsource` ponyfill sends
 * it as an `authorization` header through its `fetch` option, keeping it out of URLs and logs.
 * @example
 * const transport = subscriptionTransport({}, async () => 'nbl_…', globalThis.EventSource)
 * // in Node: { EventSource: <ponyfill>, eventSourceOptions: { fetch } }
 */
export function subscriptionTransport(
  options: Pick<ClientOptions, 'fetch' | 'headers'>,
  token: TokenSource,
  globalEventSource: typeof globalThis.EventSource | undefined,
): SubscriptionTransport {
  if (globalEventSource) {
    return {
      EventSource: globalEventSource,
      connectionParams: async function subscriptionConnectionParams() {
        const value = await token()
        return value ? { token: value } : {}
      },
    }
  }
  const fetchImpl = options.fetch ?? globalThis.fetch
  return {
    EventSource: EventSourcePonyfill,
    eventSourceOptions: {
      // Called on every (re)connect, so a token getter is asked each time.
      fetch: async function subscriptionFetch(input, init) {
        const value = await token()
        return fetchImpl(input, {
          ...init,
          headers: {
            ...options.headers,
            ...init.headers,
            ...(value ? { authorization: `Bearer ${value}` } : {}),
          },
        })
      },
    },
  }
}

/**
 * Creates a typed client for every procedure of the API.
 * @example
 * const client = createClient({ url: 'http://localhost:3000', apiKey: process.env.NBL_API_KEY })
 * const result = await client.generate.image.mutate({ prompt: 'a banana in space', resolution: '1K' })
 * console.log(result.images[0]?.url)
 */
export function createClient(options: ClientOptions): NanoBananaClient {
  const base = `${options.url.replace(/\/+$/, '')}/trpc`
  const token = async (): Promise<string | undefined> =>
    options.apiKey ?? (options.getToken ? ((await options.getToken()) ?? undefined) : undefined)
  // Browsers have EventSource; Node 20 does not, so use the ponyfill there only.
  const transport = subscriptionTransport(
    options,
    token,
    (globalThis as { EventSource?: typeof globalThis.EventSource }).EventSource,
  )

  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (operation) => operation.type === 'subscription',
        // One call per branch: each EventSource class types its own options.
        true:
          'eventSourceOptions' in transport
            ? httpSubscriptionLink({ url: base, ...transport })
            : httpSubscriptionLink({ url: base, ...transport }),
        false: httpBatchLink({
          url: base,
          ...(options.fetch ? { fetch: options.fetch } : {}),
          headers: async () => {
            const value = await token()
            return { ...options.headers, ...(value ? { authorization: `Bearer ${value}` } : {}) }
          },
        }),
      }),
    ],
  })
}
