/**
 * @module Fetches a user-supplied image URL safely: https only, public addresses only (checked on
 * every redirect hop, and the connection is pinned to the checked address against DNS rebinding),
 * with a size cap and a timeout.
 */
import { lookup } from 'node:dns/promises'
import { request } from 'node:https'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import type { ReferenceImage } from '@nbl/providers'
import { AppError } from '../../errors.js'

const blocked = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6')
}

/** True for addresses a server must never fetch on a user's behalf (loopback, private, link-local, metadata…). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return blocked.check(address, 'ipv4')
  if (family !== 6) return true
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4')
  return blocked.check(address, 'ipv6')
}

export interface FetchPublicImageOptions {
  maxBytes: number
  field: string
  signal?: AbortSignal
  timeoutMs?: number
  maxRedirects?: number
}

function refused(field: string, reason: string): AppError {
  return new AppError('VALIDATION', `${field}: ${reason}`, { fieldErrors: { [`${field}.url`]: [reason] } })
}

async function publicAddressOf(
  hostname: string,
  field: string,
): Promise<{ address: string; family: number }> {
  const host = hostname.replace(/^\[|\]$/g, '')
  const addresses = isIP(host)
    ? [{ address: host, family: isIP(host) }]
    : await lookup(host, { all: true }).catch(() => [])
  if (addresses.length === 0) throw refused(field, `cannot resolve ${hostname}`)
  // Every answer must be public: otherwise a host could list a public and a private address.
  if (addresses.some((entry) => isPrivateAddress(entry.address))) {
    throw refused(field, 'the URL must point at a public address')
  }
  return addresses[0] as { address: string; family: number }
}

export async function fetchPublicImage(
  rawUrl: string,
  options: FetchPublicImageOptions,
): Promise<ReferenceImage> {
  const { field, maxBytes } = options
  const maxRedirects = options.maxRedirects ?? 3
  const signal = AbortSignal.any([
    AbortSignal.timeout(options.timeoutMs ?? 10_000),
    ...(options.signal ? [options.signal] : []),
  ])
  let url = new URL(rawUrl)
  for (let hop = 0; hop <= maxRedirects; hop++) {
    if (url.protocol !== 'https:') throw refused(field, 'only https URLs are fetched')
    const pinned = await publicAddressOf(url.hostname, field)
    const pinnedLookup: LookupFunction = (_hostname, _options, callback) => {
      // Node asks with `all: true` for happy-eyeballs; answer in the form it asked for.
      if (typeof _options === 'object' && _options.all) callback(null, [pinned])
      else callback(null, pinned.address, pinned.family)
    }
    const outcome = await new Promise<{ redirect: string } | ReferenceImage>((resolve, reject) => {
      const req = request(
        url,
        { method: 'GET', lookup: pinnedLookup, signal, headers: { accept: 'image/*' } },
        (res) => {
          const status = res.statusCode ?? 0
          if (status >= 300 && status < 400 && res.headers.location) {
            res.resume()
            resolve({ redirect: new URL(res.headers.location, url).toString() })
            return
          }
          const mimeType = (res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
          if (status !== 200 || !/^image\/(png|jpeg|webp)$/.test(mimeType)) {
            res.resume()
            reject(refused(field, `the URL did not return a PNG, JPEG or WebP image (HTTP ${status})`))
            return
          }
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > maxBytes) {
              req.destroy()
              reject(refused(field, 'the image is larger than 10 MB'))
              return
            }
            chunks.push(chunk)
          })
          res.on('end', () => resolve({ data: Buffer.concat(chunks), mimeType }))
          res.on('error', reject)
        },
      )
      req.on('error', (error) => reject(refused(field, `could not fetch the image (${error.message})`)))
      req.end()
    })
    if (!('redirect' in outcome)) return outcome
    url = new URL(outcome.redirect)
  }
  throw refused(field, 'too many redirects')
}
