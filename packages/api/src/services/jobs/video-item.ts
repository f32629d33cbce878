/**
 * @module Runs one video job item to its end: submit (or resume polling the provider task a
 * previous worker started), poll, download, store, then charge — or refund on failure.
 */
import {
  createId,
  findImageForOwner,
  finishJobItem,
  insertGeneration,
  type JobItemRow,
  type JobRow,
  recordJobItemProgress,
} from '@nbl/db'
import {
  type Attempt,
  ProviderError,
  type ProviderName,
  ProvidersFailedError,
  type VideoGenerationRequest,
  type VideoProvider,
  type VideoTaskStatus,
} from '@nbl/providers'
import type { AppDeps } from '../../deps.js'
import { logRecordFailure, recordItemFinished } from '../events/job-events.js'
import { providerFailureToAppError } from '../generation/generate-image.js'
import { utcDay } from '../quota/policy.js'
import { storeVideo } from './store-video.js'
import type { VideoItemInput } from './submit-video.js'

export interface ItemLease {
  owner: string
  /** Aborted when the lease is lost (another worker took over, or the job was canceled). */
  signal: AbortSignal
  /** Extends the lease; false means it is lost. */
  renew(): Promise<boolean>
}

export async function runVideoItem(
  deps: AppDeps,
  job: JobRow,
  item: JobItemRow,
  lease: ItemLease,
): Promise<void> {
  const input = item.input as unknown as VideoItemInput
  const startedAt = Date.now()
  let attempts: Attempt[] = []
  try {
    let provider = item.provider as ProviderName | null
    let model = item.model ?? ''
    let taskId = item.provider_task_id
    let adapter = provider ? deps.providers.videoProvider(provider) : undefined
    let resubmitted = false

    const submit = async () => {
      const request = await videoRequest(deps, job.user_id, input)
      const started = await deps.providers.startVideo(request, {
        signal: lease.signal,
        ...(input.provider ? { provider: input.provider } : {}),
        ...(input.strategy ? { strategy: input.strategy } : {}),
      })
      attempts = started.attempts
      provider = started.provider
      model = started.model
      taskId = started.task.taskId
      adapter = deps.providers.videoProvider(started.provider)
      await recordJobItemProgress(deps.db, job.id, item.index, lease.owner, {
        provider,
        model,
        providerTaskId: taskId,
      })
    }
    if (!taskId || !adapter) await submit()

    for (;;) {
      if (!adapter || !taskId || !provider) throw new Error('video task without a provider')
      const status: VideoTaskStatus = await adapter.getVideoTask(taskId, { signal: lease.signal })
      if (status.status === 'succeeded') {
        const videoKey = `videos/${job.user_id}/${job.id}-${item.index}.mp4`
        await storeVideo(deps.storage, adapter, status.output, videoKey, lease.signal)
        const finished = await deps.db.transaction().execute(async (trx) => {
          const updated = await finishJobItem(trx, job.id, item.index, lease.owner, {
            status: 'succeeded',
            videoKey,
          })
          if (!updated) return undefined
          await insertGeneration(trx, {
            id: createId('gen'),
            user_id: job.user_id,
            kind: 'video',
            status: 'succeeded',
            prompt: input.prompt,
            request: { ...input, jobId: job.id },
            provider,
            model,
            attempts: [...attempts, succeededAttempt(provider as ProviderName, model, startedAt)],
            units_reserved: item.units,
            units_charged: item.units,
            cost_usd: status.costUsd,
            latency_ms: Date.now() - startedAt,
            error_code: null,
            error_message: null,
            finished_at: new Date(),
          })
          return updated
        })
        // Lost the item meanwhile (canceled, or taken over): whoever holds it settles it.
        if (!finished) await deps.storage.delete(videoKey)
        else {
          deps.metrics?.generation('video', provider, 'succeeded')
          await recordItemFinished(deps, {
            job: finished,
            index: item.index,
            status: 'succeeded',
            videoKey,
          }).catch(logRecordFailure(deps, job.id))
        }
        return
      }
      if (status.status === 'failed') {
        // The offline provider forgets its tasks on restart: start it again once, instead of failing.
        if (adapter.durableTasks === false && !resubmitted && status.error.errorClass === 'task_failed') {
          resubmitted = true
          await submit()
          continue
        }
        throw new ProvidersFailedError({ attempts, lastError: status.error })
      }
      await sleepUnlessAborted(pollIntervalFor(adapter), lease.signal)
      if (!(await lease.renew())) return
    }
  } catch (error) {
    if (lease.signal.aborted) return
    const appError = providerFailureToAppError(error)
    const code = appError?.appCode ?? 'PROVIDERS_FAILED'
    const message = appError?.message ?? (error instanceof Error ? error.message : 'the video failed')
    const finished = await finishJobItem(deps.db, job.id, item.index, lease.owner, {
      status: 'failed',
      errorCode: code,
      errorMessage: message,
    })
    if (finished) {
      deps.metrics?.generation('video', item.provider ?? 'none', 'failed')
      await deps.quota.refund(job.user_id, utcDay(job.created_at.getTime()), item.units)
      await recordItemFinished(deps, {
        job: finished,
        index: item.index,
        status: 'failed',
        error: { appCode: code, message },
      }).catch(logRecordFailure(deps, job.id))
    }
    if (!appError) {
      deps.logger.error(
        {
          jobId: job.id,
          err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error),
        },
        'video item failed unexpectedly',
      )
    }
  }
}

async function videoRequest(
  deps: AppDeps,
  userId: string,
  input: VideoItemInput,
): Promise<VideoGenerationRequest> {
  const request: VideoGenerationRequest = {
    prompt: input.prompt,
    durationSec: input.durationSec,
    aspectRatio: input.aspectRatio,
    resolution: input.resolution,
  }
  if (!input.imageId) return request
  const row = await findImageForOwner(deps.db, userId, input.imageId)
  const data = row ? await deps.storage.read(row.storage_key) : undefined
  if (!row || !data) {
    throw new ProvidersFailedError({
      attempts: [],
      lastError: new ProviderError({
        provider: input.provider ?? 'local',
        errorClass: 'invalid_request',
        message: 'the first-frame image no longer exists',
      }),
    })
  }
  return { ...request, image: { data, mimeType: row.mime_type } }
}

function succeededAttempt(provider: ProviderName, model: string, startedAt: number): Attempt {
  return { provider, model, outcome: 'succeeded', latencyMs: Date.now() - startedAt }
}

function pollIntervalFor(adapter: VideoProvider): number {
  return Math.max(50, adapter.pollIntervalMs)
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
