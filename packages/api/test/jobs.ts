/**
 * @module Jobs without providers: insert a job, lease its items, and finish them the way a worker
 * does (`finishJobItem`, then `recordItemFinished`), so tests drive progress directly.
 */
import {
  claimJobItems,
  createId,
  finishJobItem,
  insertImages,
  insertJobWithItems,
  type JobKind,
  type JobRow,
} from '@nbl/db'
import type { AppDeps } from '../src/deps.js'
import { recordItemFinished } from '../src/services/events/job-events.js'

const WORKER = 'test-worker'

export async function startJob(
  deps: AppDeps,
  userId: string,
  total: number,
  kind: JobKind = 'batch',
): Promise<JobRow> {
  const job = await insertJobWithItems(
    deps.db,
    {
      id: createId('job'),
      user_id: userId,
      kind,
      status: 'queued',
      total,
      request: {},
      idempotency_key: null,
      request_hash: null,
    },
    Array.from({ length: total }, (_, index) => ({ index, input: { prompt: `item ${index}` }, units: 1 })),
  )
  await claimJobItems(deps.db, { owner: WORKER, leaseMs: 10 * 60_000, limit: total, jobId: job.id })
  return job
}

/** Finishes one leased item: a succeeded one gets a stored image row (not a file). */
export async function finishItem(
  deps: AppDeps,
  job: JobRow,
  index: number,
  status: 'succeeded' | 'failed',
  options: { record?: boolean } = {},
) {
  let imageIds: string[] = []
  if (status === 'succeeded') {
    const id = createId('img')
    await insertImages(deps.db, [
      {
        id,
        user_id: job.user_id,
        generation_id: null,
        storage_key: `images/${job.user_id}/${id}.png`,
        mime_type: 'image/png',
        width: 1024,
        height: 1024,
        bytes: 100,
        prompt: `item ${index}`,
        provider: 'local',
        model: 'local-1',
      },
    ])
    imageIds = [id]
  }
  const error = status === 'failed' ? { appCode: 'PROVIDERS_FAILED', message: 'nope' } : undefined
  const finished = await finishJobItem(deps.db, job.id, index, WORKER, {
    status,
    imageIds,
    ...(error ? { errorCode: error.appCode, errorMessage: error.message } : {}),
  })
  if (!finished) throw new Error(`item ${index} of ${job.id} was not ours to finish`)
  const events =
    options.record === false
      ? []
      : await recordItemFinished(deps, {
          job: finished,
          index,
          status,
          imageIds,
          ...(error ? { error } : {}),
        })
  return { job: finished, imageIds, events }
}
