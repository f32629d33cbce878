/**
 * @module Opaque keyset cursors over (created_at desc, id desc).
 */

/** The cursor did not come from us, or was tampered with; the API maps it to a validation error. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError'
  readonly retryable = false
  readonly context: { cursor: string }

  constructor(cursor: string, options?: ErrorOptions) {
    super('invalid cursor', options)
    this.context = { cursor }
  }
}

export interface CursorPosition {
  createdAt: Date
  id: string
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(
    JSON.stringify({ createdAt: position.createdAt.toISOString(), id: position.id }),
  ).toString('base64url')
}

/** @throws {InvalidCursorError} */
export function decodeCursor(cursor: string): CursorPosition {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch (error) {
    throw new InvalidCursorError(cursor, { cause: error })
  }
  if (typeof parsed !== 'object' || parsed === null) throw new InvalidCursorError(cursor)
  const { createdAt, id } = parsed as Record<string, unknown>
  if (typeof createdAt !== 'string' || typeof id !== 'string' || id === '')
    throw new InvalidCursorError(cursor)
  const date = new Date(createdAt)
  // JS dates reach years -271821..275760; PostgreSQL would fail on most of them (and on year 0).
  const year = date.getUTCFullYear()
  if (Number.isNaN(year) || year < 1 || year > 9999) throw new InvalidCursorError(cursor)
  return { createdAt: date, id }
}

/** @throws {RangeError} unless `limit` is a positive integer (the API validates 1..100 before this). */
export function assertPageLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`)
}

/** Turns `limit + 1` fetched rows into a page and the cursor of its last row. */
export function toPage<Row extends { created_at: Date; id: string }>(
  rows: Row[],
  limit: number,
): { items: Row[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null }
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]!
  return { items, nextCursor: encodeCursor({ createdAt: last.created_at, id: last.id }) }
}
