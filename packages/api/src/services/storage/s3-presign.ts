/**
 * @module Synchronous SigV4 query presigning of S3 GETs. Image and job outputs map rows to URLs in plain
 * (synchronous) mappers on hot paths, and the SDK's presigner is asynchronous; this is the same algorithm
 * (AWS "Authenticating Requests: Using Query Parameters (SigV4)"), checked URL-for-URL against
 * `@aws-sdk/s3-request-presigner` in s3-presign.test.ts.
 */
import { createHash, createHmac } from 'node:crypto'

/** SigV4 refuses longer lifetimes (7 days). */
export const MAX_PRESIGN_SECONDS = 604_800

export interface PresignTarget {
  /** `https://host[:port]` of the endpoint, already including the bucket for virtual-hosted style. */
  origin: string
  /** The object path: `/bucket/key` (path style) or `/key` (virtual-hosted). Unencoded. */
  path: string
  region: string
  accessKeyId: string
  secretAccessKey: string
}

/**
 * A presigned GET URL for `target`, valid `expiresInSeconds` from `now`.
 * @example presignGetUrl({ origin: 'https://acc.r2.cloudflarestorage.com', path: '/bucket/a.png', region: 'auto', … }, 600)
 */
export function presignGetUrl(target: PresignTarget, expiresInSeconds: number, now = Date.now()): string {
  const amzDate = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
  const day = amzDate.slice(0, 8)
  const scope = `${day}/${target.region}/s3/aws4_request`
  const host = new URL(target.origin).host
  const canonicalPath = target.path.split('/').map(encodeRfc3986).join('/')
  // Sorted by name (code point order), as the canonical request requires; the SDK sends the same set.
  const query: [string, string][] = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD'],
    ['X-Amz-Credential', `${target.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(Math.max(1, Math.min(MAX_PRESIGN_SECONDS, Math.floor(expiresInSeconds))))],
    ['X-Amz-SignedHeaders', 'host'],
    ['x-id', 'GetObject'],
  ]
  const canonicalQuery = query
    .map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`)
    .join('&')
  const canonicalRequest = [
    'GET',
    canonicalPath,
    canonicalQuery,
    `host:${host}\n`,
    'host',
    'UNSIGNED-PAYLOAD',
  ].join('\n')
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n')
  const signature = createHmac('sha256', signingKey(target.secretAccessKey, day, target.region))
    .update(stringToSign)
    .digest('hex')
  return `${target.origin}${canonicalPath}?${canonicalQuery}&X-Amz-Signature=${signature}`
}

const signingKeys = new Map<string, Buffer>()

/** The derived key changes once a day per region; cache it rather than run four HMACs per URL. */
function signingKey(secret: string, day: string, region: string): Buffer {
  const cacheKey = `${day}\n${region}\n${secret}`
  let key = signingKeys.get(cacheKey)
  if (!key) {
    const dateKey = createHmac('sha256', `AWS4${secret}`).update(day).digest()
    const regionKey = createHmac('sha256', dateKey).update(region).digest()
    const serviceKey = createHmac('sha256', regionKey).update('s3').digest()
    key = createHmac('sha256', serviceKey).update('aws4_request').digest()
    if (signingKeys.size > 16) signingKeys.clear()
    signingKeys.set(cacheKey, key)
  }
  return key
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** URI-encodes all but the unreserved characters, as SigV4 wants (encodeURIComponent leaves !'()* alone). */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}
