import { EventEmitter } from 'node:events'
import type { ClientRequest, IncomingMessage } from 'node:http'
import type { RequestOptions } from 'node:https'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../errors.js'
import {
  fetchPublicImage,
  isPrivateAddress,
  type LookupAllFunction,
  type RequestFunction,
  resolveRedirect,
} from './remote-image.js'

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

interface FakeResponse {
  status: number
  headers?: Record<string, string>
  body?: Buffer
  /** Fails the body stream with this error instead of ending it. */
  streamError?: Error
}

/** A stand-in for `https.request` that answers each call with the next response, asynchronously like Node. */
function scriptedRequest(responses: FakeResponse[]) {
  const calls: Array<{ url: string; options: RequestOptions }> = []
  const request: RequestFunction = (url, options, callback) => {
    calls.push({ url: url.toString(), options })
    const next = responses.shift()
    const req = Object.assign(new EventEmitter(), { end() {}, destroy() {} })
    setImmediate(() => {
      if (!next) {
        req.emit('error', new Error('no scripted response'))
        return
      }
      const body = new Readable({ read() {} })
      if (next.streamError) {
        const failure = next.streamError
        setImmediate(() => body.destroy(failure))
      } else {
        body.push(next.body ?? null)
        if (next.body) body.push(null)
      }
      callback(
        Object.assign(body, { statusCode: next.status, headers: next.headers ?? {} }) as IncomingMessage,
      )
    })
    return req as unknown as ClientRequest
  }
  return { request, calls }
}

const publicLookup: LookupAllFunction = async () => [{ address: '93.184.215.14', family: 4 }]

async function refusal(promise: Promise<unknown>) {
  const error = await promise.catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(AppError)
  expect((error as AppError).appCode).toBe('VALIDATION')
  return error as AppError
}

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'fec0::1',
    '::127.0.0.1',
    '::7f00:1',
    '2002:7f00:1::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '64:ff9b:1::a00:1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    'not-an-ip',
  ])('blocks %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true)
  })

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8'])(
    'allows %s',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false)
    },
  )
})

describe('fetchPublicImage', () => {
  it.each([
    'http://example.com/a.png',
    'https://127.0.0.1/a.png',
    'https://[::1]/a.png',
    'https://localhost/a.png',
  ])('refuses %s before connecting', async (url) => {
    const error = await fetchPublicImage(url, { maxBytes: 1024, field: 'referenceImages.0' }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).appCode).toBe('VALIDATION')
  })

  it('fetches an image through a redirect, pinning each hop to its checked address', async () => {
    const { request, calls } = scriptedRequest([
      { status: 302, headers: { location: '/moved.png' } },
      { status: 200, headers: { 'content-type': 'image/png' }, body: PNG },
    ])
    const image = await fetchPublicImage('https://images.example/a.png', {
      maxBytes: 1024,
      field: 'referenceImages.0',
      request,
      lookup: publicLookup,
    })
    expect(image).toEqual({ data: PNG, mimeType: 'image/png' })
    expect(calls.map((call) => call.url)).toEqual([
      'https://images.example/a.png',
      'https://images.example/moved.png',
    ])
    const pinned = await new Promise((resolve) =>
      calls[1]!.options.lookup!('images.example', { all: true }, (_error, addresses) => resolve(addresses)),
    )
    expect(pinned).toEqual([{ address: '93.184.215.14', family: 4 }])
  })

  it('refuses a redirect to a private address without following it', async () => {
    const { request, calls } = scriptedRequest([
      { status: 301, headers: { location: 'https://169.254.169.254/latest/meta-data' } },
    ])
    const error = await refusal(
      fetchPublicImage('https://images.example/a.png', {
        maxBytes: 1024,
        field: 'referenceImages.0',
        request,
        lookup: publicLookup,
      }),
    )
    expect(error.message).toContain('public address')
    expect(calls).toHaveLength(1)
  })

  it('refuses an invalid Location instead of throwing outside the promise', async () => {
    const { request } = scriptedRequest([{ status: 302, headers: { location: 'http://[' } }])
    const error = await refusal(
      fetchPublicImage('https://images.example/a.png', {
        maxBytes: 1024,
        field: 'referenceImages.2',
        request,
        lookup: publicLookup,
      }),
    )
    expect(error.details.fieldErrors).toEqual({ 'referenceImages.2.url': ['invalid redirect'] })
  })

  it('turns a failing response stream into a validation error', async () => {
    const { request } = scriptedRequest([
      { status: 200, headers: { 'content-type': 'image/png' }, streamError: new Error('socket hang up') },
    ])
    const error = await refusal(
      fetchPublicImage('https://images.example/a.png', {
        maxBytes: 1024,
        field: 'referenceImages.0',
        request,
        lookup: publicLookup,
      }),
    )
    expect(error.message).toContain('socket hang up')
  })

  it('gives up on a DNS lookup that outlives the timeout', async () => {
    const { request, calls } = scriptedRequest([])
    const started = Date.now()
    const error = await refusal(
      fetchPublicImage('https://slow-dns.example/a.png', {
        maxBytes: 1024,
        field: 'referenceImages.0',
        timeoutMs: 50,
        request,
        lookup: () => new Promise(() => {}),
      }),
    )
    expect(error.message).toContain('cannot resolve slow-dns.example')
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(calls).toEqual([])
  })
})

describe('resolveRedirect', () => {
  it('resolves relative locations and refuses malformed ones', () => {
    const base = new URL('https://images.example/dir/a.png')
    expect(resolveRedirect('b.png', base, 'f').toString()).toBe('https://images.example/dir/b.png')
    expect(() => resolveRedirect('http://[', base, 'f')).toThrow(AppError)
  })
})
