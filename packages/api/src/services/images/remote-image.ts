/**
 * @module Fetches a user-supplied image URL safely: https only, public addresses only (checked on
 * every redirect hop, and the connection is pinned to the checked address against DNS rebinding),
 * with a size cap and a timeout.
 */
import { lookup } from 'node:dns/promises'
import type { ClientRequest, IncomingMessage } from 'node:http'
import { request as httpsRequest, type RequestOptions } from 'node:https'
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
  // IPv4-compatible (deprecated), also covering `::` and `::1`.
  ['::', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  // Teredo and 6to4 tunnel to an embedded IPv4 address, which may be private.
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
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

/** The part of `https.request` we call; tests inject a fake, as no real https server is reachable. */
export type RequestFunction = (
  url: URL,
  options: RequestOptions,
  callback: (response: IncomingMessage) => void,
) => ClientRequest

/** Every address of a hostname, like `dns.lookup(hostname, { all: true })`. */
export type LookupAllFunction = (hostname: string) => Promise<Array<{ address: string; family: number }>>

export interface FetchPublicImageOptions {
  maxBytes: number
  field: string
  signal?: AbortSignal
  /** For the DNS lookups and every request together. Default 10 000. */
  timeoutMs?: number
  /** Default 3. */
  maxRedirects?: number
  /** Default `https.request`. */
  request?: RequestFunction
  /** Default `dns.lookup` with `all: true`. */
  lookup?: LookupAllFunction
}

function refused(field: string, reason: string): AppError {
  return new AppError('VALIDATION', `${field}: ${reason}`, { fieldErrors: { [`${field}.url`]: [reason] } })
}

const lookupAll: LookupAllFunction = (hostname) => lookup(hostname, { all: true })

/** `promise`, or a rejection with `onAbort()` as soon as `signal` aborts (dns.lookup takes no signal). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, onAbort: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(onAbort())
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort())
    signal.addEventListener('abort', abort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}

async function publicAddressOf(
  hostname: string,
  field: string,
  lookupAddresses: LookupAllFunction,
  signal: AbortSignal,
): Promise<{ address: string; family: number }> {
  const host = hostname.replace(/^\[|\]$/g, '')
  const addresses = isIP(host)
    ? [{ address: host, family: isIP(host) }]
    : await untilAborted(
        lookupAddresses(host).catch(() => []),
        signal,
        () => refused(field, `cannot resolve ${hostname} (${reasonOf(signal)})`),
      )
  if (addresses.length === 0) throw refused(field, `cannot resolve ${hostname}`)
  // Every answer must be public: otherwise a host could list a public and a private address.
  if (addresses.some((entry) => isPrivateAddress(entry.address))) {
    throw refused(field, 'the URL must point at a public address')
  }
  return addresses[0] as { address: string; family: number }
}

function reasonOf(signal: AbortSignal): string {
  return signal.reason instanceof Error ? signal.reason.message : 'aborted'
}

/**
 * The next hop of a redirect, resolved against the current URL.
 * @throws {AppError} VALIDATION when the Location header is not a URL.
 */
export function resolveRedirect(location: string, base: URL, field: string): URL {
  try {
    return new URL(location, base)
  } catch {
    throw refused(field, 'invalid redirect')
  }
}

export async function fetchPublicImage(
  rawUrl: string,
  options: FetchPublicImageOptions,
): Promise<ReferenceImage> {
  const { field, maxBytes } = options
  const maxRedirects = options.maxRedirects ?? 3
  const request = options.request ?? httpsRequest
  const signal = AbortSignal.any([
    AbortSignal.timeout(options.timeoutMs ?? 10_000),
    ...(options.signal ? [options.signal] : []),
  ])
  let url = new URL(rawUrl)
  for (let hop = 0; hop <= maxRedirects; hop++) {
    if (url.protocol !== 'https:') throw refused(field, 'only https URLs are fetched')
    const pinned = await publicAddressOf(url.hostname, field, options.lookup ?? lookupAll, signal)
    const pinnedLookup: LookupFunction = (_hostname, _options, callback) => {
      // Node asks with `all: true` for happy-eyeballs; answer in the form it asked for.
      if (typeof _options === 'object' && _options.all) callback(null, [pinned])
      else callback(null, pinned.address, pinned.family)
    }
    const current = url
    const outcome = await new Promise<{ redirect: URL } | ReferenceImage>((resolve, reject) => {
      const req = request(
        current,
        { method: 'GET', lookup: pinnedLookup, signal, headers: { accept: 'image/*' } },
        (res) => {
          // This callback runs outside the executor: anything thrown here would be uncaught.
          res.on('error', (error) => reject(refused(field, `could not fetch the image (${error.message})`)))
          const status = res.statusCode ?? 0
          if (status >= 300 && status < 400 && res.headers.location) {
            res.resume()
            let next: URL
            try {
              next = resolveRedirect(res.headers.location, current, field)
            } catch (error) {
              reject(error)
              return
            }
            resolve({ redirect: next })
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
        },
      )
      req.on('error', (error) => reject(refused(field, `could not fetch the image (${error.message})`)))
      req.end()
    })
    if (!('redirect' in outcome)) return outcome
    url = outcome.redirect
  }
  throw refused(field, 'too many redirects')
}
