/**
 * @module Runs the conformance suite on real PostgreSQL (TEST_DATABASE_URL) in a throwaway database.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe } from 'vitest'
import { createDatabase } from '../src/index.js'
import { runDatabaseConformance } from './conformance.js'

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

describe.skipIf(!adminUrl)('PostgreSQL', () => {
  runDatabaseConformance({
    create: async () => {
      const name = `nbl_test_${randomBytes(6).toString('hex')}`
      await onServer(adminUrl!, `create database ${name}`)
      const url = new URL(adminUrl!)
      url.pathname = `/${name}`
      const handle = await createDatabase({ databaseUrl: url.toString(), max: 5 })
      return {
        ...handle,
        close: async () => {
          await handle.close()
          await dropDatabase(adminUrl!, name)
        },
      }
    },
  })
})
