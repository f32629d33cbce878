/**
 * @module A round-robin counter shared by every API instance (the providers package's
 * `RoundRobinCounter`): INCR on one key per counter name.
 */
import type { Redis } from 'ioredis'

export interface RedisRoundRobinCounterOptions {
  redis: Redis
  keyPrefix: string
}

export interface RedisRoundRobinCounter {
  /** 0, 1, 2, ... per `key`, across all instances sharing the Redis (same as the memory counter). */
  next(key: string): Promise<number>
}

export function createRedisRoundRobinCounter({
  redis,
  keyPrefix,
}: RedisRoundRobinCounterOptions): RedisRoundRobinCounter {
  return {
    async next(key) {
      // INCR starts at 1; the memory counter starts at 0.
      return (await redis.incr(`${keyPrefix}rr:${key}`)) - 1
    },
  }
}
