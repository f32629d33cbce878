/**
 * @module The client-side `AppRouter`: the API's procedures (from api-shape.ts) as a tRPC router type,
 * with no server context, so `createTRPCClient<AppRouter>` infers every input and output.
 */
import type {
  TRPC_ERROR_CODE_NUMBER,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCSubscriptionProcedure,
} from '@trpc/server'
import type { ApiShape, AppErrorData } from './api-shape.js'

export type { ApiShape, AppErrorData }

/**
 * The machine-readable code of an API error.
 * @example const code: AppCode = 'QUOTA_EXCEEDED'
 */
export type AppCode = AppErrorData['appCode']

/**
 * The error shape every procedure fails with.
 * @example type Data = AppErrorShape['data'] // AppErrorData
 */
export interface AppErrorShape {
  code: TRPC_ERROR_CODE_NUMBER
  message: string
  data: AppErrorData
}

type ToProcedure<P> = P extends { type: 'query'; input: infer I; output: infer O }
  ? TRPCQueryProcedure<{ input: I; output: O; meta: object }>
  : P extends { type: 'mutation'; input: infer I; output: infer O }
    ? TRPCMutationProcedure<{ input: I; output: O; meta: object }>
    : P extends { type: 'subscription'; input: infer I; event: infer E }
      ? TRPCSubscriptionProcedure<{ input: I; output: AsyncIterable<E, void, unknown>; meta: object }>
      : { [K in keyof P]: ToProcedure<P[K]> }

/**
 * The router type the SDK's client is built on; `inferRouterInputs<AppRouter>` etc. work on it.
 * @example
 * import { createTRPCClient, httpBatchLink } from '@trpc/client'
 * const raw = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: 'http://127.0.0.1:3000/trpc' })] })
 */
export type AppRouter = TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: AppErrorShape; transformer: false },
  { [K in keyof ApiShape]: ToProcedure<ApiShape[K]> }
>
