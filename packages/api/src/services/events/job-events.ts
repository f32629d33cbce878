/**
 * @module Recording a job's events: each finished item appends `item` + `progress` (and, with the
 * last one, `done` plus a notification for the owner) to the job's log in one transaction, then
 * publishes them on `job:<jobId>` (and the notification on `user:<userId>`).
 *
 * The log is the truth; the bus only makes it live. Rules that keep it consistent:
 * - Appends take the job row's lock, so seqs are consecutive and `progress` counts only grow.
 * - `progress` counts the `item` events in the log (not the job row), so a stream never shows a
 *   count ahead of the items it has seen, and `done` comes after the last item's event.
 * - Nothing is appended after `done`.
 * - A finished job whose log did not end (a crash between finishing an item and recording it, a
 *   path that does not record yet) is completed from its items by `reconcileJobEvents`.
 */
import {
  appendJobEvents,
  createId,
  type Executor,
  findImageForOwner,
  insertNotification,
  type JobEventType,
  type JobItemRow,
  type JobRow,
  type JobStatus,
  listJobItemEventIndexes,
  listJobItems,
  lockJobForEvents,
  type NewJobEvent,
  type NotificationRow,
  summarizeJobEvents,
} from '@nbl/db'
import type { AppDeps } from '../../deps.js'
import { type Image, imageRowToImage } from '../images/image-output.js'
import { publishNotification } from '../notifications/notification-output.js'
import { type JobEventsMessage, jobChannel, publishQuietly, type StoredJobEvent } from './channels.js'

export type FinalJobStatus = 'succeeded' | 'partial' | 'failed' | 'canceled'

/**
 * One event of `generate.jobs.events` (API.md `JobEvent`). Beyond the contract: an item event
 * always lists `imageIds`, carries `images` when it made several (`image` is the first), and
 * `videoUrl` (signed) for a video.
 */
export type JobEvent =
  | {
      type: 'item'
      index: number
      status: 'succeeded' | 'failed'
      imageIds: string[]
      image?: Image
      images?: Image[]
      videoUrl?: string
      error?: { appCode: string; message: string }
    }
  | { type: 'progress'; done: number; failed: number; total: number; status: JobStatus }
  | { type: 'done'; status: FinalJobStatus }

/** Payloads as stored in `job_events.payload` (no URLs: those are signed per request). */
interface ItemPayload {
  index: number
  status: 'succeeded' | 'failed'
  imageIds: string[]
  videoKey?: string
  error?: { appCode: string; message: string }
}

export interface ItemFinished {
  /** The job row `finishJobItem` returned. */
  job: JobRow
  index: number
  status: 'succeeded' | 'failed'
  imageIds?: string[]
  videoKey?: string | null
  error?: { appCode: string; message: string }
}

export function isFinalJobStatus(status: JobStatus): status is FinalJobStatus {
  return status !== 'queued' && status !== 'running'
}

/**
 * Records a finished item; call it right after `finishJobItem` succeeded (not when it returned
 * undefined: then the item was not ours to finish). Returns the events appended (none when the log
 * already ended, or the item was recorded before).
 */
export async function recordItemFinished(deps: AppDeps, finished: ItemFinished): Promise<StoredJobEvent[]> {
  const jobId = finished.job.id
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const job = await lockJobForEvents(trx, jobId)
    if (!job) return undefined
    const log = await summarizeJobEvents(trx, jobId)
    if (log.finished) return undefined
    if ((await listJobItemEventIndexes(trx, jobId)).includes(finished.index)) return undefined
    const item: ItemPayload = {
      index: finished.index,
      status: finished.status,
      imageIds: finished.imageIds ?? [],
      ...(finished.videoKey ? { videoKey: finished.videoKey } : {}),
      ...(finished.error ? { error: finished.error } : {}),
    }
    const done = log.succeeded + (finished.status === 'succeeded' ? 1 : 0)
    const failed = log.failed + (finished.status === 'failed' ? 1 : 0)
    // Every item's event is in (this one last) and the job row says it is over: the log ends here.
    const complete = done + failed >= job.total && isFinalJobStatus(job.status)
    if (complete) return closeLog(trx, job, [itemEvent(item)], { done, failed })
    const progress = {
      done,
      failed,
      total: job.total,
      status: job.status === 'canceled' ? 'canceled' : 'running',
    }
    const rows = await appendJobEvents(trx, jobId, [itemEvent(item), { type: 'progress', payload: progress }])
    return { rows, notification: undefined }
  })
  return publishOutcome(deps, jobId, outcome)
}

/** Ends the log of a job its owner canceled: `progress` then `done` canceled, and a notification. */
export async function recordJobCanceled(deps: AppDeps, canceled: JobRow): Promise<StoredJobEvent[]> {
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const job = await lockJobForEvents(trx, canceled.id)
    if (job?.status !== 'canceled') return undefined
    if ((await summarizeJobEvents(trx, job.id)).finished) return undefined
    return closeLog(trx, job, [], { done: job.done, failed: job.failed })
  })
  return publishOutcome(deps, canceled.id, outcome)
}

/**
 * Completes the log of a job that finished more than `graceMs` ago without a `done` event: the
 * missing `item` events from its items, then `progress` and `done` (and the notification that was
 * not sent). The grace leaves time to a worker that finished an item but has not recorded it yet.
 */
