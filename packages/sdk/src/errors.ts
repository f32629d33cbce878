/**
 * @module Error helpers: read the API's `appCode`, `retryAfterMs` and field errors off a failed call,
 * and narrow an unknown error to one appCode with its details typed.
 */
import { TRPCClientError } from '@trpc/client'
import type { AppCode, AppErrorData, AppRouter } from './router.js'

export type { AppCode, AppErrorData }

/**
 * Details the API always sends with some codes (beyond the optional ones in AppErrorData).
 * @example const wait: AppErrorDetailsByCode['COOLDOWN']['retryAfterMs'] = 3000
 */
export interface AppErrorDetailsByCode {
  QUOTA_EXCEEDED: { retryAfterMs: number }
  COOLDOWN: { retryAfterMs: number }
  RATE_LIMITED: { retryAfterMs: number }
  VALIDATION: { fieldErrors?: Record<string, string[]> }
  PROVIDERS_FAILED: { attempts?: NonNullable<AppErrorData['attempts']> }
}

/**
 * The error data of one appCode: `appCode` is that literal, and its usual details are typed.
 * @example function wait(data: AppErrorDataOf<'QUOTA_EXCEEDED'>) { return data.retryAfterMs }
 */
export type AppErrorDataOf<C extends AppCode> = AppErrorData & {
  appCode: C
} & (C extends keyof AppErrorDetailsByCode ? AppErrorDetailsByCode[C] : unknown)

/**
 * A failed call's error, narrowed by `isAppError` to one appCode.
 * @example if (isAppError(error, 'COOLDOWN')) setTimeout(retry, error.data.retryAfterMs)
 */
export type NanoBananaError<C extends AppCode = AppCode> = TRPCClientError<AppRouter> & {
  data: AppErrorDataOf<C>
}

/**
 * What the server says about a failed call; undefined for network errors without a response.
 * @example const info: AppErrorInfo | undefined = getAppError(error)
 */
export interface AppErrorInfo {
  appCode: AppCode
  message: string
  httpStatus: number
  retryAfterMs?: number
  fieldErrors?: Record<string, string[]>
  requestId?: string
  data: AppErrorData
}

function dataOf(error: unknown): AppErrorData | undefined {
  // Duck-typed as well as instanceof: a second copy of @trpc/client (bundled apps) makes another class.
  if (!(error instanceof TRPCClientError) && !(error instanceof Error && error.name === 'TRPCClientError'))
    return undefined
  const data = (error as { data?: Partial<AppErrorData> | null }).data
  return data && typeof data.appCode === 'string' ? (data as AppErrorData) : undefined
}

/**
 * The API error behind a failed call, if it is one.
 * @example
 * try { await client.generate.image.mutate({ prompt }) } catch (error) {
 *   const info = getAppError(error)
 *   if (info?.appCode === 'QUOTA_EXCEEDED') console.log(`retry in ${info.retryAfterMs} ms`)
 * }
 */
export function getAppError(error: unknown): AppErrorInfo | undefined {
  const data = dataOf(error)
  if (!data) return undefined
  return {
    appCode: data.appCode,
    message: (error as Error).message,
    httpStatus: data.httpStatus,
    data,
    ...(data.retryAfterMs !== undefined ? { retryAfterMs: data.retryAfterMs } : {}),
    ...(data.fieldErrors ? { fieldErrors: data.fieldErrors } : {}),
    ...(data.requestId ? { requestId: data.requestId } : {}),
  }
}

/**
 * True when `error` is an API error, optionally with the given appCode; narrows `error.data`
 * (`error.data.retryAfterMs` is a number after `isAppError(error, 'QUOTA_EXCEEDED')`).
 * @example
 * if (isAppError(error, 'QUOTA_EXCEEDED')) {
 *   console.log(`quota resets in ${Math.ceil(error.data.retryAfterMs / 60_000)} min`)
 * }
 */
export function isAppError<C extends AppCode = AppCode>(
  error: unknown,
  appCode?: C,
): error is NanoBananaError<C> {
  const data = dataOf(error)
  return data !== undefined && (appCode === undefined || data.appCode === appCode)
}
