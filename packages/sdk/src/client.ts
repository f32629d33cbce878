/**
 * @module createClient: the typed tRPC client for Nano Banana Lab (batched HTTP + SSE subscriptions).
 */
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
} from '@trpc/client'
import { EventSource as EventSourcePonyfill, type FetchLike } from 'eventsource'
import {
  createAuthState,
  retryUnauthorizedLink,
  type SessionTokens,
  type UnauthorizedAnswer,
} from './auth.js'
import type { AppRouter } from './router.js'

/**
 * Options of `createClient`. Give one credential: `apiKey`, `getToken` or `session`.
 * @example const options: ClientOptions = { url: 'http://127.0.0.1:3000', apiKey: 'nbl_…' }
 */
export interface ClientOptions {
  /** The server's origin, e.g. `http://localhost:3000` (`/trpc` is added). */
  url: string
  /** An API key (`nbl_…`). */
  apiKey?: string
  /** Or a function returning a bearer token (called per request). */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>
  /**
   * Or a JWT session (from `auth.callback`): the access token is sent, and on a 401 the client calls
   * `auth.refresh` with the refresh token (once, shared by concurrent calls) and retries the call once.
   */
  session?: SessionTokens
  /** Told the rotated tokens after each refresh, to persist them (the old refresh token is spent). */
  onSessionRefreshed?: (tokens: SessionTokens) => void | Promise<void>
  /**
   * Called when a query or mutation fails with 401: return a new token (used from then on) or `true`
   * (getToken is asked again) to retry the call once; anything else lets the error through.
   * Takes precedence over the built-in session refresh.
   */
  onUnauthorized?: () => UnauthorizedAnswer | Promise<UnauthorizedAnswer>
  /** A custom fetch (tests, proxies). */
  fetch?: typeof fetch
  /** Extra headers on every HTTP request. */
  headers?: Record<string, string>
}

/**
 * The typed client: `client.<namespace>.<procedure>.query | mutate | subscribe`.
 * @example const quota = await client.quota.status.query()
 */
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
 * Creates a typed client for every procedure of the API. Works in browsers (their EventSource, token
 * in connectionParams) and in Node (the `eventsource` ponyfill, token in a header).
 * @example
 * const client = createClient({ url: 'http://localhost:3000', apiKey: process.env.NBL_API_KEY })
 * const result = await client.generate.image.mutate({ prompt: 'a banana in space', resolution: '1K' })
 * console.log(result.images[0]?.url)
 */
export function createClient(options: ClientOptions): NanoBananaClient {
  const base = `${options.url.replace(/\/+$/, '')}/trpc`
  const auth = createAuthState(options, {
    url: base,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  })
  const token = auth.token
  // Browsers have EventSource; Node 20 does not, so use the ponyfill there only.
  const transport = subscriptionTransport(
    options,
    token,
    (globalThis as { EventSource?: typeof globalThis.EventSource }).EventSource,
  )

  return createTRPCClient<AppRouter>({
    links: [
      ...(auth.canRecover ? [retryUnauthorizedLink(auth)] : []),
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
