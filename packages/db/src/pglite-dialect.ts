/**
 * @module A Kysely dialect over one PGlite instance: Kysely's Postgres compiler, one connection behind a mutex.
 */
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'

export interface PGliteResult<T> {
  rows: T[]
  command?: string
  affectedRows?: number
}

/** What the dialect needs of PGlite: in this thread (`PGlite`) or in a worker (`openPGliteWorker`). */
export interface PGliteQueryable {
  readonly waitReady: Promise<void>
  readonly closed: boolean
  query<T>(
    sql: string,
    params?: unknown[],
    options?: { rowMode?: 'object' | 'array' },
  ): Promise<PGliteResult<T>>
  close(): Promise<void>
}

export interface PGliteDialectConfig {
  pglite: PGliteQueryable
  /** Close the PGlite instance when the Kysely instance is destroyed. Default `false`. */
  closeOnDestroy?: boolean
}

/**
 * @example
 * const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite: new PGlite() }) })
 */
export class PGliteDialect implements Dialect {
  readonly #config: PGliteDialectConfig

  constructor(config: PGliteDialectConfig) {
    this.#config = config
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#config)
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter()
  }

  // biome-ignore lint/suspicious/noExplicitAny: the Dialect interface requires Kysely<any>
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db)
  }
}

/** A FIFO lock: each `lock()` resolves once every earlier holder has called `unlock()`. */
class Mutex {
  #tail: Promise<void> = Promise.resolve()
  #release: (() => void) | undefined

  async lock(): Promise<void> {
    const previous = this.#tail
    let release!: () => void
    this.#tail = new Promise<void>((resolve) => {
      release = resolve
    })
    await previous
    this.#release = release
  }

  unlock(): void {
    const release = this.#release
    this.#release = undefined
    release?.()
  }
}

class PGliteDriver implements Driver {
  readonly #config: PGliteDialectConfig
  readonly #connection: PGliteConnection
  // PGlite serialises single queries itself, but a transaction spans many: without this lock, a query from
  // another Kysely "connection" could run inside someone else's BEGIN ... ROLLBACK and vanish with it.
  readonly #mutex = new Mutex()

  constructor(config: PGliteDialectConfig) {
    this.#config = config
    this.#connection = new PGliteConnection(config.pglite)
  }

  async init(): Promise<void> {
    await this.#config.pglite.waitReady
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock()
    return this.#connection
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let statement = 'begin'
    if (settings.isolationLevel) statement += ` isolation level ${settings.isolationLevel}`
    if (settings.accessMode) statement += ` ${settings.accessMode}`
    await connection.executeQuery(CompiledQuery.raw(statement))
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const { rows } = await connection.executeQuery<{ command?: string }>(CompiledQuery.raw('commit'))
    // PostgreSQL answers COMMIT with a ROLLBACK tag when an earlier statement aborted the transaction.
    if (rows[0]?.command === 'ROLLBACK') {
      throw new Error('transaction was aborted by an earlier error and has been rolled back')
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'))
  }

  async savepoint(connection: DatabaseConnection, savepointName: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdentifier(savepointName)}`))
  }

  async rollbackToSavepoint(connection: DatabaseConnection, savepointName: string): Promise<void> {
    await connection.executeQuery(
      CompiledQuery.raw(`rollback to savepoint ${quoteIdentifier(savepointName)}`),
    )
  }

  async releaseSavepoint(connection: DatabaseConnection, savepointName: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdentifier(savepointName)}`))
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock()
  }

  async destroy(): Promise<void> {
    const { pglite, closeOnDestroy } = this.#config
    if (closeOnDestroy && !pglite.closed) await pglite.close()
  }
}

const AFFECTING_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE'])

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGliteQueryable

  constructor(pglite: PGliteQueryable) {
    this.#pglite = pglite
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#pglite.query<R>(compiledQuery.sql, [...compiledQuery.parameters], {
      rowMode: 'object',
    })
    const command = result.command ?? ''
    if (command === 'COMMIT' || command === 'ROLLBACK') return { rows: [{ command } as R] }
    return {
      rows: result.rows,
      numAffectedRows: AFFECTING_COMMANDS.has(command) ? BigInt(result.affectedRows ?? 0) : undefined,
    }
  }

  // biome-ignore lint/correctness/useYield: streaming is deliberately unsupported
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGliteDialect does not support streaming queries')
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
