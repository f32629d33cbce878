/**
 * @module One load run with autocannon. Its own histogram keeps whole milliseconds, too coarse for a
 * sub-millisecond overhead, so every 2xx response time (ms, from hrtime) is kept here and the
 * percentiles are computed from those.
 */
import autocannon from 'autocannon'

export interface LoadOptions {
  url: string
  body: string
  headers: Record<string, string>
  connections: number
  /** Seconds; ignored when `amount` is set. */
  duration: number
  /** Send exactly this many requests and wait for every answer. */
  amount?: number
  /** Called for every request: a header per request (e.g. rotating API keys). */
  authorizationFor?: (sequence: number) => string
}

export interface LoadStats {
  connections: number
  requests: number
  ok: number
  non2xx: number
  errors: number
  durationS: number
  reqPerSec: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  meanMs: number
}

export async function runLoad(options: LoadOptions): Promise<LoadStats> {
  const latencies: number[] = []
  let sequence = 0
  const authorizationFor = options.authorizationFor
  let finish: (result: autocannon.Result) => void = () => undefined
  let fail: (error: Error) => void = () => undefined
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve
    fail = reject
  })
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      pipelining: 1,
      ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.duration }),
      timeout: 30,
      requests: [
        {
          method: 'POST',
          body: options.body,
          headers: { 'content-type': 'application/json', ...options.headers },
          ...(authorizationFor
            ? {
                setupRequest: (request: autocannon.Request) => ({
                  ...request,
                  headers: { ...request.headers, authorization: authorizationFor(sequence++) },
                }),
              }
            : {}),
        },
      ],
    },
    (error, result) => (error ? fail(error) : finish(result)),
  )
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime)
  })
  const result = await finished
  latencies.sort((a, b) => a - b)
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN
  const durationS = result.duration
  const ok = latencies.length
  return {
    connections: options.connections,
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    durationS: round(durationS, 2),
    reqPerSec: round(ok / durationS, 1),
    p50Ms: round(at(0.5), 3),
    p90Ms: round(at(0.9), 3),
    p99Ms: round(at(0.99), 3),
    meanMs: round(latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, ok), 3),
  }
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}
