/**
 * @module The networked rate limiter: one fixed window per key in Redis, counted by one Lua script
 * so concurrent hits on every instance agree.
 *
 * Keys: `${prefix}ratelimit:{key}` — the hit count of the current window (PX = the window).
 */
import type { Redis } from 'ioredis'
import type { RateLimiter } from './rate-limiter.js'

// KEYS: counter. ARGV: limit, window ms.
// Returns { 1, 0 } when allowed, { 0, ms until the window resets } when not. A refused hit is not
// counted, so a client hammering a full window does not extend it.
const HIT_LUA = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local limit = tonumber(ARGV[1])
if count >= limit then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    ttl = tonumber(ARGV[2])
  end
  return {0, ttl}
end
count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {1, 0}
`

interface RateLimitCommands {
  nblRateLimitHit(key: string, limit: string, windowMs: string): Promise<[number, number]>
}

export function createRedisRateLimiter(options: { redis: Redis; keyPrefix: string }): RateLimiter {
  const { redis, keyPrefix } = options
  if (typeof (redis as unknown as Record<string, unknown>).nblRateLimitHit !== 'function') {
    redis.defineCommand('nblRateLimitHit', { numberOfKeys: 1, lua: HIT_LUA })
  }
  const commands = redis as unknown as RateLimitCommands
  return {
    async hit(key, { limit, windowMs }) {
      if (limit <= 0) return { allowed: true, retryAfterMs: 0 }
      const [allowed, retryAfterMs] = await commands.nblRateLimitHit(
        `${keyPrefix}ratelimit:{${key}}`,
        String(Math.floor(limit)),
        String(Math.max(1, Math.ceil(windowMs))),
      )
      return allowed === 1
        ? { allowed: true, retryAfterMs: 0 }
        : { allowed: false, retryAfterMs: Math.max(1, retryAfterMs) }
    },
  }
}
