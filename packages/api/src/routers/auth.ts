/**
 * @module `auth`: GitHub sign-in, sessions (access JWT + rotating refresh token) and the caller's
 * API keys (API.md "auth").
 */
import { findUserById, type UserRow } from '@nbl/db'
import { z } from 'zod'
import type { Context } from '../context.js'
import type { AppDeps } from '../deps.js'
import { AppError, fail, toTRPCError } from '../errors.js'
import { recordAudit } from '../services/auth/audit.js'
import {
  completeGithubSignIn,
  createGithubAuthorizationUrl,
  GITHUB_CALLBACK_PATH,
  resolveRedirectTarget,
} from '../services/auth/github-oauth.js'
import { clearSessionCookies } from '../services/auth/session-cookies.js'
import {
  issueSession,
  revokeSession,
  revokeSessionByRefreshToken,
  rotateSession,
  type SessionTokens,
} from '../services/auth/sessions.js'
import { clientIpOf } from '../services/rate-limit/enforce.js'
import { authedProcedure, publicProcedure, router } from '../trpc.js'
import { authApiKeysRouter } from './auth-api-keys.js'

export interface AccountUser {
  id: string
  name: string
  login: string | null
  email: string | null
  avatarUrl: string | null
  role: UserRow['role']
  tier: UserRow['tier']
}

export function userRowToAccountUser(row: UserRow): AccountUser {
  return {
    id: row.id,
    name: row.name,
    login: row.login,
    email: row.email,
    avatarUrl: row.avatar_url,
    role: row.role,
    tier: row.tier,
  }
}

function githubConfigOf(deps: AppDeps) {
  const github = deps.config.github
  if (!github) throw new AppError('NOT_FOUND', 'GitHub sign-in is not configured')
  return github
}

function sessionSecretOf(deps: AppDeps): string {
  const secret = deps.config.sessionSecret
  if (!secret) throw new AppError('NOT_FOUND', 'Sessions are not configured')
  return secret
}

/** Origins the browser may land on after login: configured, else the server's own. */
export function allowedRedirectOrigins(deps: AppDeps, ownOrigin: string): string[] {
  const configured = deps.config.authRedirectOrigins ?? []
  return configured.length > 0 ? configured : [ownOrigin]
}

/** The OAuth callback is always the server's browser route, so both flows share one redirect URI. */
export const githubRedirectUri = (origin: string) => `${origin}${GITHUB_CALLBACK_PATH}`

/**
 * Finishes a GitHub sign-in: user created or updated, a new session issued, the login audited.
 * Shared by `auth.callback` and `GET /auth/github/callback`.
 */
export async function githubCallbackCore(
  input: { code: string; state: string },
  context: { deps: AppDeps; origin: string; ip: string | null },
): Promise<SessionTokens & { user: AccountUser; redirectTo: string | null }> {
  const { deps } = context
  const github = githubConfigOf(deps)
  const secret = sessionSecretOf(deps)
  const { user, redirectTo } = await completeGithubSignIn(deps.db, {
    github,
    redirectUri: githubRedirectUri(context.origin),
    code: input.code,
    state: input.state,
  })
  const tokens = await issueSession(deps.db, secret, user.id)
  await recordAudit(deps.db, {
    actorId: user.id,
    action: 'auth.login',
    targetType: 'user',
    targetId: user.id,
    ip: context.ip,
    details: { provider: 'github', login: user.login },
  })
  return { ...tokens, user: userRowToAccountUser(user), redirectTo }
}

const ipOf = (ctx: Context) => clientIpOf(ctx) ?? null
const opaque = z.string().min(1).max(512)

export const authRouter = router({
  me: authedProcedure.query(async ({ ctx }) => {
    const row = await findUserById(ctx.deps.db, ctx.user.id)
    if (!row) fail('UNAUTHENTICATED', 'Unknown user')
    return {
      ...userRowToAccountUser(row),
      authMethod: ctx.user.sessionId ? ('session' as const) : ('apiKey' as const),
    }
  }),

  loginUrl: publicProcedure
    .input(z.strictObject({ redirectTo: z.string().min(1).max(2048).optional() }).optional())
    .query(async ({ input, ctx }) => {
      const github = githubConfigOf(ctx.deps)
      const redirectTo = resolveRedirectTarget(
        input?.redirectTo,
        allowedRedirectOrigins(ctx.deps, ctx.origin),
        ctx.origin,
      )
      if (redirectTo === undefined) {
        fail('VALIDATION', 'redirectTo is not an allowed origin', {
          fieldErrors: { redirectTo: ['not an allowed origin'] },
        })
      }
      const url = await createGithubAuthorizationUrl(ctx.deps.db, {
        github,
        redirectUri: githubRedirectUri(ctx.origin),
        redirectTo,
      })
      return { url: url.href }
    }),

  callback: publicProcedure
    .input(z.strictObject({ code: opaque, state: opaque }))
    .mutation(async ({ input, ctx }) => {
      const { redirectTo: _redirectTo, ...result } = await githubCallbackCore(input, {
        deps: ctx.deps,
        origin: ctx.origin,
        ip: ipOf(ctx),
      })
      return result
    }),

  refresh: publicProcedure
    .input(z.strictObject({ refreshToken: opaque }))
    .mutation(async ({ input, ctx }) => {
      const secret = sessionSecretOf(ctx.deps)
      try {
        return await rotateSession(ctx.deps.db, secret, input.refreshToken, ({ userId, familyId }) =>
          recordAudit(ctx.deps.db, {
            actorId: userId,
            action: 'auth.refreshReuse',
            targetType: 'session',
            targetId: familyId,
            ip: ipOf(ctx),
          }),
        )
      } catch (error) {
        if (error instanceof AppError) throw toTRPCError(error)
        throw error
      }
    }),

  /**
   * Ends the session of the given refresh token (else the browser's refresh cookie, CSRF-checked)
   * and, for a JWT caller, the current one; a browser's session cookies are cleared.
   */
  logout: publicProcedure
    .input(z.strictObject({ refreshToken: opaque.optional() }).optional())
    .mutation(async ({ input, ctx }) => {
      const refreshToken = input?.refreshToken ?? ctx.sessionCookies.refreshToken
      const ended = refreshToken ? await revokeSessionByRefreshToken(ctx.deps.db, refreshToken) : undefined
      for (const cookie of clearSessionCookies()) ctx.responseHeaders?.append('set-cookie', cookie)
      if (ctx.user?.sessionId) await revokeSession(ctx.deps.db, ctx.user.sessionId)
      const actorId = ctx.user?.id ?? ended?.userId ?? null
      const familyId = ctx.user?.sessionId ?? ended?.familyId
      if (actorId && familyId) {
        await recordAudit(ctx.deps.db, {
          actorId,
          action: 'auth.logout',
          targetType: 'session',
          targetId: familyId,
          ip: ipOf(ctx),
        })
      }
      return { ok: true as const }
    }),

  apiKeys: authApiKeysRouter,
})
