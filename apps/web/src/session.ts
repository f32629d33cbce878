/**
 * @module How the playground signs in: an API key kept in sessionStorage (gone with the tab), or
 * the httpOnly session cookie the server's GitHub callback sets (never readable here).
 */
import { createClient, type NanoBananaClient } from '@nbl/sdk'

export type Session = { kind: 'apiKey'; apiKey: string } | { kind: 'cookie' }

const API_KEY_ITEM = 'nbl.apiKey'

export function storedSession(): Session | null {
  const apiKey = sessionStorage.getItem(API_KEY_ITEM)
  return apiKey ? { kind: 'apiKey', apiKey } : null
}

export function storeApiKey(apiKey: string): void {
  sessionStorage.setItem(API_KEY_ITEM, apiKey)
}

export function forgetApiKey(): void {
  sessionStorage.removeItem(API_KEY_ITEM)
}

/** The server this page came from: production serves it at /app, Vite proxies /trpc in development. */
const serverUrl = () => window.location.origin

/** Sends the session cookie along; the server accepts it only from its own pages (CSRF check). */
const includeCookies: typeof fetch = (input, init) => fetch(input, { ...init, credentials: 'include' })

export function clientFor(session: Session | null): NanoBananaClient {
  if (session?.kind === 'apiKey') return createClient({ url: serverUrl(), apiKey: session.apiKey })
  return createClient({ url: serverUrl(), fetch: includeCookies })
}
