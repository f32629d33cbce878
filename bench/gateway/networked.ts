/**
 * @module The networked mode's throwaway parts: a fresh PostgreSQL database (created, then dropped) and
 * a unique Redis prefix (its keys deleted afterwards).
 */
import { createRedisConnection } from '@nbl/api/redis'
import { createDatabase } from '@nbl/db'
import { sql } from 'kysely'

export const postgresBase = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'

export interface NetworkedResources {
  databaseUrl: string
  redisUrl: string
  redisPrefix: string
  cleanUp(): Promise<void>
}

/** `name` must be a plain identifier (letters, digits, underscores). */
export async function createNetworkedResources(name: string): Promise<NetworkedResources> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`)
  const admin = await createDatabase({ databaseUrl: postgresBase, max: 1 })
  await sql.raw(`create database ${name}`).execute(admin.db)
  await admin.close()
  const url = new URL(postgresBase)
  url.pathname = `/${name}`
  const redisPrefix = `${name}:`
  return {
    databaseUrl: url.toString(),
    redisUrl,
    redisPrefix,
    async cleanUp() {
      const again = await createDatabase({ databaseUrl: postgresBase, max: 1 })
      await sql.raw(`drop database if exists ${name} with (force)`).execute(again.db)
      await again.close()
      const redis = createRedisConnection(redisUrl)
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000)
        if (keys.length > 0) await redis.del(...keys)
        cursor = next
      } while (cursor !== '0')
      await redis.quit()
    },
  }
}