export async function reconcileJobEvents(
  deps: AppDeps,
  jobId: string,
  options: { graceMs: number; now?: Date },
): Promise<StoredJobEvent[]> {
  const now = options.now ?? new Date()
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const job = await lockJobForEvents(trx, jobId)
    if (!job || !isFinalJobStatus(job.status)) return undefined
    if (job.finished_at && now.getTime() - job.finished_at.getTime() < options.graceMs) return undefined
    if ((await summarizeJobEvents(trx, jobId)).finished) return undefined
    const recorded = new Set(await listJobItemEventIndexes(trx, jobId))
    const missing = (await listJobItems(trx, jobId))
      .filter(
        (item) => (item.status === 'succeeded' || item.status === 'failed') && !recorded.has(item.index),
      )
      .map((item) => itemEvent(itemPayloadFromRow(item)))
    return closeLog(trx, job, missing, { done: job.done, failed: job.failed })
  })
  if (outcome)
    deps.logger.info({ jobId, events: outcome.rows.length }, 'completed the event log of a finished job')
  return publishOutcome(deps, jobId, outcome)
}

/** Logs a recording failure where a worker must carry on (the item itself is finished and paid). */
export function logRecordFailure(deps: AppDeps, jobId: string): (error: unknown) => void {
  return function recordFailed(error) {
    deps.logger.error(
      { jobId, err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) },
      'could not record job events; streams will complete the log once the job is over',
    )
  }
}

/** The API shape of a stored event; images and the video get URLs signed for `origin`. */
export async function jobEventToApi(
  deps: AppDeps,
  event: StoredJobEvent,
  options: { userId: string; origin: string },
): Promise<JobEvent> {
  switch (event.type) {
    case 'item': {
      const payload = event.payload as unknown as ItemPayload
      const images: Image[] = []
      for (const id of payload.imageIds) {
        // A deleted image is left out; its id stays in imageIds.
        const row = await findImageForOwner(deps.db, options.userId, id)
        if (row) images.push(imageRowToImage(row, deps, options.origin))
      }
      return {
        type: 'item',
        index: payload.index,
        status: payload.status,
        imageIds: payload.imageIds,
        ...(images[0] ? { image: images[0] } : {}),
        ...(images.length > 1 ? { images } : {}),
        ...(payload.videoKey
          ? {
              videoUrl: deps.storage.signedUrl(payload.videoKey, {
                origin: options.origin,
                expiresInSeconds: deps.config.signedUrlTtlSeconds,
              }),
            }
          : {}),
        ...(payload.error ? { error: payload.error } : {}),
      }
    }
    case 'progress': {
      const payload = event.payload as { done: number; failed: number; total: number; status: JobStatus }
      return {
        type: 'progress',
        done: payload.done,
        failed: payload.failed,
        total: payload.total,
        status: payload.status,
      }
    }
    case 'done':
      return { type: 'done', status: (event.payload as { status: FinalJobStatus }).status }
  }
}

interface Outcome {
  rows: { seq: number; type: JobEventType; payload: Record<string, unknown> }[]
  notification: NotificationRow | undefined
}

function itemEvent(payload: ItemPayload): NewJobEvent {
  return { type: 'item', payload: { ...payload } }
}

function itemPayloadFromRow(item: JobItemRow): ItemPayload {
  return {
    index: item.index,
    status: item.status as ItemPayload['status'],
    imageIds: item.image_ids,
    ...(item.video_key ? { videoKey: item.video_key } : {}),
    ...(item.error_code
      ? { error: { appCode: item.error_code, message: item.error_message ?? 'failed' } }
      : {}),
  }
}

/** Appends `before`, the final `progress` and `done`, and the owner's notification. */
async function closeLog(
  trx: Executor,
  job: JobRow,
  before: NewJobEvent[],
  counts: { done: number; failed: number },
): Promise<Outcome> {
  const status = job.status as FinalJobStatus
  const rows = await appendJobEvents(trx, job.id, [
    ...before,
    { type: 'progress', payload: { ...counts, total: job.total, status } },
    { type: 'done', payload: { status } },
  ])
  const notification = await insertNotification(trx, {
    id: createId('ntf'),
    user_id: job.user_id,
    type: 'job.finished',
    ...jobFinishedText(job, status, counts),
    data: { jobId: job.id, kind: job.kind, status, ...counts, total: job.total },
    read_at: null,
  })
  return { rows, notification }
}

function jobFinishedText(
  job: JobRow,
  status: FinalJobStatus,
  counts: { done: number; failed: number },
): { title: string; body: string } {
  const what = job.kind === 'video' ? 'video' : 'batch'
  if (status === 'canceled') {
    return {
      title: `Your ${what} was canceled`,
      body: `${counts.done} of ${job.total} succeeded and ${counts.failed} failed before it was canceled.`,
    }
  }
  if (job.kind === 'video' && job.total === 1) {
    return {
      title: 'Your video finished',
      body: status === 'succeeded' ? 'The video is ready.' : 'The video could not be made.',
    }
  }
  return {
    title: `Your ${what} finished`,
    body: `${counts.done} of ${job.total} succeeded, ${counts.failed} failed.`,
  }
}

async function publishOutcome(
  deps: AppDeps,
  jobId: string,
  outcome: Outcome | undefined,
): Promise<StoredJobEvent[]> {
  if (!outcome) return []
  const events = outcome.rows.map(({ seq, type, payload }) => ({ seq, type, payload }))
  const message: JobEventsMessage = { kind: 'job-events', jobId, events }
  await publishQuietly(deps, jobChannel(jobId), message)
  if (outcome.notification) await publishNotification(deps, outcome.notification)
  return events
}
