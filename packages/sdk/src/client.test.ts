import { EventSource as EventSourcePonyfill } from 'eventsource'
import { describe, expect, it } from 'vitest'
import { createClient, subscriptionTransport } from './client.js'
import { getAppError, isAppError } from './errors.js'

function recordingFetch(status: number, body: unknown) {
  const requests: Request[] = []
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    requests.push(new Request(input, init))
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
  }) as typeof fetch
  return { requests, fetchImpl }
}

describe('createClient', () => {
  it('sends the API key as a Bearer token to <url>/trpc', async () => {
    const { requests, fetchImpl } = recordingFetch(200, [{ result: { data: { status: 'ok' } } }])
    const client = createClient({ url: 'http://api.test/', apiKey: 'nbl_secret', fetch: fetchImpl })
    expect(await client.health.live.query()).toEqual({ status: 'ok' })
    expect(requests[0]?.url).toBe('http://api.test/trpc/health.live?batch=1&input=%7B%7D')
    expect(requests[0]?.headers.get('authorization')).toBe('Bearer nbl_secret')
  })

  it('asks a token getter on every request', async () => {
    const { requests, fetchImpl } = recordingFetch(200, [{ result: { data: { status: 'ok' } } }])
    let calls = 0
    const client = createClient({
      url: 'http://api.test',
      getToken: () => `jwt-${++calls}`,
      fetch: fetchImpl,
    })
    await client.health.live.query()
    await client.health.live.query()
    expect(requests.map((request) => request.headers.get('authorization'))).toEqual([
      'Bearer jwt-1',
      'Bearer jwt-2',
    ])
  })
})

describe('subscriptionTransport', () => {
  it('in Node, sends the token as a header through the ponyfill, never in the URL', async () => {
    const requests: Request[] = []
    const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
      requests.push(new Request(input, init))
      return new Response('', { status: 200, headers: { 'content-type': 'text/event-stream' } })
    }) as typeof fetch
    let calls = 0
    const transport = subscriptionTransport(
      { fetch: fetchImpl, headers: { 'x-extra': '1' } },
      async () => `jwt-${++calls}`,
      undefined,
    )
    expect(transport.EventSource).toBe(EventSourcePonyfill)
    expect(transport).not.toHaveProperty('connectionParams')
    if (!('eventSourceOptions' in transport)) throw new Error('expected the ponyfill transport')

    const source = new EventSourcePonyfill('http://api.test/trpc/events', transport.eventSourceOptions)
    await expect.poll(() => requests.length).toBeGreaterThan(0)
    source.close()
    const request = requests[0]!
    expect(request.url).toBe('http://api.test/trpc/events')
    expect(request.headers.get('authorization')).toBe('Bearer jwt-1')
    expect(request.headers.get('accept')).toBe('text/event-stream')
    expect(request.headers.get('x-extra')).toBe('1')
  })

  it('in browsers, whose EventSource cannot send headers, uses connectionParams', async () => {
    const BrowserEventSource = class {} as unknown as typeof globalThis.EventSource
    const transport = subscriptionTransport({}, async () => 'nbl_secret', BrowserEventSource)
    expect(transport.EventSource).toBe(BrowserEventSource)
    expect(transport).not.toHaveProperty('eventSourceOptions')
    if (!('connectionParams' in transport)) throw new Error('expected connectionParams')
    expect(await transport.connectionParams()).toEqual({ token: 'nbl_secret' })
    const anonymous = subscriptionTransport({}, async () => undefined, BrowserEventSource)
    if (!('connectionParams' in anonymous)) throw new Error('expected connectionParams')
    expect(await anonymous.connectionParams()).toEqual({})
  })
})

describe('error helpers', () => {
  it('expose appCode, retryAfterMs and the request id of an API error', async () => {
    const { fetchImpl } = recordingFetch(429, [
      {
        error: {
          code: -32029,
          message: 'Daily quota exceeded',
          data: {
            code: 'TOO_MANY_REQUESTS',
            httpStatus: 429,
            appCode: 'QUOTA_EXCEEDED',
            retryAfterMs: 5000,
            requestId: 'r1',
          },
        },
      },
    ])
    const client = createClient({ url: 'http://api.test', apiKey: 'k', fetch: fetchImpl })
    const error = await client.quota.status.query().catch((caught: unknown) => caught)
    expect(isAppError(error)).toBe(true)
    expect(isAppError(error, 'QUOTA_EXCEEDED')).toBe(true)
    expect(isAppError(error, 'COOLDOWN')).toBe(false)
    expect(getAppError(error)).toMatchObject({
      appCode: 'QUOTA_EXCEEDED',
      httpStatus: 429,
      retryAfterMs: 5000,
      requestId: 'r1',
      message: 'Daily quota exceeded',
    })
  })

  it('return nothing for errors that are not API errors', () => {
    expect(getAppError(new Error('network down'))).toBeUndefined()
    expect(isAppError('nope')).toBe(false)
  })
})
