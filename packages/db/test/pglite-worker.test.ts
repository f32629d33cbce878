/**
 * @module Runs the conformance suite on a file-backed PGlite in a worker thread (what the server opens
 * under DATA_DIR), and checks that the database's errors keep their fields across the thread.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createDatabase, isUniqueViolation } from '../src/index.js'
import { runDatabaseConformance } from './conformance.js'

const dataDirs: string[] = []
afterAll(async () => {
  for (const dataDir of dataDirs) await rm(dataDir, { recursive: true, force: true })
})

describe('PGlite in a worker thread', () => {
  runDatabaseConformance({
    create: async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'nbl-pglite-worker-'))
      dataDirs.push(dataDir)
      return createDatabase({ dataDir })
    },
  })

  it("answers the database's errors with their SQLSTATE and fields, and keeps serving after them", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nbl-pglite-worker-errors-'))
    dataDirs.push(dataDir)
    const handle = await createDatabase({ dataDir })
    try {
      await sql`create table t (id text primary key)`.execute(handle.db)
      await sql`insert into t values ('a')`.execute(handle.db)
      const error = await sql`insert into t values ('a')`
        .execute(handle.db)
        .catch((caught: unknown) => caught)
      expect(isUniqueViolation(error)).toBe(true)
      expect(error).toBeInstanceOf(Error)
      expect(error).toMatchObject({ code: '23505', constraint: 't_pkey' })
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from t`.execute(handle.db)
      expect(rows).toEqual([{ n: 1 }])
    } finally {
      await handle.close()
    }
  }, 60_000)
})
