/** @module Reads the API.md view (appCode, details) of an error thrown by createCaller. */
import { TRPCError } from '@trpc/server'
import { describeError } from '../src/errors.js'

export function appErrorOf(error: unknown) {
  if (!(error instanceof TRPCError)) throw error
  return { trpcCode: error.code, ...describeError(error) }
}

export async function expectAppError(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    return appErrorOf(error)
  }
  throw new Error('expected the call to fail')
}
