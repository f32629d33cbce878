/**
 * @module watchJob: a job's events (`generate.jobs.events`) as an async iterable that survives
 * dropped connections, resuming after the last event seen, and ends after `done`.
 */
import type { NanoBananaClient } from './client.js'
import { isAppError } from './errors.js'
import type { ApiShape } from './router.js'

type TrackedJobEvent = ApiShape['generate']['jobs']['events']['event']

/**
 * One event of a job (API.md `JobEvent`): an item finished, progress, or `done`.
 * @example if (event.type === 'progress') console.log(`${event.done}/${event.total}`)
 */
export type JobEvent = TrackedJobEvent['data']

/**
 * A job event with its id (`lastEventId` to resume after it).
 * @example const resumeFrom: string = event.id
 */
export type WatchedJobEvent = JobEvent & { id: string }

/**
 * Options of `watchJob`.
 * @example const options: WatchJobOptions = { lastEventId: '4', signal: AbortSignal.timeout(60_000) }
 */
export interface WatchJobOptions {
  /** Resume after this event id (events up to it are not repeated). */
  lastEventId?: string
  /** Stops watching; the iteration then ends quietly. */
  signal?: AbortSignal
  /** Reconnection attempts in a row without a new event before giving up (default 10). */
  maxReconnects?: number
  /** Delay before the first reconnection, doubled each time up to 5 s (default 250 ms). */
  reconnectDelayMs?: number
}

/** Failures that a reconnection cannot fix: the job is not ours, we are not signed in, bad input. */
const FINAL_CODES = ['NOT_FOUND', 'UNAUTHENTICATED', 'FORBIDDEN', 'VALIDATION'] as const

function isFinal(error: unknown): boolean {
  return FINAL_CODES.some((code) => isAppError(error, code))
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** Event ids are the job log's sequence numbers: compare them as numbers when they are. */
function isAfter(id: string, last: string | undefined): boolean {
  if (last === undefined) return true
  const [a, b] = [Number(id), Number(last)]
  return Number.isFinite(a) && Number.isFinite(b) ? a > b : id !== last
}

/**
 * Follows a batch or video job: yields each event once, in order, reconnecting with the last seen
 * id after a dropped connection (the server replays what was missed), and ends after `done`.
 * @param options.lastEventId resume after this id; `signal` stops watching
 * @example
 * const { jobId } = await client.generate.batch.mutate({ items: [{ prompt: 'a' }, { prompt: 'b' }] })
 * for await (const event of watchJob(client, jobId)) {
 *   if (event.type === 'progress') console.log(`${event.done + event.failed}/${event.total}`)
 *   if (event.type === 'done') console.log(event.status)
 * }
 */
export async function* watchJob(
  client: NanoBananaClient,
  jobId: string,
  options: WatchJobOptions = {},
): AsyncGenerator<WatchedJobEvent, void, undefined> {
  const { signal, maxReconnects = 10, reconnectDelayMs = 250 } = options
  let lastEventId = options.lastEventId
  let failuresInARow = 0

  while (!signal?.aborted) {
    const queue: TrackedJobEvent[] = []
    let ended: { error?: unknown } | undefined
    let wake: (() => void) | undefined
    const notify = () => {
      wake?.()
      wake = undefined
    }
    const subscription = client.generate.jobs.events.subscribe(
      { jobId, ...(lastEventId !== undefined ? { lastEventId } : {}) },
      {
        onData(event) {
          queue.push(event)
          notify()
        },
        onError(error) {
          ended = { error }
          notify()
        },
        onComplete() {
          ended = {}
          notify()
        },
      },
    )
    const onAbort = () => {
      ended = {}
      notify()
    }
    signal?.addEventListener('abort', onAbort)
    try {
      while (true) {
        const next = queue.shift()
        if (next) {
          // A reconnect may replay an event we already gave out: skip it.
          if (!isAfter(next.id, lastEventId)) continue
          lastEventId = next.id
          failuresInARow = 0
          yield { ...next.data, id: next.id }
          if (next.data.type === 'done') return
          continue
        }
        if (ended) break
        await new Promise<void>((resolve) => {
          wake = resolve
        })
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      subscription.unsubscribe()
    }
    if (signal?.aborted) return
    const error = (ended as { error?: unknown } | undefined)?.error
    if (error !== undefined && isFinal(error)) throw error
    failuresInARow += 1
    if (failuresInARow > maxReconnects) {
      throw error ?? new Error(`job ${jobId}: the event stream ended before "done" ${failuresInARow} times`)
    }
    await sleep(Math.min(reconnectDelayMs * 2 ** (failuresInARow - 1), 5000), signal)
  }
}
