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
          await onServer(adminUrl!, `drop database ${name} with (force)`)
        },
      }
    },
  })
})
