/**
 * Changes made on one instance reach the others: two servers on one PostgreSQL and Redis.
 * - admin.providers.setEnabled: an admin disables a provider on A, and B stops choosing it within a
 *   second, without a restart.
 * - the account cache: a key revoked on A stops working on B, which had it cached, within a second.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type AuthUser,
  createCaller,
  createContextInner,
  hashApiKeySecret,
  issueApiKey,
  silentLogger,
} from '@nbl/api'
import { createId, insertUser, migrateToLatest } from '@nbl/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { type BuiltDeps, buildDeps } from '../src/deps.js'
import { deleteRedisKeys } from './redis-keys.js'
import { runSql } from './run-sql.js'

const databaseAdminUrl = process.env.TEST_DATABASE_URL
const redisUrl = process.env.TEST_REDIS_URL

describe.skipIf(!databaseAdminUrl || !redisUrl)('provider control across instances', () => {
  const suffix = randomBytes(5).toString('hex')
  const database = `nbl_control_${suffix}`
  const instances: { built: BuiltDeps; dataDir: string }[] = []

  beforeAll(async () => {
    await runSql(databaseAdminUrl!, `create database ${database}`)
    const databaseUrl = new URL(databaseAdminUrl!)
    databaseUrl.pathname = `/${database}`
    for (let i = 0; i < 2; i++) {
      const dataDir = await mkdtemp(join(tmpdir(), 'nbl-control-'))
      const env = {
        NODE_ENV: 'test',
        DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl.toString(),
        DATABASE_POOL_MAX: '2',
        REDIS_URL: redisUrl!,
        REDIS_PREFIX: `nbl-test:${suffix}:`,
        JOB_WORKERS: 'false',
      }
      const config = loadConfig(env, { dataDir })
      const built = await buildDeps({
        config,
        secretKey: 'test-secret-test-secret-test-secret',
        logger: silentLogger,
        version: 'test',
      })
      await migrateToLatest(built.deps.db)
      instances.push({ built, dataDir })
    }
  })
  afterAll(async () => {
    for (const { built, dataDir } of instances) {
      await built.close()
      await rm(dataDir, { recursive: true, force: true })
    }
    await runSql(databaseAdminUrl!, `drop database if exists ${database} with (force)`)
    await deleteRedisKeys(redisUrl!, `nbl-test:${suffix}:`)
  })

  const bothInstances = () =>
    instances.map(({ built }) => built.deps) as [BuiltDeps['deps'], BuiltDeps['deps']]

  /** A user with one API key, written through `deps` (both instances share the database). */
  async function userWithKey(deps: BuiltDeps['deps'], user: Pick<AuthUser, 'name' | 'role' | 'tier'>) {
    const row = await insertUser(deps.db, { id: createId('usr'), email: null, ...user })
    const key = await issueApiKey(deps.db, { userId: row.id, name: user.name })
    return { user: { ...user, id: row.id, apiKeyId: key.id } satisfies AuthUser, key }
  }

  it('disabling a provider on A stops B choosing it within 1 s', async () => {
    const [a, b] = bothInstances()
    const { user: admin } = await userWithKey(a, { name: 'ops', role: 'admin', tier: 'unlimited' })
    const onA = createCaller(createContextInner({ deps: a, user: admin }))
    const onB = createCaller(createContextInner({ deps: b, user: admin }))
    expect((await onB.generate.image({ prompt: 'before' })).provider).toBe('local')

    await onA.admin.providers.setEnabled({ provider: 'local', enabled: false })
    // expect.poll gives up after 1 000 ms: B must have heard within a second.
    await expect
      .poll(() => b.providers.listProviders().find((entry) => entry.name === 'local')?.enabled, {
        timeout: 1000,
      })
      .toBe(false)
    const refused = await onB.generate.image({ prompt: 'after' }).catch((error: unknown) => error)
    expect(refused).toMatchObject({ code: 'PRECONDITION_FAILED' })

    await onA.admin.providers.setEnabled({ provider: 'local', enabled: true })
    await expect
      .poll(() => b.providers.listProviders().find((entry) => entry.name === 'local')?.enabled, {
        timeout: 1000,
      })
      .toBe(true)
    expect((await onB.generate.image({ prompt: 'again' })).provider).toBe('local')
  })

  it('a key revoked on A stops authenticating on B, which had cached it, within 1 s', async () => {
    const [a, b] = bothInstances()
    const { user: owner, key } = await userWithKey(a, { name: 'leaver', role: 'user', tier: 'free' })
    // B reads the key once and keeps it.
    expect(await b.apiKeys.authenticate(key.secret)).toMatchObject({ id: owner.id, apiKeyId: key.id })
    expect(b.accountCache.apiKeys.get(hashApiKeySecret(key.secret))).toBeDefined()

    await createCaller(createContextInner({ deps: a, user: owner })).auth.apiKeys.revoke({ keyId: key.id })
    await expect.poll(() => b.apiKeys.authenticate(key.secret), { timeout: 1000 }).toBeUndefined()
  })
})
