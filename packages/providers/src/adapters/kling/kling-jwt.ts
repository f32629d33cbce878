/**
 * @module Kling's bearer token (providers.md §5.1): a JWT signed HS256 with the secret key, header
 * `{alg: "HS256", typ: "JWT"}`, claims `{iss: accessKey, exp: now + 1800, nbf: now - 5}`; cached and reused
 * until a minute before it expires.
 */
import { lazyModule } from '../../lazy-module.js'
import { KLING_TOKEN_RENEW_BEFORE_SECONDS, KLING_TOKEN_TTL_SECONDS } from './kling-options.js'

/** jose, loaded by the first token signed: a server without Kling never needs it. */
const jose = lazyModule(() => import('jose'))

export interface KlingTokenSourceOptions {
  accessKey: string
  secretKey: string
  /** Clock in ms since the epoch. Defaults to `Date.now`. */
  now?: () => number
}

export interface KlingTokenSource {
  /** The cached token, or a new one when it is within a minute of expiring. */
  token(): Promise<string>
  /** Signs a new token now (after Kling answered 1004 "expired"), replacing the cached one. */
  renew(): Promise<string>
}

/**
 * Creates a token source for one access/secret key pair.
 * @example
 * const tokens = createKlingTokenSource({ accessKey: 'AK', secretKey: 'SK' })
 * const headers = { authorization: `Bearer ${await tokens.token()}` }
 */
export function createKlingTokenSource(options: KlingTokenSourceOptions): KlingTokenSource {
  const { accessKey, now = Date.now } = options
  const key = new TextEncoder().encode(options.secretKey)
  let cached: { token: string; expiresAt: number } | undefined

  async function renew(): Promise<string> {
    const issuedAt = Math.floor(now() / 1000)
    const expiresAt = issuedAt + KLING_TOKEN_TTL_SECONDS
    const { SignJWT } = await jose.load()
    const token = await new SignJWT({ iss: accessKey, exp: expiresAt, nbf: issuedAt - 5 })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(key)
    cached = { token, expiresAt }
    return token
  }

  return {
    async token() {
      const current = Math.floor(now() / 1000)
      if (cached && current < cached.expiresAt - KLING_TOKEN_RENEW_BEFORE_SECONDS) return cached.token
      return renew()
    },
    renew,
  }
}
