/**
 * @module Runs one batch item: generate through the router (the units were reserved at submit),
 * then charge what was delivered and refund the rest — exactly once, fenced by the item's lease.
 */
import {
  findUserById,
  finishGeneration,
  finishJobItem,
  type JobItemRow,
  type JobRow,
  recordJobItemProgress,
} from '@nbl/db'
import { createContextInner } from '../../context.js'
import type { AppDeps } from '../../deps.js'
import { AppError } from '../../errors.js'
import type { GenerateImageInput } from '../../schemas.js'
import { logRecordFailure, recordItemFinished } from '../events/job-events.js'
import { generatePrepaidImage } from '../generation/generate-image.js'
import { utcDay } from '../quota/policy.js'
import type { ItemLease } from './video-item.js'

export async function runBatchItem(
  deps: AppDeps,
  job: JobRow,
  item: JobItemRow,
  lease: ItemLease,
): Promise<void> {
  const day = utcDay(job.created_at.getTime())
  const user = await findUserById(deps.db, job.user_id)
  if (!user) return
  const ctx = {
    ...createContextInner({ deps }),
    user: { id: user.id, name: user.name, role: user.role, tier: user.tier, apiKeyId: null },
  }
  const input = item.input as unknown as Omit<GenerateImageInput, 'idempotencyKey'>
  // A worker that died mid-item left its generation running: close it (nothing was charged for it).
  if (item.generation_id) {
    await finishGeneration(deps.db, job.user_id, item.generation_id, {
      status: 'failed',
      attempts: [],
      unitsCharged: 0,
      costUsd: 0,
      latencyMs: 0,
      errorCode: 'INTERNAL',
      errorMessage: 'interrupted: the worker stopped; the item was run again',
      finishedAt: new Date(),
    }).catch(() => undefined)
  }
  try {
    const result = await generatePrepaidImage(input, ctx, async (generationId, executor) => {
      await recordJobItemProgress(executor, job.id, item.index, lease.owner, { generationId })
    })
    if (lease.signal.aborted) return
    const finished = await finishJobItem(deps.db, job.id, item.index, lease.owner, {
      status: 'succeeded',
      imageIds: result.images.map((image) => image.id),
    })
    if (!finished) return
    // Charged on success only; anything not delivered (fewer images than asked) goes back.
    if (item.units > result.unitsCharged)
      await deps.quota.refund(job.user_id, day, item.units - result.unitsCharged)
    await recordItemFinished(deps, {
      job: finished,
      index: item.index,
      status: 'succeeded',
      imageIds: result.images.map((image) => image.id),
    }).catch(logRecordFailure(deps, job.id))
  } catch (error) {
    if (lease.signal.aborted) return
    const appError = error instanceof AppError ? error : undefined
    const finished = await finishJobItem(deps.db, job.id, item.index, lease.owner, {
      status: 'failed',
      errorCode: appError?.appCode ?? 'INTERNAL',
      errorMessage: appError?.message ?? 'the item failed',
    })
    if (finished) {
      await deps.quota.refund(job.user_id, day, item.units)
      await recordItemFinished(deps, {
        job: finished,
        index: item.index,
        status: 'failed',
        error: { appCode: appError?.appCode ?? 'INTERNAL', message: appError?.message ?? 'the item failed' },
      }).catch(logRecordFailure(deps, job.id))
    }
    if (!appError) {
      deps.logger.error(
        {
          jobId: job.id,
          index: item.index,
          err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error),
        },
        'batch item failed unexpectedly',
      )
    }
  }
}
