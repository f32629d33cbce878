/**
 * @module Runs the conformance suite on in-memory PGlite through our dialect, and checks the
 * start parameters that keep the embedded database small without changing initdb's settings.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createDatabase } from '../src/index.js'
import { runDatabaseConformance } from './conformance.js'

describe('PGlite', () => {
  runDatabaseConformance({
    create: async () => {
      const started = performance.now()
      const handle = await createDatabase({})
      console.info(`PGlite started in ${Math.round(performance.now() - started)} ms`)
      return handle
    },
  })

  it('runs with small shared buffers and keeps initdb’s timezone and text search config', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nbl-pglite-settings-'))
    try {
      // Twice: the first open runs initdb, the second reads what it left on disk.
      for (let open = 0; open < 2; open++) {
        const handle = await createDatabase({ dataDir })
        try {
          const { rows } = await sql<{ name: string; setting: string }>`
            select name, setting from pg_settings
            where name in ('shared_buffers', 'max_connections', 'TimeZone', 'default_text_search_config')
            order by name`.execute(handle.db)
          expect(Object.fromEntries(rows.map((row) => [row.name, row.setting]))).toEqual({
            TimeZone: 'UTC',
            default_text_search_config: 'pg_catalog.english',
            max_connections: '10',
            shared_buffers: '2048', // 8 kB pages: 16 MB
          })
        } finally {
          await handle.close()
        }
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  }, 60_000)
})
