/**
 * @module Error helpers: read the API's `appCode`, `retryAfterMs` and field errors off a failed call.
 */
import type { AppCode, AppErrorData } from '@nbl/api'
import { TRPCClientError } from '@trpc/client'

export type { AppCode }

/** What the server says about a failed call; undefined for network errors without a response. */
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
  if (!(error instanceof TRPCClientError)) return undefined
  const data = (error as TRPCClientError<never>).data as Partial<AppErrorData> | undefined
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
 * True when `error` is an API error, optionally with the given appCode.
 * @example if (isAppError(error, 'COOLDOWN')) await sleep(getAppError(error)?.retryAfterMs ?? 1000)
 */
export function isAppError(error: unknown, appCode?: AppCode): error is TRPCClientError<never> {
  const data = dataOf(error)
  return data !== undefined && (appCode === undefined || data.appCode === appCode)
}
