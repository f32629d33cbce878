/**
 * @module Keyset cursors: round trip, and forged cursors refused before they reach a query.
 */
import { describe, expect, it } from 'vitest'
import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor.js'

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

describe('cursors', () => {
  it('decode what they encode, at the edges of the years PostgreSQL takes', () => {
    for (const iso of ['0001-01-01T00:00:00.000Z', '2026-04-02T10:20:30.456Z', '9999-12-31T23:59:59.999Z']) {
      const position = { createdAt: new Date(iso), id: 'img_1' }
      expect(decodeCursor(encodeCursor(position))).toEqual(position)
    }
  })

  it.each([
    ['not base64 JSON', 'not a cursor'],
    ['no fields', encode({})],
    ['an unparsable date', encode({ createdAt: 'yesterday', id: 'img_1' })],
    ['an empty id', encode({ createdAt: '2026-04-02T10:20:30.456Z', id: '' })],
    ['year 0', encode({ createdAt: '0000-06-01T00:00:00.000Z', id: 'img_1' })],
    ['a negative year', encode({ createdAt: '-000001-01-01T00:00:00.000Z', id: 'img_1' })],
    ['year 10000', encode({ createdAt: '+010000-01-01T00:00:00.000Z', id: 'img_1' })],
  ])('refuses %s with InvalidCursorError', (_case, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(InvalidCursorError)
  })
})
