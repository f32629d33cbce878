/**
 * @module Runs a repository page query, turning a forged cursor into a VALIDATION error on `cursor`.
 */
import { InvalidCursorError } from '@nbl/db'
import { AppError } from '../../errors.js'

export async function pageOrInvalidCursor<T>(query: Promise<T>): Promise<T> {
  try {
    return await query
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw new AppError('VALIDATION', 'cursor: invalid cursor', {
        fieldErrors: { cursor: ['invalid cursor'] },
      })
    }
    throw error
  }
}
