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
import { EventSource as EventSourcePonyfill } from 'eventsource'

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
  const EventSourceImpl =
    (globalThis as unknown as { EventSource?: typeof EventSourcePonyfill }).EventSource ?? EventSourcePonyfill

  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (operation) => operation.type === 'subscription',
        true: httpSubscriptionLink({
          url: base,
          EventSource: EventSourceImpl,
          // The ponyfill can send headers; browsers cannot, so the token also goes as connectionParams.
          connectionParams: async () => {
            const value = await token()
            return value ? { token: value } : {}
          },
        }),
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
