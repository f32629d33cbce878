/**
 * @module GitHub sign-in: authorization code + PKCE (S256) through arctic's generic OAuth2Client,
 * whose endpoints we choose. arctic's `GitHub` class fixes github.com and sends no PKCE, so it
 * cannot serve GitHub Enterprise Server or the tests' fake GitHub.
 */
import { createHash } from 'node:crypto'
import {
  consumeOAuthState,
  createId,
  type Executor,
  insertOAuthState,
  type UserRow,
  upsertGithubUser,
} from '@nbl/db'
import { lazyModule } from '@nbl/providers'
import type { OAuth2Client } from 'arctic'
import { z } from 'zod'
import type { GithubOAuthConfig } from '../../deps.js'
import { AppError } from '../../errors.js'

export const GITHUB_CALLBACK_PATH = '/auth/github/callback'
/** How long a user has to finish signing in at GitHub. */
export const OAUTH_STATE_TTL_MS = 10 * 60_000
const SCOPES = ['read:user', 'user:email']

const trimSlashes = (url: string) => url.replace(/\/+$/, '')
const hashState = (state: string) => createHash('sha256').update(state).digest('hex')

/** arctic, loaded by the first sign-in: a server without GitHub sign-in never needs it. */
const arctic = lazyModule(() => import('arctic'))

async function clientFor(github: GithubOAuthConfig, redirectUri: string): Promise<OAuth2Client> {
  const { OAuth2Client: Client } = await arctic.load()
  return new Client(github.clientId, github.clientSecret, redirectUri)
}

/**
 * Where the browser may go after login: an absolute URL or a path, whose origin is one of the
 * allowed origins. `undefined` means refused (an open redirect otherwise).
 */
export function resolveRedirectTarget(
  redirectTo: string | undefined,
  allowedOrigins: readonly string[],
  ownOrigin: string,
): string | undefined {
  const allowed = new Set(allowedOrigins.map((origin) => new URL(origin).origin))
  if (redirectTo === undefined) {
    const fallback = allowed.has(new URL(ownOrigin).origin) ? ownOrigin : allowedOrigins[0]
    return fallback === undefined ? undefined : new URL('/', fallback).href
  }
  // Browsers read `\` as `/` and strip tabs/newlines: `/\evil.example` would leave the origin.
  if (/[\\\s]/.test(redirectTo) || redirectTo.startsWith('//')) return undefined
  let url: URL
  try {
    url = new URL(redirectTo, ownOrigin)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  if (url.username || url.password) return undefined
  return allowed.has(url.origin) ? url.href : undefined
}

/** Stores the state (hashed) with its PKCE verifier and redirect target; returns GitHub's URL. */
export async function createGithubAuthorizationUrl(
  db: Executor,
  options: { github: GithubOAuthConfig; redirectUri: string; redirectTo: string | null },
): Promise<URL> {
  const { CodeChallengeMethod, generateCodeVerifier, generateState } = await arctic.load()
  const state = generateState()
  const codeVerifier = generateCodeVerifier()
  await insertOAuthState(db, {
    state_hash: hashState(state),
    provider: 'github',
    code_verifier: codeVerifier,
    redirect_to: options.redirectTo,
    expires_at: new Date(Date.now() + OAUTH_STATE_TTL_MS),
  })
  return (await clientFor(options.github, options.redirectUri)).createAuthorizationURLWithPKCE(
    `${trimSlashes(options.github.oauthBaseUrl)}/login/oauth/authorize`,
    state,
    CodeChallengeMethod.S256,
    codeVerifier,
    SCOPES,
  )
}

const githubUserSchema = z.object({
  id: z.number().int(),
  login: z.string().min(1),
  name: z.string().nullish(),
  email: z.string().nullish(),
  avatar_url: z.string().nullish(),
})
const githubEmailsSchema = z.array(
  z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }),
)

async function githubGet(github: GithubOAuthConfig, accessToken: string, path: string): Promise<unknown> {
  const response = await fetch(`${trimSlashes(github.apiBaseUrl)}${path}`, {
    headers: {
      authorization: `Bearer ${accessToken}`,
      accept: 'application/vnd.github+json',
      'user-agent': 'nano-banana-lab',
    },
    signal: AbortSignal.timeout(10_000),
  })
  if (!response.ok) throw new Error(`GitHub ${path} answered ${response.status}`)
  return response.json()
}

const signInFailed = (cause?: unknown) =>
  new AppError('UNAUTHENTICATED', 'GitHub sign-in failed', {}, cause === undefined ? undefined : { cause })

/**
 * Consumes the state (single use, even when the exchange then fails), exchanges the code with its
 * PKCE verifier, reads the profile and creates or updates the user.
 * @throws {AppError} UNAUTHENTICATED for a wrong, expired or replayed state or a failed exchange.
 */
export async function completeGithubSignIn(
  db: Executor,
  options: { github: GithubOAuthConfig; redirectUri: string; code: string; state: string },
): Promise<{ user: UserRow; redirectTo: string | null }> {
  const stored = await consumeOAuthState(db, hashState(options.state))
  if (stored?.provider !== 'github') {
    throw new AppError('UNAUTHENTICATED', 'Invalid, expired or already used OAuth state')
  }
  let profile: z.infer<typeof githubUserSchema>
  let email: string | null
  try {
    const tokens = await (await clientFor(options.github, options.redirectUri)).validateAuthorizationCode(
      `${trimSlashes(options.github.oauthBaseUrl)}/login/oauth/access_token`,
      options.code,
      stored.code_verifier,
    )
    const accessToken = tokens.accessToken()
    profile = githubUserSchema.parse(await githubGet(options.github, accessToken, '/user'))
    email = profile.email ?? null
    if (!email) {
      const emails = githubEmailsSchema.parse(await githubGet(options.github, accessToken, '/user/emails'))
      email = emails.find((entry) => entry.primary && entry.verified)?.email ?? null
    }
  } catch (error) {
    throw signInFailed(error)
  }
  const user = await upsertGithubUser(db, {
    id: createId('usr'),
    githubId: String(profile.id),
    login: profile.login,
    name: profile.name || profile.login,
    email,
    avatarUrl: profile.avatar_url ?? null,
  })
  return { user, redirectTo: stored.redirect_to }
}
