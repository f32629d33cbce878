/**
 * @module Redis connections for the API server: a client for commands (fails fast while Redis is
 * down), a client for BullMQ (waits for Redis instead), and a readiness ping.
 */
import { Redis, type RedisOptions } from 'ioredis'

export interface RedisConnectionOptions extends RedisOptions {
  /** Connection errors (ioredis reconnects by itself); without it ioredis prints them to stderr. */
  onError?: (error: Error) => void
}

/** Reconnects after 100 ms, 200 ms, ... up to 2 s between attempts, forever. */
function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 100, 2_000)
}

function connect(url: string, defaults: RedisOptions, options: RedisConnectionOptions): Redis {
  const { onError, ...overrides } = options
  const redis = new Redis(url, { ...defaults, ...overrides })
  if (onError) redis.on('error', onError)
  return redis
}

/**
 * A client for request-path commands (quota, round robin, caches). While Redis is unreachable a
 * command fails after a few reconnection attempts instead of holding the HTTP request open.
 */
export function createRedisConnection(url: string, options: RedisConnectionOptions = {}): Redis {
  return connect(
    url,
    {
      lazyConnect: false,
      enableReadyCheck: true,
      connectTimeout: 5_000,
      maxRetriesPerRequest: 2,
      retryStrategy: reconnectDelay,
    },
    options,
  )
}

/**
 * A client for BullMQ queues and workers. BullMQ requires `maxRetriesPerRequest: null` for its
 * blocking commands (a worker waits for Redis to come back rather than failing); give each worker
 * its own connection.
 */
export function createBullMQConnection(url: string, options: RedisConnectionOptions = {}): Redis {
  return connect(
    url,
    {
      lazyConnect: false,
      enableReadyCheck: true,
      connectTimeout: 5_000,
      retryStrategy: reconnectDelay,
      ...options,
      maxRetriesPerRequest: null,
    },
    {},
  )
}

export interface RedisPing {
  ok: boolean
  latencyMs: number
  error?: string
}

/** Readiness: PING within `timeoutMs`. Never throws. */
export async function pingRedis(redis: Redis, timeoutMs = 1_000): Promise<RedisPing> {
  const startedAt = performance.now()
  const elapsed = () => Math.round(performance.now() - startedAt)
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    const reply = await Promise.race([redis.ping(), timeout])
    if (reply !== 'PONG') return { ok: false, latencyMs: elapsed(), error: `unexpected reply ${reply}` }
    return { ok: true, latencyMs: elapsed() }
  } catch (error) {
    return {
      ok: false,
      latencyMs: elapsed(),
      error: `redis unreachable: ${error instanceof Error ? error.message : String(error)}`,
    }
  } finally {
    clearTimeout(timer)
  }
}

/** Deletes every key under a prefix with SCAN (never KEYS): test clean-up and operator resets. */
export async function deleteKeysByPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    if (keys.length > 0) await redis.del(...keys)
    cursor = next
  } while (cursor !== '0')
}
