/**
 * @module Liveness and readiness: ready means the database answers.
 */
import { sql } from 'kysely'
import type { AppDeps } from '../deps.js'

export interface ReadinessCheck {
  ok: boolean
  latencyMs: number
  error?: string
}

export interface Readiness {
  ready: boolean
  checks: { database: ReadinessCheck; redis?: ReadinessCheck }
}

export async function checkReadiness(deps: AppDeps): Promise<Readiness> {
  const startedAt = performance.now()
  const database = await sql`select 1`
    .execute(deps.db)
    .then(() => ({ ok: true, latencyMs: Math.round(performance.now() - startedAt) }))
    .catch(() => ({
      ok: false,
      latencyMs: Math.round(performance.now() - startedAt),
      error: 'database unreachable',
    }))
  const redis = deps.redisPing
    ? await deps.redisPing().catch(() => ({ ok: false, latencyMs: 0, error: 'redis unreachable' }))
    : undefined
  return {
    ready: database.ok && (redis?.ok ?? true),
    checks: {
      database,
      ...(redis
        ? {
            redis: {
              ok: redis.ok,
              latencyMs: redis.latencyMs,
              ...(redis.ok ? {} : { error: 'redis unreachable' }),
            },
          }
        : {}),
    },
  }
}
