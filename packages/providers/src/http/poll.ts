/**
 * @module Bounded polling for submit-and-poll APIs: an attempt cap derived from interval and
 * deadline, AbortSignal honoured between and during waits.
 */
import { ProviderError, type ProviderName } from '../types.js'

/** Resolves after `ms`, or rejects at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new DOMException('aborted', 'AbortError'))
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    function onAbort() {
      clearTimeout(timer)
      reject(signal?.reason ?? new DOMException('aborted', 'AbortError'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export interface PollOptions<T> {
  provider: ProviderName
  /** One poll: `done` ends the loop with its value; `pending` waits and polls again. */
  check: () => Promise<{ done: true; value: T } | { done: false }>
  intervalMs: number
  maxWaitMs: number
  signal?: AbortSignal
  /** Wait before the first poll (some APIs are never done at once). Defaults to intervalMs. */
  initialDelayMs?: number
}

/** Polls until done; throws a `timeout` ProviderError after `maxWaitMs` (at most maxWait/interval + 1 polls). */
export async function pollUntilDone<T>(options: PollOptions<T>): Promise<T> {
  const { intervalMs, maxWaitMs, signal } = options
  const maxPolls = Math.max(1, Math.ceil(maxWaitMs / Math.max(1, intervalMs)) + 1)
  await sleep(options.initialDelayMs ?? intervalMs, signal)
  for (let poll = 0; poll < maxPolls; poll++) {
    const outcome = await options.check()
    if (outcome.done) return outcome.value
    if (poll < maxPolls - 1) await sleep(intervalMs, signal)
  }
  throw new ProviderError({
    provider: options.provider,
    errorClass: 'timeout',
    message: `${options.provider}: the task did not finish within ${Math.round(maxWaitMs / 1000)} s`,
  })
}
