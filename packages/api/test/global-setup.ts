/**
 * @module Vitest global setup: one migrated PGlite dump for the whole run, so each test file's
 * harness loads it (about 1 s) instead of running initdb and every migration (about 5 s).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPGliteSnapshot, migrateToLatest } from '@nbl/db'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the migrated PGlite data-directory dump. */
    pgliteSnapshot: string
  }
}

export default async function setup(project: TestProject) {
  const directory = await mkdtemp(join(tmpdir(), 'nbl-pglite-snapshot-'))
  const path = join(directory, 'migrated.tar')
  const snapshot = await createPGliteSnapshot(async (handle) => {
    await migrateToLatest(handle.db)
  })
  await writeFile(path, Buffer.from(await snapshot.arrayBuffer()))
  project.provide('pgliteSnapshot', path)
  return async () => {
    await rm(directory, { recursive: true, force: true })
  }
}
