/**
 * @module @nbl/sdk: the typed client for Nano Banana Lab.
 * @example
 * import { createClient } from '@nbl/sdk'
 * const client = createClient({ url: 'http://localhost:3000', apiKey: 'nbl_…' })
 */
import type { AppRouter } from '@nbl/api'
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server'

export { type ClientOptions, createClient, type NanoBananaClient } from './client.js'
export { type AppCode, type AppErrorInfo, getAppError, isAppError } from './errors.js'
export type { AppRouter }

/** Inputs of every procedure, by path: `RouterInputs['generate']['image']`. */
export type RouterInputs = inferRouterInputs<AppRouter>
/** Outputs of every procedure, by path: `RouterOutputs['generate']['image']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>

export type GenerateImageInput = RouterInputs['generate']['image']
export type GenerationResult = RouterOutputs['generate']['image']
export type Image = GenerationResult['images'][number]
export type QuotaState = RouterOutputs['quota']['status']
