import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFastFetch } from './fast-fetch.js'

let server: Server
let base: string

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      if (req.url === '/empty') {
        res.writeHead(204).end()
        return
      }
      if (req.url === '/slow') return
      res.writeHead(req.url === '/fail' ? 503 : 200, {
        'content-type': 'application/json',
        'retry-after': '2',
      })
      res.end(JSON.stringify({ method: req.method, header: req.headers['x-test'], body }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

describe('createFastFetch', () => {
  const fastFetch = createFastFetch()

  it('sends method, headers and body, and returns status, headers and JSON', async () => {
    const response = await fastFetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'x-test': 'yes' },
      body: '{"a":1}',
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toEqual({ method: 'POST', header: 'yes', body: '{"a":1}' })
  })

  it('passes error statuses and empty bodies through', async () => {
    const failed = await fastFetch(`${base}/fail`)
    expect(failed.status).toBe(503)
    expect(failed.headers.get('retry-after')).toBe('2')
    expect((await fastFetch(`${base}/empty`)).status).toBe(204)
  })

  it('honours an AbortSignal', async () => {
    const error = await fastFetch(`${base}/slow`, { signal: AbortSignal.timeout(50) }).catch(
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(Error)
  })
})

describe("Node's own fetch beside it", () => {
  it('is left on its own dispatcher: a request with its own Content-Length goes through (GitHub sign-in)', async () => {
    // What arctic's token exchange does: a Request with a Content-Length it set itself.
    const body = new TextEncoder().encode('grant_type=authorization_code&code=abc')
    const response = await fetch(
      new Request(`${base}/token`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(body.byteLength),
        },
      }),
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      method: 'POST',
      body: 'grant_type=authorization_code&code=abc',
    })
  })
})
