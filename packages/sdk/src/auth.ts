/**
 * @module How the client authenticates: an API key, a token getter, or a JWT session that is
 * refreshed through `auth.refresh` when a call fails with 401, then retried once.
 */
import { createTRPCClient, httpBatchLink, type TRPCLink } from '@trpc/client'
import { observable } from '@trpc/server/observable'
import type { AppRouter } from './router.js'

/**
 * A signed-in session's tokens, as `auth.callback` and `auth.refresh` return them.
 * @example const session: SessionTokens = await client.auth.callback.mutate({ code, state })
 */
export interface SessionTokens {
  accessToken: string
  refreshToken: string
}

/** What an `onUnauthorized` hook may answer: a new token, true to retry as is, or nothing to give up. */
export type UnauthorizedAnswer = string | boolean | null | undefined

/**
 * Auth options shared by `createClient` (documented there).
 * @example const auth: AuthOptions = { session: { accessToken, refreshToken }, onSessionRefreshed: save }
 */
export interface AuthOptions {
  apiKey?: string
  getToken?: () => string | null | undefined | Promise<string | null | undefined>
  session?: SessionTokens
  onSessionRefreshed?: (tokens: SessionTokens) => void | Promise<void>
  onUnauthorized?: () => UnauthorizedAnswer | undefined | Promise<UnauthorizedAnswer>
}

/**
 * The client's credential state: what to send now, and how to recover from a 401 (single flight,
 * because a refresh token is single-use and reusing one revokes the whole session).
 * @example
 * const auth = createAuthState({ apiKey: 'nbl_…' }, { url: 'http://127.0.0.1:3000/trpc' })
 * await auth.token() // 'nbl_…'
 */
export function createAuthState(
  options: AuthOptions,
  transport: { url: string; fetch?: typeof fetch; headers?: Record<string, string> },
) {
  let session = options.session ? { ...options.session } : undefined
  let override: string | undefined
  let inFlight: Promise<boolean> | undefined

  async function token(): Promise<string | undefined> {
    if (override) return override
    if (session) return session.accessToken
    if (options.apiKey) return options.apiKey
    return options.getToken ? ((await options.getToken()) ?? undefined) : undefined
  }

  async function refreshSession(current: SessionTokens): Promise<boolean> {
    // Unauthenticated on purpose: the refresh token is the credential here.
    const raw = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: transport.url,
          ...(transport.fetch ? { fetch: transport.fetch } : {}),
          ...(transport.headers ? { headers: transport.headers } : {}),
        }),
      ],
    })
    const next = await raw.auth.refresh.mutate({ refreshToken: current.refreshToken })
    session = { accessToken: next.accessToken, refreshToken: next.refreshToken }
    await options.onSessionRefreshed?.({ ...session })
    return true
  }

  async function recover(): Promise<boolean> {
    if (options.onUnauthorized) {
      const answer = await options.onUnauthorized()
      if (typeof answer === 'string' && answer.length > 0) override = answer
      return Boolean(answer)
    }
    if (session) return refreshSession(session).catch(() => false)
    return false
  }

  return {
    token,
    /** After a 401: refresh once for every call that saw it; true when a retry may succeed. */
    recover(): Promise<boolean> {
      inFlight ??= recover().finally(() => {
        inFlight = undefined
      })
      return inFlight
    },
    /** Whether a 401 can be recovered from at all. */
    canRecover: Boolean(options.onUnauthorized || session),
  }
}

function isUnauthenticated(error: unknown): boolean {
  const data = (error as { data?: { httpStatus?: number; appCode?: string } | null }).data
  return data?.appCode === 'UNAUTHENTICATED' || data?.httpStatus === 401
}

/**
 * A tRPC link that retries a query or mutation once after a 401, when `recover()` says so.
 * @example createTRPCClient<AppRouter>({ links: [retryUnauthorizedLink(auth), httpBatchLink({ url })] })
 */
export function retryUnauthorizedLink(auth: { recover(): Promise<boolean> }): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let retried = op.type === 'subscription'
        let subscription: { unsubscribe(): void } | undefined
        let closed = false
        const attempt = () => {
          subscription = next(op).subscribe({
            next: (value) => observer.next(value),
            complete: () => observer.complete(),
            error: (error) => {
              if (retried || !isUnauthenticated(error)) return observer.error(error)
              retried = true
              auth.recover().then(
                (retry) => {
                  if (closed) return
                  if (retry) attempt()
                  else observer.error(error)
                },
                () => observer.error(error),
              )
            },
          })
        }
        attempt()
        return () => {
          closed = true
          subscription?.unsubscribe()
        }
      })
}
