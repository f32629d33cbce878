/**
 * @module @nbl/sdk: the typed client for Nano Banana Lab.
 * @example
 * import { createClient } from '@nbl/sdk'
 * const client = createClient({ url: 'http://localhost:3000', apiKey: 'nbl_…' })
 */
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server'
import type { AppRouter } from './router.js'

export type { SessionTokens, UnauthorizedAnswer } from './auth.js'
export {
  type ClientOptions,
  createClient,
  type NanoBananaClient,
  type SubscriptionTransport,
  subscriptionTransport,
} from './client.js'
export {
  type AppCode,
  type AppErrorData,
  type AppErrorDataOf,
  type AppErrorDetailsByCode,
  type AppErrorInfo,
  getAppError,
  isAppError,
  type NanoBananaError,
} from './errors.js'
export type { ApiShape, AppErrorShape, AppRouter } from './router.js'
export { type JobEvent, type WatchedJobEvent, type WatchJobOptions, watchJob } from './watch-job.js'

/**
 * Inputs of every procedure, by path.
 * @example type Input = RouterInputs['generate']['image']
 */
export type RouterInputs = inferRouterInputs<AppRouter>
/**
 * Outputs of every procedure, by path.
 * @example type Output = RouterOutputs['generate']['image']
 */
export type RouterOutputs = inferRouterOutputs<AppRouter>

/**
 * Input of `generate.image`.
 * @example const input: GenerateImageInput = { prompt: 'a banana', resolution: '2K', aspectRatio: '16:9' }
 */
export type GenerateImageInput = RouterInputs['generate']['image']
/**
 * Output of `generate.image`: images, provider, cost, latency, attempts, quota.
 * @example const first: Image | undefined = result.images[0]
 */
export type GenerationResult = RouterOutputs['generate']['image']
/**
 * One generated image (`id`, `url`, `mimeType`, `width`, `height`, …).
 * @example const extension = image.mimeType.split('/')[1]
 */
export type Image = GenerationResult['images'][number]
/**
 * The caller's quota (`limit`, `used`, `remaining`, `resetsAt`, …).
 * @example const left = quota.remaining ?? Infinity
 */
export type QuotaState = RouterOutputs['quota']['status']
