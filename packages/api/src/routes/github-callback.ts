/**
 * @module `GET /auth/github/callback`: the browser lands here from GitHub. The tokens go into
 * httpOnly cookies and the browser is redirected to an allowed origin with no token in the URL.
 *
 * Why cookies rather than a page that posts the tokens to `window.opener`: an httpOnly cookie is
 * never readable by page scripts (an XSS cannot lift it), never appears in a URL, history or
 * Referer, and needs no popup or `targetOrigin` bookkeeping. SameSite=Lax keeps it off cross-site
 * subrequests; Secure is set whenever the server's origin is https.
 */
import type { Context, Handler } from 'hono'
import { setCookie } from 'hono/cookie'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { AppDeps } from '../deps.js'
import { AppError } from '../errors.js'
import { allowedRedirectOrigins, githubCallbackCore } from '../routers/auth.js'
import { resolveRedirectTarget } from '../services/auth/github-oauth.js'
import { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS } from '../services/auth/sessions.js'

export const ACCESS_TOKEN_COOKIE = 'nbl_access_token'
export const REFRESH_TOKEN_COOKIE = 'nbl_refresh_token'

const STATUS_BY_APP_CODE: Partial<Record<AppError['appCode'], ContentfulStatusCode>> = {
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  VALIDATION: 400,
}

function refuse(c: Context, appCode: AppError['appCode'], message: string) {
  const status = STATUS_BY_APP_CODE[appCode] ?? 400
  c.header('cache-control', 'no-store')
  return c.json({ error: { code: status, appCode, message, requestId: c.get('requestId') } }, status)
}

export function githubCallbackRoute(deps: AppDeps, clientIp: (c: Context) => string): Handler {
  return async function githubCallback(c) {
    const origin = deps.config.publicUrl ?? new URL(c.req.url).origin
    if (c.req.query('error')) return refuse(c, 'UNAUTHENTICATED', 'GitHub sign-in was not completed')
    const code = c.req.query('code')
    const state = c.req.query('state')
    if (!code || !state || code.length > 512 || state.length > 512) {
      return refuse(c, 'VALIDATION', 'code and state are required')
    }
    let result: Awaited<ReturnType<typeof githubCallbackCore>>
    try {
      result = await githubCallbackCore({ code, state }, { deps, origin, ip: clientIp(c) })
    } catch (error) {
      if (error instanceof AppError) return refuse(c, error.appCode, error.message)
      throw error
    }
    // Checked again here: the allowed origins may have changed since the state was stored.
    const target = resolveRedirectTarget(
      result.redirectTo ?? undefined,
      allowedRedirectOrigins(deps, origin),
      origin,
    )
    if (target === undefined) return refuse(c, 'VALIDATION', 'redirect target is not an allowed origin')
    const secure = origin.startsWith('https:')
    setCookie(c, ACCESS_TOKEN_COOKIE, result.accessToken, {
      httpOnly: true,
      secure,
      sameSite: 'Lax',
      path: '/',
      maxAge: ACCESS_TOKEN_TTL_SECONDS,
    })
    setCookie(c, REFRESH_TOKEN_COOKIE, result.refreshToken, {
      httpOnly: true,
      secure,
      sameSite: 'Lax',
      // Only the refresh call needs it.
      path: '/trpc',
      maxAge: REFRESH_TOKEN_TTL_SECONDS,
    })
    c.header('cache-control', 'no-store')
    c.header('referrer-policy', 'no-referrer')
    return c.redirect(target, 303)
  }
}
