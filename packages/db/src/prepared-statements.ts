/**
 * @module Named statements for the queries marked hot. PostgreSQL parses, analyses and plans an
 * unnamed statement on every execution; for the history insert that runs behind every generation (a
 * CTE into two tables, one with a generated tsvector column) that is 0.2-0.6 ms of its 0.6-1.0 ms
 * (pgbench, `-M extended` against `-M prepared`). A named statement is parsed once per connection
 * and executed from then on.
 *
 * Only marked statements are named: every name holds a plan in every backend for the connection's
 * life, and unmarked SQL has no bound on its texts (IN lists of any length). Marked ones must not
 * return `*`: a column added by a migration while a statement is cached would fail it ("cached plan
 * must not change result type"); a statement without a result is simply planned again.
 *
 * Behind a pooler in transaction mode (PgBouncer before 1.21) a statement named on one server
 * connection is unknown on the next: `createDatabase({ preparedStatements: false })` sends them unnamed.
 */
import type { PostgresPool, PostgresPoolClient } from 'kysely'
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
    const query = (textOrCursor: string | pg.Submittable, parameters?: readonly unknown[]) => {
      if (typeof textOrCursor !== 'string') return client.query(textOrCursor)
      const values = parameters === undefined ? [] : [...parameters]
      const name = nameOf(textOrCursor)
      return client.query(
        name === undefined ? { text: textOrCursor, values } : { name, text: textOrCursor, values },
      )
    }
    return {
      // pg's result and cursor types are wider than Kysely's structural ones; the values are the same.
      query: query as unknown as PostgresPoolClient['query'],
      release: (destroy) => client.release(destroy),
    }
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
