/** @module Media downloads, whole and streamed, against a loopback server. */
import { createHash } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProviderError } from '../types.js'
import { downloadMedia, type MediaDownloadOptions, openMedia } from './download.js'
import { createFastFetch } from './fast-fetch.js'

const MIB = 1024 * 1024
const clip = new Uint8Array(3 * MIB + 17).map((_, index) => (index * 7919) % 256)
let server: Server
let baseUrl: string
const seenHeaders: IncomingHttpHeaders[] = []

beforeAll(async () => {
  server = createServer((request, response) => {
    seenHeaders.push(request.headers)
    if (request.url === '/clip.mp4') {
      // Chunked (no Content-Length), in pieces, as a CDN streams a large file.
      response.writeHead(200, { 'content-type': 'video/mp4; codecs="avc1"' })
      let offset = 0
      const next = () => {
        if (offset >= clip.byteLength) return response.end()
        response.write(clip.subarray(offset, offset + 256 * 1024), next)
        offset += 256 * 1024
      }
      return next()
    }
    if (request.url === '/announced-large.mp4') {
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(10 * MIB) })
      return response.end()
    }
    response.writeHead(404).end('gone')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const options = (overrides: Partial<MediaDownloadOptions> = {}): MediaDownloadOptions => ({
  provider: 'runway',
  fetch: globalThis.fetch,
  baseUrl,
  what: 'output',
  credentials: () => ({ authorization: 'Bearer secret' }),
  ...overrides,
})

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  if (!ProviderError.isInstance(error)) throw new Error(`expected a ProviderError, got ${String(error)}`)
  return error
}

describe('openMedia', () => {
  it('streams the body as it arrives, with the content type and credentials for the own origin', async () => {
    const opened = await openMedia(`${baseUrl}/clip.mp4`, options())
    expect(opened.contentType).toBe('video/mp4')
    let chunks = 0
    const parts: Uint8Array[] = []
    for await (const chunk of opened.body) {
      chunks++
      parts.push(chunk)
    }
    expect(chunks).toBeGreaterThan(1)
    expect(sha256(Buffer.concat(parts))).toBe(sha256(clip))
    expect(seenHeaders.at(-1)?.authorization).toBe('Bearer secret')
  })

  it('works through the adapters’ fast fetch too', async () => {
    const opened = await openMedia(`${baseUrl}/clip.mp4`, options({ fetch: createFastFetch() }))
    const bytes = new Uint8Array(await new Response(opened.body).arrayBuffer())
    expect(sha256(bytes)).toBe(sha256(clip))
  })

  it('errors the stream with task_failed once the body passes the cap', async () => {
    const opened = await openMedia(`${baseUrl}/clip.mp4`, options({ maxBytes: MIB }))
    const error = await rejection(new Response(opened.body).arrayBuffer())
    expect(error).toMatchObject({ errorClass: 'task_failed', provider: 'runway' })
    expect(error.message).toMatch(/larger than 1048576 bytes/)
  })

  it('refuses an announced size over the cap before reading', async () => {
    const error = await rejection(openMedia(`${baseUrl}/announced-large.mp4`, options({ maxBytes: MIB })))
    expect(error.errorClass).toBe('task_failed')
  })

  it('says task_failed for an expired URL and refuses plain http elsewhere', async () => {
    expect((await rejection(openMedia(`${baseUrl}/expired.mp4`, options()))).errorClass).toBe('task_failed')
    const foreign = await rejection(
      openMedia(`${baseUrl}/clip.mp4`, options({ baseUrl: 'https://api.example.com' })),
    )
    expect(foreign.message).toMatch(/refusing a non-HTTPS output URL/)
  })

  it('matches downloadMedia byte for byte', async () => {
    const whole = await downloadMedia(`${baseUrl}/clip.mp4`, options())
    expect(whole.contentType).toBe('video/mp4')
    expect(sha256(whole.data)).toBe(sha256(clip))
  })
})
