/**
 * @module The harness every provider fake is built on: a real HTTP server on a random loopback
 * port that records each request and can inject failures (status codes with headers, hanging
 * responses, connection resets, delays), scripted or at a random rate.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  /** Path without the query string. */
  path: string
  url: URL
  /** Lower-case header names. */
  headers: Record<string, string>
  /** Parsed JSON when the body is JSON, else undefined (see rawBody). */
  body: unknown
  rawBody: Buffer
}

export interface FakeResponse {
  status?: number
  headers?: Record<string, string>
  json?: unknown
  body?: string | Uint8Array
}

export type Injection =
  | { kind: 'status'; status: number; json?: unknown; headers?: Record<string, string> }
  /** Accept the request and never answer (until the server closes). */
  | { kind: 'hang' }
  /** Destroy the connection without a response. */
  | { kind: 'reset' }
  /** Answer normally, after a delay. */
  | { kind: 'delay'; ms: number }

export interface RandomFaults {
  /** 0..1: the share of matching requests that fail. */
  rate: number
  /** One is picked at random per failing request. */
  injections: Injection[]
  /** Only requests whose path matches are affected (default: all). */
  path?: RegExp
  /** Deterministic runs: a seeded random source. Defaults to Math.random. */
  random?: () => number
}

export type FakeHandler = (request: RecordedRequest, fake: FakeServer) => FakeResponse | Promise<FakeResponse>

export interface FakeServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string
  readonly requests: RecordedRequest[]
  /** Queues injections: each is used by the next request whose path matches (default: any). */
  inject(injections: Injection | Injection[], path?: RegExp): void
  /** Fails a share of requests at random until cleared with `setRandomFaults(undefined)`. */
  setRandomFaults(faults: RandomFaults | undefined): void
  /** Forgets recorded requests and queued injections. */
  reset(): void
  close(): Promise<void>
}

/** Starts a fake on 127.0.0.1 with a random port. */
export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  const queued: { injection: Injection; path?: RegExp }[] = []
  const requests: RecordedRequest[] = []
  let randomFaults: RandomFaults | undefined

  function nextInjection(path: string): Injection | undefined {
    const index = queued.findIndex((entry) => !entry.path || entry.path.test(path))
    if (index >= 0) return queued.splice(index, 1)[0]?.injection
    if (randomFaults && (!randomFaults.path || randomFaults.path.test(path))) {
      const random = randomFaults.random ?? Math.random
      if (random() < randomFaults.rate) {
        return randomFaults.injections[Math.floor(random() * randomFaults.injections.length)]
      }
    }
    return undefined
  }

  const server = createServer(async function handleFakeRequest(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const rawBody = Buffer.concat(chunks)
    const url = new URL(req.url ?? '/', fake.url)
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([key, value]) => [
        key,
        Array.isArray(value) ? value.join(', ') : (value ?? ''),
      ]),
    )
    let body: unknown
    if (rawBody.length > 0 && (headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(rawBody.toString('utf8'))
      } catch {
        body = undefined
      }
    }
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      url,
      headers,
      body,
      rawBody,
    }
    requests.push(recorded)

    const injection = nextInjection(url.pathname)
    if (injection?.kind === 'hang') return
    if (injection?.kind === 'reset') {
      req.socket.destroy()
      return
    }
    if (injection?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, injection.ms))
    const response: FakeResponse =
      injection?.kind === 'status'
        ? {
            status: injection.status,
            json: injection.json ?? { error: { message: `injected ${injection.status}` } },
            headers: injection.headers ?? {},
          }
        : await Promise.resolve(handler(recorded, fake)).catch((error: unknown) => ({
            status: 500,
            json: {
              error: {
                message: `fake handler failed: ${error instanceof Error ? error.message : String(error)}`,
              },
            },
          }))
    if (res.destroyed) return
    const payload = response.json !== undefined ? JSON.stringify(response.json) : response.body
    res.writeHead(response.status ?? 200, {
      ...(response.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...response.headers,
    })
    res.end(payload)
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const fake: FakeServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    inject(injections, path) {
      for (const injection of Array.isArray(injections) ? injections : [injections]) {
        queued.push(path ? { injection, path } : { injection })
      }
    },
    setRandomFaults(faults) {
      randomFaults = faults
    },
    reset() {
      requests.length = 0
      queued.length = 0
      randomFaults = undefined
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return fake
}

/** A small seeded PRNG (mulberry32) for reproducible random faults. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
