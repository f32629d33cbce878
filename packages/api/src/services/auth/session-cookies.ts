/**
 * @module The browser session cookies (set by `GET /auth/github/callback`) as a credential, behind
 * a CSRF check: a cookie rides along on any request the browser makes, so it counts only when the
 * request provably comes from the server's own pages or a listed CORS origin.
 */
import { parse, serialize } from 'hono/utils/cookie'
import { ACCESS_TOKEN_COOKIE, REFRESH_TOKEN_COOKIE } from '../../routes/github-callback.js'
import { normalizeOrigins } from '../security/http-guards.js'

/** The cookie values of a request that passed the CSRF check. */
export interface SessionCookies {
  accessToken: string | null
  refreshToken: string | null
}

const NO_COOKIES: SessionCookies = { accessToken: null, refreshToken: null }

/**
 * True when the browser says the request comes from a page we trust. `Sec-Fetch-Site: same-origin`
 * is the server's own page; a listed CORS origin is trusted cross-site; without `Sec-Fetch-Site`
 * (older browsers) the `Origin` must be the server's own or a listed one. No signal at all (a plain
 * top-level navigation, a form from an old browser) is refused.
 */
export function passesCsrfCheck(
  headers: Headers,
  trusted: { ownOrigin: string; corsOrigins: readonly string[] },
): boolean {
  const site = headers.get('sec-fetch-site')
  const origin = headers.get('origin')
  const listed = origin !== null && normalizeOrigins(trusted.corsOrigins).includes(origin)
  if (site !== null) return site === 'same-origin' || listed
  return origin !== null && (origin === trusted.ownOrigin || listed)
}

/** The session cookies of `request`, or none when it fails the CSRF check. */
export function sessionCookiesOf(
  request: Request,
  trusted: { ownOrigin: string; corsOrigins: readonly string[] },
): SessionCookies {
  const header = request.headers.get('cookie')
  if (!header || !passesCsrfCheck(request.headers, trusted)) return NO_COOKIES
  const cookies = parse(header)
  return {
    accessToken: cookies[ACCESS_TOKEN_COOKIE] || null,
    refreshToken: cookies[REFRESH_TOKEN_COOKIE] || null,
  }
}

/** `Set-Cookie` values that delete both session cookies (same names and paths as when set). */
export function clearSessionCookies(): string[] {
  return [
    serialize(ACCESS_TOKEN_COOKIE, '', { path: '/', maxAge: 0, httpOnly: true, sameSite: 'Lax' }),
    serialize(REFRESH_TOKEN_COOKIE, '', { path: '/trpc', maxAge: 0, httpOnly: true, sameSite: 'Lax' }),
  ]
}
