/**
 * @module Opens the database: PostgreSQL through a `pg` pool when a URL is given, else embedded PGlite.
 * Each driver is imported only when that kind of database is opened (a file-backed PGlite only in its
 * worker thread): the other one's code would sit in memory unused.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { PGlite } from '@electric-sql/pglite'
import { Kysely, PostgresDialect } from 'kysely'
import type pg from 'pg'
import { PGliteDialect } from './pglite-dialect.js'
import { openPGliteWorker } from './pglite-worker.js'
import { namingPool } from './prepared-statements.js'
import type { Database } from './schema.js'

export interface CreateDatabaseOptions {
  /** PostgreSQL connection string; when set, PGlite is not used. */
  databaseUrl?: string
  /** PGlite keeps its files in `<dataDir>/pglite`; without it (and without `pglite`) the database lives in memory. */
  dataDir?: string
  /** An already opened PGlite instance; `close()` then leaves it open. */
  pglite?: PGlite
  /**
   * An in-memory PGlite starts from this data-directory dump (`createPGliteSnapshot`) instead of an
   * empty cluster: about 1 s instead of initdb's 5, which test suites pay once per file.
   */
  snapshot?: Blob
  /** Pool size for PostgreSQL. Default 10. */
  max?: number
  /**
   * Name the statements marked hot (prepared-statements.ts), so PostgreSQL parses them once per
   * connection. Default true; false behind a pooler in transaction mode that cannot follow them.
   */
  preparedStatements?: boolean
  /**
   * Hears a PostgreSQL connection failing while idle in the pool (a server restart, say); the pool
   * opens a new one when next needed. Without a listener pg's pool would end the process over it.
   */
  onError?: (error: Error) => void
  /**
   * Run a file-backed PGlite (`dataDir`) in a worker thread, so its statements leave the event loop
   * free (pglite-worker.ts). Default true; in-memory databases always run in this thread.
   */
  pgliteWorker?: boolean
}

export interface DatabaseHandle {
  db: Kysely<Database>
  kind: 'postgres' | 'pglite'
  close(): Promise<void>
}

/**
 * @example
 * const { db, close } = await createDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: './.data' })
 */
export async function createDatabase(options: CreateDatabaseOptions = {}): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const { default: driver } = await import('pg')
    const pool = new driver.Pool({
      connectionString: options.databaseUrl,
      max: options.max ?? 10,
      types: postgresTypes(driver),
    })
    pool.on('error', (error) => options.onError?.(error))
    const dialect = new PostgresDialect({
      pool: options.preparedStatements === false ? pool : namingPool(pool),
    })
    const db = new Kysely<Database>({ dialect })
    return { db, kind: 'postgres', close: () => db.destroy() }
  }

  const ownsInstance = options.pglite === undefined
  const pglite =
    options.pglite ??
    (options.dataDir !== undefined && options.pgliteWorker !== false
      ? openPGliteWorker(await preparedDataDir(options.dataDir), PGLITE_EXTRA_START_PARAMS)
      : await openPGlite(options.dataDir, options.snapshot))
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite, closeOnDestroy: ownsInstance }) })
  return { db, kind: 'pglite', close: () => db.destroy() }
}

/**
 * PGlite is one single-user backend inside our process: PostgreSQL's defaults (128 MB of shared
 * buffers, lock tables sized for 100 connections) cost over 100 MiB of resident memory and buy an
 * embedded database nothing; the OS page cache still holds its files. Start parameters (after
 * PGlite's own), not `postgresqlconf`: that option rewrites postgresql.conf and loses initdb's
 * timezone and text search settings.
 */
const PGLITE_EXTRA_START_PARAMS = ['-c', 'shared_buffers=16MB', '-c', 'max_connections=10']

async function openPGlite(dataDir: string | undefined, snapshot: Blob | undefined): Promise<PGlite> {
  const [{ PGlite }, { pg_trgm }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
  ])
  // pg_trgm backs the library's search suggestions (migration 0008).
  const options = {
    extensions: { pg_trgm },
    startParams: [...PGlite.defaultStartParams, ...PGLITE_EXTRA_START_PARAMS],
  }
  if (dataDir === undefined)
    return PGlite.create({ ...options, ...(snapshot ? { loadDataDir: snapshot } : {}) })
  return PGlite.create(await preparedDataDir(dataDir), options)
}

/** `<dataDir>/pglite`, initialised (by a child process) on first use. */
async function preparedDataDir(dataDir: string): Promise<string> {
  const directory = join(dataDir, 'pglite')
  await mkdir(directory, { recursive: true })
  if (!existsSync(join(directory, 'PG_VERSION'))) await initDataDirInChildProcess(directory)
  return directory
}

/**
 * The first open of a data dir runs initdb. In this process that leaves ~150 MiB of WebAssembly and
 * allocator memory resident for the server's whole life (measured: 318-347 MiB after a first open,
 * 152-170 MiB after reopening), so a short-lived child process does it instead (~5 s, once).
 */
async function initDataDirInChildProcess(directory: string): Promise<void> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite')
  const script = `const { PGlite } = require(${JSON.stringify(entry)})
PGlite.create(${JSON.stringify(directory)}).then((db) => db.close()).catch((error) => {
  console.error(error)
  process.exit(1)
})`
  await promisify(execFile)(process.execPath, ['-e', script], { timeout: 120_000 })
}

/** Per-pool parsers, so that the process-wide `pg.types` stay untouched; PGlite already behaves this way. */
function postgresTypes(driver: typeof pg): pg.TypeOverrides {
  const types = new driver.TypeOverrides()
  // count(*) and sum(integer) are int8; our counts stay far below Number.MAX_SAFE_INTEGER.
  types.setTypeParser(driver.types.builtins.INT8, (value: string) => Number.parseInt(value, 10))
  return types
}

/** A migrated, empty in-memory database as a data-directory dump, for `createDatabase({ snapshot })`. */
export async function createPGliteSnapshot(
  migrate: (handle: DatabaseHandle) => Promise<void>,
): Promise<Blob> {
  const pglite = await openPGlite(undefined, undefined)
  const handle = await createDatabase({ pglite })
  try {
    await migrate(handle)
    return await pglite.dumpDataDir('none')
  } finally {
    await handle.close()
    await pglite.close()
  }
}
