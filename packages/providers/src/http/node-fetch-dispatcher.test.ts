import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent, type Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from 'undici'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { repairNodeFetchDispatcher } from './node-fetch-dispatcher.js'

let server: Server
let url: string
const seen: { headers: IncomingHttpHeaders; bytes: number }[] = []

beforeAll(async () => {
  server = createServer((request, response) => {
    let bytes = 0
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length
    })
    request.on('end', () => {
      seen.push({ headers: request.headers, bytes })
      response.end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

let previous: Dispatcher | undefined
afterEach(() => {
  if (previous) setGlobalDispatcher(previous)
  previous = undefined
})

/** What arctic's token exchange does: a Request with its own Content-Length, through the global fetch. */
const postWithOwnContentLength = () => {
  const body = new TextEncoder().encode('grant_type=authorization_code&code=abc')
  return fetch(
    new Request(url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(body.byteLength),
      },
    }),
  )
}

describe("Node's fetch through undici 7's Agent", () => {
  it('refuses a request with its own Content-Length without the repair (what broke GitHub sign-in)', async () => {
    previous = getGlobalDispatcher()
    setGlobalDispatcher(new Agent())
    const failure = await postWithOwnContentLength().catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(TypeError)
    expect(String((failure as { cause?: unknown }).cause)).toContain('invalid content-length header')
  })

  it('sends it, with one Content-Length, once repaired; repairing twice changes nothing', async () => {
    previous = getGlobalDispatcher()
    setGlobalDispatcher(new Agent())
    repairNodeFetchDispatcher()
    const repaired = getGlobalDispatcher()
    repairNodeFetchDispatcher()
    expect(getGlobalDispatcher()).toBe(repaired)
    const response = await postWithOwnContentLength()
    expect(response.status).toBe(200)
    expect(seen.at(-1)).toMatchObject({ headers: { 'content-length': '38' }, bytes: 38 })
  })
})
