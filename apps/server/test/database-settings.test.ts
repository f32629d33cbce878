/**
 * The server's database settings reach the pool (with TEST_DATABASE_URL): DATABASE_PREPARED_STATEMENTS
 * decides whether the history insert behind a generation is a named statement, and a connection the
 * database ends while idle is logged, not fatal.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type AppLogger, createApp, issueApiKey, silentLogger } from '@nbl/api'
import { createId, insertUser, migrateToLatest } from '@nbl/db'
import { sql } from 'kysely'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../src/config.js'
import { buildDeps } from '../src/deps.js'
import { runSql } from './run-sql.js'

const adminUrl = process.env.TEST_DATABASE_URL

describe.skipIf(!adminUrl)('database settings', () => {
  const cleanUps: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp()
  })

  /** Server deps on a throwaway database, with one pooled connection so its statements can be listed. */
  async function serverDeps(env: Record<string, string>, logger: AppLogger = silentLogger) {
    const name = `nbl_settings_${randomBytes(6).toString('hex')}`
    await runSql(adminUrl!, `create database ${name}`)
    const url = new URL(adminUrl!)
    url.pathname = `/${name}`
    const dataDir = await mkdtemp(join(tmpdir(), 'nbl-settings-'))
    cleanUps.push(async () => {
      await runSql(adminUrl!, `drop database if exists ${name} with (force)`)
      await rm(dataDir, { recursive: true, force: true })
    })
    const config = loadConfig(
      { NODE_ENV: 'test', DATABASE_URL: url.toString(), DATABASE_POOL_MAX: '1', ...env },
      { dataDir },
    )
    const built = await buildDeps({
      config,
      secretKey: 'test-secret-test-secret-test-secret',
      logger,
      version: 'test',
    })
    cleanUps.push(() => built.close())
    await migrateToLatest(built.deps.db)
    return built.deps
  }

  /** Two images generated through the app (the offline provider); the named statements left behind. */
  async function namedStatementsAfterTwoGenerations(env: Record<string, string>): Promise<number> {
    const deps = await serverDeps(env)
    const user = await insertUser(deps.db, {
      id: createId('usr'),
      name: 'Ada',
      email: null,
      role: 'user',
      tier: 'pro',
    })
    const { secret } = await issueApiKey(deps.db, { userId: user.id, name: 'test' })
    const app = createApp(deps)
    for (let round = 0; round < 2; round++) {
      const response = await app.request('/trpc/generate.image', {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: `a banana, take ${round}` }),
      })
      expect(response.status).toBe(200)
    }
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(
      deps.db,
    )
    return rows[0]?.n ?? -1
  }

  it('names the history insert by default, and not with DATABASE_PREPARED_STATEMENTS=false', async () => {
    expect(await namedStatementsAfterTwoGenerations({})).toBe(1)
    expect(await namedStatementsAfterTwoGenerations({ DATABASE_PREPARED_STATEMENTS: 'false' })).toBe(0)
  })

  it('logs an idle connection the database ended, and goes on with a new one', async () => {
    const warnings: string[] = []
    const logger: AppLogger = { ...silentLogger, warn: (_object, message) => warnings.push(message ?? '') }
    const { db } = await serverDeps({}, logger)
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)
    await runSql(adminUrl!, 'select pg_terminate_backend($1)', [rows[0]?.pid])
    await vi.waitFor(() => expect(warnings).toContain('idle database connection failed'), {
      timeout: 5_000,
      interval: 20,
    })
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }])
  })
})
