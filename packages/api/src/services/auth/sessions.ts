/**
 * @module Sessions: a short-lived HS256 access JWT plus an opaque refresh token that rotates on every
 * use. Presenting a refresh token that was already rotated revokes its whole family.
 */
import { createHash, hkdfSync, randomBytes } from 'node:crypto'
import {
  createId,
  type Executor,
  findRefreshTokenByHash,
  findUserById,
  insertRefreshToken,
  isRefreshTokenFamilyActive,
  markRefreshTokenUsed,
  revokeRefreshTokenFamily,
} from '@nbl/db'
import { lazyModule } from '@nbl/providers'
import { AppError } from '../../errors.js'
import type { AuthUser } from './api-keys.js'

export const JWT_ALGORITHM = 'HS256'
export const JWT_ISSUER = 'nano-banana-lab'
export const JWT_AUDIENCE = 'nano-banana-lab:api'
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 86_400
export const REFRESH_TOKEN_PREFIX = 'nblr_'

const keyCache = new Map<string, Uint8Array>()

/**
 * The HS256 key: HKDF-SHA256 of the server secret with a purpose label, so the signing key differs
 * from every other use of SECRET_KEY (signed file URLs).
 */
export function deriveSessionKey(secret: string): Uint8Array {
  let key = keyCache.get(secret)
  if (!key) {
    key = new Uint8Array(hkdfSync('sha256', secret, 'nbl-session', 'nbl jwt hs256 v1', 32))
    keyCache.set(secret, key)
  }
  return key
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export interface SessionTokens {
  accessToken: string
  refreshToken: string
  /** Seconds until the access token expires. */
  expiresIn: number
}

/** jose, loaded by the first token signed or verified: API keys never need it (about 1 MiB of heap). */
const jose = lazyModule(() => import('jose'))

const unauthenticated = (message: string) => new AppError('UNAUTHENTICATED', message)

async function signAccessToken(secret: string, userId: string, familyId: string): Promise<string> {
  const { SignJWT } = await jose.load()
  return new SignJWT({ sid: familyId })
    .setProtectedHeader({ alg: JWT_ALGORITHM, typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(deriveSessionKey(secret))
}

async function insertToken(db: Executor, userId: string, familyId: string, now: Date): Promise<string> {
  const token = `${REFRESH_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
  await insertRefreshToken(db, {
    id: createId('rft'),
    user_id: userId,
    family_id: familyId,
    token_hash: hashRefreshToken(token),
    expires_at: new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000),
  })
  return token
}

/** Starts a new session (a new refresh-token family) for the user. */
export async function issueSession(db: Executor, secret: string, userId: string): Promise<SessionTokens> {
  const familyId = createId('ses')
  const refreshToken = await insertToken(db, userId, familyId, new Date())
  return {
    accessToken: await signAccessToken(secret, userId, familyId),
    refreshToken,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
  }
}

/**
 * Rotates a refresh token: the presented one is marked used and a new one of the same family is
 * returned. A used (or raced) token revokes the family.
 * @throws {AppError} UNAUTHENTICATED for unknown, expired, revoked or reused tokens.
 */
export async function rotateSession(
  db: Executor,
  secret: string,
  refreshToken: string,
  onReuse?: (info: { userId: string; familyId: string }) => Promise<void>,
): Promise<SessionTokens> {
  const now = new Date()
  const tokenHash = hashRefreshToken(refreshToken)
  const current = await markRefreshTokenUsed(db, tokenHash, now)
  if (!current) {
    const known = await findRefreshTokenByHash(db, tokenHash)
    if (known?.used_at && !known.revoked_at) {
      // Someone holds a copy of a rotated token: end the session for both holders.
      await revokeRefreshTokenFamily(db, known.family_id, now)
      await onReuse?.({ userId: known.user_id, familyId: known.family_id })
    }
    throw unauthenticated('Invalid, expired, revoked or reused refresh token')
  }
  const next = await insertToken(db, current.user_id, current.family_id, now)
  return {
    accessToken: await signAccessToken(secret, current.user_id, current.family_id),
    refreshToken: next,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
  }
}

/** Revokes the family of this refresh token; returns its id and user, or `undefined` when unknown. */
export async function revokeSessionByRefreshToken(
  db: Executor,
  refreshToken: string,
): Promise<{ familyId: string; userId: string } | undefined> {
  const known = await findRefreshTokenByHash(db, hashRefreshToken(refreshToken))
  if (!known) return undefined
  await revokeRefreshTokenFamily(db, known.family_id, new Date())
  return { familyId: known.family_id, userId: known.user_id }
}

export async function revokeSession(db: Executor, familyId: string): Promise<void> {
  await revokeRefreshTokenFamily(db, familyId, new Date())
}

/** Whether the credential has the shape of a compact JWS (three dot-separated base64url parts). */
export function looksLikeJwt(credential: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(credential)
}

/**
 * Verifies an access token: HS256 only (`alg: none` and every other algorithm are refused), issuer,
 * audience and expiry checked, and the session not logged out. `undefined` for any failure.
 */
export async function verifyAccessToken(
  db: Executor,
  secret: string,
  token: string,
): Promise<AuthUser | undefined> {
  if (token.length > 4096) return undefined
  let payload: { sub?: string; sid?: unknown }
  const { errors: joseErrors, jwtVerify } = await jose.load()
  try {
    ;({ payload } = await jwtVerify(token, deriveSessionKey(secret), {
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      requiredClaims: ['sub', 'exp', 'iat'],
    }))
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return undefined
    throw error
  }
  if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return undefined
  // Logout and reuse detection revoke the family: its access tokens stop at once, not in 15 min.
  if (!(await isRefreshTokenFamilyActive(db, payload.sid))) return undefined
  const user = await findUserById(db, payload.sub)
  if (!user) return undefined
  return {
    id: user.id,
    name: user.name,
    role: user.role,
    tier: user.tier,
    apiKeyId: null,
    sessionId: payload.sid,
  }
}
