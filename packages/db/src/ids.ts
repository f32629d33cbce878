/**
 * @module Opaque, url-safe identifiers with a type prefix (`img_…`).
 */
import { randomFillSync } from 'node:crypto'

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'
const ID_LENGTH = 20

// Random bytes drawn 4 KiB at a time (as Node does for randomUUID): one CSPRNG call per ~200 ids
// instead of one per id, which costs tens of microseconds each on a busy request path.
const pool = Buffer.alloc(4096)
let poolOffset = pool.length

function randomBytesFromPool(length: number): Buffer {
  if (poolOffset + length > pool.length) {
    randomFillSync(pool)
    poolOffset = 0
  }
  poolOffset += length
  return pool.subarray(poolOffset - length, poolOffset)
}

/**
 * Returns `${prefix}_` followed by 20 random Crockford base32 characters (100 bits).
 * @example createId('img') // 'img_7k2m9q...'
 */
export function createId(prefix: 'usr' | 'key' | 'gen' | 'img' | (string & {})): string {
  // 32 divides 256, so `byte & 31` picks every character with the same probability.
  const bytes = randomBytesFromPool(ID_LENGTH)
  let id = `${prefix}_`
  for (const byte of bytes) id += ALPHABET[byte & 31]
  return id
}
