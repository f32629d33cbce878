import { EventEmitter } from 'node:events'
import type { ClientRequest, IncomingMessage } from 'node:http'
import type { RequestOptions } from 'node:https'
import { Readable } from 'node:stream'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../../test/errors.js'
import { createHarness, type Harness } from '../../../test/harness.js'
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

describe('SSRF acceptance', () => {
  /** Public for the public-looking host, private for the internal names it may redirect to. */
  const splitHorizonLookup: LookupAllFunction = async (hostname) => {
    const table: Record<string, string> = {
      'images.example': '93.184.215.14',
      'internal.example': '10.0.0.5',
      'metadata.example': '169.254.169.254',
      'loopback.example': '127.0.0.1',
      'v6loopback.example': '::1',
    }
    const address = table[hostname]
    if (!address) throw new Error(`ENOTFOUND ${hostname}`)
    return [{ address, family: address.includes(':') ? 6 : 4 }]
  }

  it.each([
    'https://127.0.0.1/a.png',
    'https://10.1.2.3/a.png',
    'https://169.254.169.254/latest/meta-data/',
    'https://[::1]/a.png',
    'https://[::ffff:127.0.0.1]/a.png',
    'https://internal.example/a.png',
    'https://metadata.example/a.png',
    'https://v6loopback.example/a.png',
  ])('refuses %s without connecting', async (url) => {
    const { request, calls } = scriptedRequest([
      { status: 200, headers: { 'content-type': 'image/png' }, body: PNG },
    ])
    await refusal(
      fetchPublicImage(url, {
        maxBytes: 1024,
        field: 'referenceImages.0',
        request,
        lookup: splitHorizonLookup,
      }),
    )
    expect(calls).toHaveLength(0)
  })

  it.each([
    'https://internal.example/secret.png',
    'https://10.0.0.7/secret.png',
    'https://169.254.169.254/latest/meta-data/iam',
    'https://[::1]/secret.png',
    'https://loopback.example/secret.png',
    'http://images.example/downgraded.png',
  ])('refuses a public host redirecting to %s before any byte is fetched from it', async (target) => {
    const { request, calls } = scriptedRequest([
      { status: 302, headers: { location: target } },
      { status: 200, headers: { 'content-type': 'image/png' }, body: PNG },
    ])
    await refusal(
      fetchPublicImage('https://images.example/a.png', {
        maxBytes: 1024,
        field: 'referenceImages.0',
        request,
        lookup: splitHorizonLookup,
      }),
    )
    // Only the public host was ever connected to.
    expect(calls.map((call) => new URL(call.url).hostname)).toEqual(['images.example'])
  })

  describe('through generate.image referenceImages', () => {
    let harness: Harness
    const scripted = { responses: [] as FakeResponse[], calls: [] as Array<{ url: string }> }

    beforeAll(async () => {
      const { request, calls } = scriptedRequest(scripted.responses)
      scripted.calls = calls
      harness = await createHarness({
        free: { cooldownSeconds: 0 },
        remoteImages: { lookup: splitHorizonLookup, request },
      })
    })
    afterAll(() => harness.close())

    it.each([
      'https://127.0.0.1/a.png',
      'https://10.0.0.1/a.png',
      'https://169.254.169.254/latest/meta-data/',
      'https://[::1]/a.png',
    ])('refuses %s with VALIDATION, without connecting or charging', async (url) => {
      const { caller } = await harness.createUser()
      scripted.calls.length = 0
      const error = await expectAppError(
        caller.generate.image({ prompt: 'ssrf', referenceImages: [{ url }] }),
      )
      expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
      expect(scripted.calls).toHaveLength(0)
      expect((await caller.quota.status()).used).toBe(0)
    })

    it('refuses a public host that redirects to a private one, never connecting to it', async () => {
      const { caller } = await harness.createUser()
      scripted.calls.length = 0
      scripted.responses.push(
        { status: 302, headers: { location: 'https://internal.example/secret.png' } },
        { status: 200, headers: { 'content-type': 'image/png' }, body: PNG },
      )
      const error = await expectAppError(
        caller.generate.image({ prompt: 'ssrf', referenceImages: [{ url: 'https://images.example/a.png' }] }),
      )
      expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
      expect(error.message).toContain('public address')
      expect(scripted.calls.map((call) => new URL(call.url).hostname)).toEqual(['images.example'])
      scripted.responses.length = 0
    })

    it('still uses a public image reached through the same seams', async () => {
      const { caller } = await harness.createUser()
      const png = await sharp({
        create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 10, b: 10 } },
      })
        .png()
        .toBuffer()
      scripted.responses.push({ status: 200, headers: { 'content-type': 'image/png' }, body: png })
      const result = await caller.generate.image({
        prompt: 'edit',
        referenceImages: [{ url: 'https://images.example/ok.png' }],
      })
      expect(result.images).toHaveLength(1)
    })
  })
})
