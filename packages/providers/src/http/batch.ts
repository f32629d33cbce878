/**
 * @module Parallel provider tasks that stand or fall together (one image per task, `count` tasks per call).
 */

/**
 * Runs one task per item in parallel, under one signal that follows `signal`. The first failure aborts the
 * others (their results would be discarded, and an aborted task can be cancelled before it is billed) and is
 * what the call rejects with.
 */
export async function allOrAbort<I, T>(
  items: readonly I[],
  signal: AbortSignal | undefined,
  task: (item: I, signal: AbortSignal) => Promise<T>,
): Promise<T[]> {
  const batch = new AbortController()
  const forwardAbort = () => batch.abort(signal?.reason)
  if (signal?.aborted) forwardAbort()
  else signal?.addEventListener('abort', forwardAbort, { once: true })
  try {
    return await Promise.all(
      items.map((item) =>
        task(item, batch.signal).catch((error: unknown) => {
          batch.abort()
          throw error
        }),
      ),
    )
  } finally {
    signal?.removeEventListener('abort', forwardAbort)
  }
}
