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
  checks: { database: ReadinessCheck }
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
  return { ready: database.ok, checks: { database } }
}
