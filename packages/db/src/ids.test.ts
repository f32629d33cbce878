/**
 * @module createId: format and uniqueness.
 */
import { describe, expect, it } from 'vitest'
import { createId } from './ids.js'

describe('createId', () => {
  it('makes prefixed, url-safe, unique ids', () => {
    const ids = Array.from({ length: 1000 }, () => createId('img'))
    for (const id of ids) expect(id).toMatch(/^img_[0-9a-z]{20}$/)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
