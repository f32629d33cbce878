/**
 * @module Named statements for the queries marked hot. PostgreSQL parses and analyses an unnamed
 * statement on every execution, and plans it; for the history insert that runs behind every
 * generation (a CTE into two tables, one with a generated tsvector column) that is 0.2-0.6 ms of its
 * 0.6-1.0 ms (pgbench, `-M extended` against `-M prepared`). A named statement is parsed once per
 * connection; from its sixth run on PostgreSQL keeps one generic plan when that plans no worse.
 *
 * Only marked statements are named: every name holds a plan in every backend for the connection's
 * life, and unmarked SQL has no bound on its texts (IN lists of any length). Marked ones must not
 * return `*`: a column added by a migration while a statement is cached would fail it ("cached plan
 * must not change result type"); a statement without a result is simply planned again. They bind
 * only strings, numbers, dates and JSON already stringified: see `destroyAfter` for why.
 *
 * Behind a pooler in transaction mode that does not follow named statements (PgBouncer without
 * `max_prepared_statements`, which is on by default only since 1.24), a statement named on one
 * server connection is unknown on the next: `createDatabase({ preparedStatements: false })`.
 */
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely'
import { sql } from 'kysely'
import type pg from 'pg'

const MARKER = '/* prepared */'

/**
 * Appended to a query (`.modifyEnd(preparedStatement)`) to have it named on PostgreSQL. A comment
 * to the database, so PGlite and unnamed connections run the same SQL.
 */
export const preparedStatement = sql.raw(MARKER)

/** Distinct texts named per pool; past it, marked queries go unnamed (a batch of every size, say). */
const MAX_NAMED_TEXTS = 32

/**
 * An error without a SQLSTATE did not come from the server: a value pg could not convert, or a
 * broken socket. After the first, pg believes a statement prepared that the server closed, and
 * every later run on that connection would fail; the connection is not handed out again.
 */
const destroyAfter = (error: unknown): boolean =>
  !(error instanceof Error && typeof (error as { code?: unknown }).code === 'string')

/** The pool, handing out clients that name the marked statements. */
export function namingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>()
  const nameOf = (text: string): string | undefined => {
    if (!text.endsWith(MARKER)) return undefined
    let name = names.get(text)
    if (name === undefined && names.size < MAX_NAMED_TEXTS) {
      name = `nbl_${names.size}`
      names.set(text, name)
    }
    return name
  }

  // Kysely keeps its connection per client object: one wrapper per pg client, not per checkout.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let broken = false
    function query<R>(text: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>
    function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>
    function query<R>(
      textOrCursor: string | PostgresCursor<R>,
      parameters: readonly unknown[] = [],
    ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
      // A cursor (Kysely's `stream`) is pg's own Submittable; nothing to name.
      if (typeof textOrCursor !== 'string')
        return client.query(textOrCursor as PostgresCursor<R> & pg.Submittable)
      const values = [...parameters]
      const name = nameOf(textOrCursor)
      // pg types `command` as any string; Kysely lists the ones it reads.
      type Row = R & pg.QueryResultRow
      if (name === undefined)
        return client.query<Row>(textOrCursor, values) as Promise<PostgresQueryResult<R>>
      const result = client.query<Row>({ name, text: textOrCursor, values }) as Promise<
        PostgresQueryResult<R>
      >
      return result.catch((error: unknown) => {
        if (destroyAfter(error)) broken = true
        throw error
      })
    }
    return { query, release: (destroy) => client.release(destroy === true || broken) }
  }

  return {
    async connect() {
      const client = await pool.connect()
      let wrapper = wrappers.get(client)
      if (!wrapper) {
        wrapper = wrap(client)
        wrappers.set(client, wrapper)
      }
      return wrapper
    },
    end: () => pool.end(),
  }
}
