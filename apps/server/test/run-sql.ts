/** @module One statement on its own connection, for tests that create and drop their databases. */
import pg from 'pg'

export async function runSql(connectionString: string, query: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    return (await client.query(query, values)).rows
  } finally {
    await client.end()
  }
}
