/**
 * @module The resumable event stream of one job (`generate.jobs.events`). Event ids are the log's
 * seq numbers as strings ("1", "2", …): resuming after id N yields exactly N+1, N+2, …
 *
 * Order of work, so that nothing falls between the database and the bus (STYLE T7): subscribe to
 * the job's channel first, then back-fill from the log after `afterSeq`, then follow live
 * messages, skipping seqs already yielded. A live seq beyond the next expected one means a
 * message was lost (Redis pub/sub is at-most-once): the log is re-read. When the channel stays
 * quiet for `resyncMs` the log is re-read too, and a finished job whose log never ended is
 * completed (`reconcileJobEvents`). The stream returns right after yielding `done`.
 */
import { findJobById, type JobRow, listJobEventsAfter, summarizeJobEvents } from '@nbl/db'
import { type TrackedEnvelope, tracked } from '@trpc/server'
import type { AppDeps } from '../../deps.js'
import { isJobEventsMessage, jobChannel, type StoredJobEvent } from './channels.js'
import { openInbox } from './inbox.js'
import { isFinalJobStatus, type JobEvent, jobEventToApi, reconcileJobEvents } from './job-events.js'

export interface JobEventStreamOptions {
  /** The job, already checked to be the caller's. */
  job: JobRow
  /** The last seq the client saw (0 = from the start). */
  afterSeq: number
  /** Origin for signed URLs in item events. */
  origin: string
  signal?: AbortSignal | undefined
  /** How long the channel may stay quiet before the log is re-read. */
  resyncMs?: number
  /** How long after a job finished its log must have ended before the stream completes it. */
  reconcileGraceMs?: number
}

export async function* streamJobEvents(
  deps: AppDeps,
  options: JobEventStreamOptions,
): AsyncGenerator<TrackedEnvelope<JobEvent>, void, unknown> {
  const { job, signal } = options
  const resyncMs = options.resyncMs ?? 10_000
  const graceMs = options.reconcileGraceMs ?? 10_000
  // First: from here on, every published event is caught.
  const inbox = await openInbox(deps.events, jobChannel(job.id), signal)
  let last = options.afterSeq
  let ended = false

  /** Yields events after `last`, in order; sets `ended` at `done`. */
  async function* emit(events: StoredJobEvent[]): AsyncGenerator<TrackedEnvelope<JobEvent>, void, unknown> {
    for (const event of events) {
      if (ended || event.seq <= last) continue
      const apiEvent = await jobEventToApi(deps, event, { userId: job.user_id, origin: options.origin })
      last = event.seq
      if (event.type === 'done') ended = true
      yield tracked(String(event.seq), apiEvent)
    }
  }
  const fromLog = () => listJobEventsAfter(deps.db, job.id, last)

  try {
    yield* emit(await fromLog())
    if (ended) return
    const log = await summarizeJobEvents(deps.db, job.id)
    // The client already saw `done`: nothing more to say.
    if (log.finished && log.lastSeq <= last) return
    // An id beyond the log (from some other log): carry on from where this one is.
    if (last > log.lastSeq) last = log.lastSeq
    // Appended since the back-fill (the inbox may hold them too; seqs already yielded are skipped).
    if (log.lastSeq > last) {
      yield* emit(await fromLog())
      if (ended) return
    }
    if (isFinalJobStatus(job.status)) {
      // Finished long ago without a complete log (e.g. before logs existed): complete it now.
      if ((await reconcileJobEvents(deps, job.id, { graceMs })).length > 0) yield* emit(await fromLog())
      if (ended) return
    }

    while (!signal?.aborted) {
      const messages = await inbox.take(resyncMs)
      if (signal?.aborted) return
      if (messages.length === 0) {
        // Quiet for a while: a message may have been lost, or the job ended without its `done`.
        yield* emit(await fromLog())
        if (ended) return
        const current = await findJobById(deps.db, job.id)
        if (!current) return // deleted with its owner
        if (
          isFinalJobStatus(current.status) &&
          (await reconcileJobEvents(deps, job.id, { graceMs })).length > 0
        ) {
          yield* emit(await fromLog())
          if (ended) return
        }
        continue
      }
      const live = messages
        .filter((message) => isJobEventsMessage(message, job.id))
        .flatMap((message) => message.events)
        .sort((a, b) => a.seq - b.seq)
      for (const event of live) {
        if (event.seq <= last) continue
        // A gap: something published before this was lost on the way; the log has it.
        if (event.seq > last + 1) yield* emit(await fromLog())
        // Only ever the next one, so nothing is skipped (the log is re-read when quiet).
        if (event.seq === last + 1) yield* emit([event])
        if (ended) return
      }
    }
  } finally {
    await inbox.close()
  }
}
