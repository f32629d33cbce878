/**
 * @module Runs the conformance suite on real PostgreSQL (TEST_DATABASE_URL) in a throwaway database,
 * and checks that the history insert is a named statement, parsed once per connection.
 */
import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import pg from 'pg'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  type CreateDatabaseOptions,
  createDatabase,
  createId,
  type DatabaseHandle,
  type FinishedGeneration,
  insertFinishedGenerations,
  insertUser,
  migrateToLatest,
} from '../src/index.js'
import { preparedStatement } from '../src/prepared-statements.js'
import { newImage, newRunningGeneration, newUser, runDatabaseConformance } from './conformance.js'

const adminUrl = process.env.TEST_DATABASE_URL

async function onServer(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/**
 * Drops a test database once its connections are gone. The pool's `end()` resolves before its
 * sockets close; `with (force)` would then kill them mid-close, and pg reports that as an
 * unhandled error (57P01) that fails the run.
 */
async function dropDatabase(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    for (let tries = 0; tries < 100; tries++) {
      const { rows } = await client.query<{ open: number }>(
        'select count(*)::int as open from pg_stat_activity where datname = $1',
        [name],
      )
      if (rows[0]?.open === 0) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await client.query(`drop database ${name} with (force)`)
  } finally {
    await client.end()
  }
}

async function throwawayDatabase(
  options: Omit<CreateDatabaseOptions, 'databaseUrl'>,
): Promise<DatabaseHandle> {
  const name = `nbl_test_${randomBytes(6).toString('hex')}`
  await onServer(adminUrl!, `create database ${name}`)
  const url = new URL(adminUrl!)
  url.pathname = `/${name}`
  const handle = await createDatabase({ ...options, databaseUrl: url.toString() })
  return {
    ...handle,
    close: async () => {
      await handle.close()
      await dropDatabase(adminUrl!, name)
    },
  }
}

describe.skipIf(!adminUrl)('PostgreSQL', () => {
  runDatabaseConformance({ create: () => throwawayDatabase({ max: 5 }) })
})

describe.skipIf(!adminUrl)('PostgreSQL named statements', () => {
  let handle: DatabaseHandle | undefined
  afterEach(async () => {
    await handle?.close()
    handle = undefined
  })

  /** One connection, so the statements listed are those this pool's connection prepared. */
  async function openMigrated(preparedStatements?: boolean) {
    handle = await throwawayDatabase({
      max: 1,
      ...(preparedStatements === undefined ? {} : { preparedStatements }),
    })
    await migrateToLatest(handle.db)
    const user = await insertUser(handle.db, newUser())
    return { db: handle.db, userId: user.id }
  }

  function finished(userId: string): FinishedGeneration {
    const generation = newRunningGeneration(userId, { id: createId('gen') })
    return {
      generation,
      outcome: {
        status: 'succeeded',
        provider: 'local',
        model: 'local-1',
        attempts: [],
        unitsCharged: 1,
        costUsd: 0,
        latencyMs: 1,
        finishedAt: new Date(),
      },
      images: [newImage(userId, { generation_id: generation.id })],
    }
  }

  const preparedOn = async (db: DatabaseHandle['db']) =>
    (
      await sql<{
        name: string
        statement: string
        runs: number
      }>`select name, statement, generic_plans + custom_plans as runs from pg_prepared_statements`.execute(db)
    ).rows

  it('prepares the history insert once per connection and runs it again by name', async () => {
    const { db, userId } = await openMigrated()
    for (let round = 0; round < 3; round++) await insertFinishedGenerations(db, [finished(userId)])
    const prepared = await preparedOn(db)
    expect(prepared).toHaveLength(1)
    expect(prepared[0]?.name).toMatch(/^nbl_\d+$/)
    expect(prepared[0]?.statement).toContain('insert into "images"')
    // Parsed once, run three times.
    expect(prepared[0]?.runs).toBe(3)
    const { count } = await db
      .selectFrom('generations')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow()
    expect(count).toBe(3)
    // Other statements stay unnamed: their texts are not bounded.
    expect(prepared.some((row) => row.statement.includes('pg_prepared_statements'))).toBe(false)
  })

  it('keeps working when a migration changes the table under a prepared statement', async () => {
    const { db, userId } = await openMigrated()
    await insertFinishedGenerations(db, [finished(userId)])
    expect(await preparedOn(db)).toHaveLength(1)
    await sql`alter table images add column extra text default 'x'`.execute(db)
    await insertFinishedGenerations(db, [finished(userId)])
    const rows = await db.selectFrom('images').select('id').execute()
    expect(rows).toHaveLength(2)
  })

  it('names at most 32 distinct texts and sends the rest unnamed', async () => {
    const { db, userId } = await openMigrated()
    // Batches of 1 to 40 generations: 40 different statements.
    for (let size = 1; size <= 40; size++) {
      await insertFinishedGenerations(
        db,
        Array.from({ length: size }, () => finished(userId)),
      )
    }
    expect(await preparedOn(db)).toHaveLength(32)
    const { count } = await db
      .selectFrom('generations')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow()
    expect(count).toBe((40 * 41) / 2)
  })

  it('gives up a connection on which a named statement failed before reaching the server', async () => {
    const { db } = await openMigrated()
    const echo = (value: unknown) =>
      sql<{ value: string }>`select ${value}::text as value ${preparedStatement}`
    expect((await echo('first').execute(db)).rows).toEqual([{ value: 'first' }])
    // pg converts the value before sending it; this one cannot be converted.
    const unconvertible = {
      toPostgres() {
        throw new Error('cannot convert')
      },
    }
    await expect(echo(unconvertible).execute(db)).rejects.toThrow('cannot convert')
    // pg still believes the statement prepared on that connection: a new connection runs it.
    expect((await echo('again').execute(db)).rows).toEqual([{ value: 'again' }])
  })

  it('outlives an idle connection killed by the server, and says so', async () => {
    const errors: Error[] = []
    handle = await throwawayDatabase({ max: 1, onError: (error) => errors.push(error) })
    const { db } = handle
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)
    await onServer(adminUrl!, `select pg_terminate_backend(${Number(rows[0]?.pid)})`)
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 5_000, interval: 20 })
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }])
  })

  it('names nothing when turned off (a pooler in transaction mode)', async () => {
    const { db, userId } = await openMigrated(false)
    for (let round = 0; round < 2; round++) await insertFinishedGenerations(db, [finished(userId)])
    expect(await preparedOn(db)).toEqual([])
  })
})
