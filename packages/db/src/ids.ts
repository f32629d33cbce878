/**
 * @module Opaque, url-safe identifiers with a type prefix (`img_…`).
 */
import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'
const ID_LENGTH = 20

/**
 * Returns `${prefix}_` followed by 20 random Crockford base32 characters (100 bits).
 * @example createId('img') // 'img_7k2m9q...'
 */
export function createId(prefix: 'usr' | 'key' | 'gen' | 'img' | (string & {})): string {
  // 32 divides 256, so `byte & 31` picks every character with the same probability.
  const bytes = randomBytes(ID_LENGTH)
  let id = `${prefix}_`
  for (const byte of bytes) id += ALPHABET[byte & 31]
  return id
}
