/**
 * @module Runs a repository list call, turning a forged or foreign cursor into a VALIDATION error on `cursor`.
 */
import { InvalidCursorError } from '@nbl/db'
import { AppError } from '../../errors.js'

export async function withValidCursor<T>(list: () => Promise<T>): Promise<T> {
  try {
    return await list()
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw new AppError('VALIDATION', 'cursor: invalid cursor', {
        fieldErrors: { cursor: ['invalid cursor'] },
      })
    }
    throw error
  }
}
