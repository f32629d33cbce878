/**
 * @module What every repository function takes first: the database or an open transaction.
 */
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../schema.js'

export type Executor = Kysely<Database> | Transaction<Database>
