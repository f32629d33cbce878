/**
 * The same server on PostgreSQL (DATABASE_URL), when TEST_DATABASE_URL names one: a fresh database
 * per run, dropped afterwards.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, isAppError } from '@nbl/sdk'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from './server-process.js'

const adminUrl = process.env.TEST_DATABASE_URL
const databaseName = `nbl_e2e_${randomBytes(6).toString('hex')}`

describe.skipIf(!adminUrl)('the server on PostgreSQL, through the SDK', () => {
  let dataDir: string
  let servers: RunningServer[] = []
  const bootstrapKey = `nbl_${randomBytes(24).toString('base64url')}`

  const databaseUrl = () => {
    const url = new URL(adminUrl!)
    url.pathname = `/${databaseName}`
    return url.toString()
  }

  async function run<T extends pg.QueryResultRow>(connectionString: string, query: string): Promise<T[]> {
    const client = new pg.Client({ connectionString })
    await client.connect()
    try {
      return (await client.query<T>(query)).rows
    } finally {
      await client.end()
    }
  }
  const admin = (query: string) => run(adminUrl!, query)
  const countAdmins = async () =>
    Number(
      (await run<{ n: string }>(databaseUrl(), "select count(*) as n from users where role = 'admin'"))[0]?.n,
    )

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nbl-e2e-pg-'))
    await admin(`create database ${databaseName}`)
    const env = {
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl(),
      BOOTSTRAP_ADMIN_KEY: bootstrapKey,
      SECRET_KEY: randomBytes(32).toString('hex'),
    }
    // Two instances racing on one empty database: one admin, both serving.
    servers = await Promise.all([startServer(env), startServer(env)])
  })

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()))
    await admin(`drop database if exists ${databaseName} with (force)`)
    await rm(dataDir, { recursive: true, force: true })
  })

  it('bootstraps one admin with the configured key, and either instance serves what the other stored', async () => {
    expect(await countAdmins()).toBe(1)
    const [a, b] = servers.map((server) => createClient({ url: server.url, apiKey: bootstrapKey }))
    const result = await a!.generate.image.mutate({
      prompt: 'on postgres',
      resolution: '2K',
      aspectRatio: '4:3',
    })
    expect(result.images[0]).toMatchObject({ width: 2400, height: 1792 })
    const image = await b!.library.history.get.query({ imageId: result.images[0]!.id })
    expect(image.prompt).toBe('on postgres')
    const account = await b!.admin.users.create.mutate({ name: 'dora' })
    const key = await a!.admin.users.issueApiKey.mutate({ userId: account.id, name: 'k' })
    const dora = createClient({ url: servers[1]!.url, apiKey: key.secret })
    const error = await dora.library.history.get
      .query({ imageId: image.id })
      .catch((caught: unknown) => caught)
    expect(isAppError(error, 'NOT_FOUND')).toBe(true)
  })
})
