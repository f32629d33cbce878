/** @module Removes a test run's Redis keys (its own REDIS_PREFIX), so runs leave nothing behind. */
import { Redis } from 'ioredis'

export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl)
  try {
    // SCAN, not KEYS: the test Redis may hold other runs' keys too.
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<
      string[]
    >) {
      if (keys.length > 0) await redis.del(...keys)
    }
  } finally {
    await redis.quit()
  }
}
