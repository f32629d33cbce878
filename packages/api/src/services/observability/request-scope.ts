/**
 * @module The request a piece of code runs for, without threading it through every call: the HTTP
 * layer enters the scope, and the logger's mixin reads it, so every log line carries the request id.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

export interface RequestScope {
  requestId: string
}

const storage = new AsyncLocalStorage<RequestScope>()

export function runInRequestScope<T>(scope: RequestScope, run: () => T): T {
  return storage.run(scope, run)
}

/** The current request's id, or undefined outside a request (startup, job workers). */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId
}

/** For pino's `mixin` option: adds `requestId` to every line logged inside a request. */
export function requestLogFields(): { requestId?: string } {
  const requestId = storage.getStore()?.requestId
  return requestId === undefined ? {} : { requestId }
}
