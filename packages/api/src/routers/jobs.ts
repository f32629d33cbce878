/**
 * @module `generate.jobs`: the caller's batch and video jobs (owner-filtered; another user's id is NOT_FOUND).
 */
import {
  cancelJobForOwner,
  findJobForOwner,
  InvalidCursorError,
  listJobItems,
  listJobsForOwner,
} from '@nbl/db'
import type { ProviderName } from '@nbl/providers'
import { z } from 'zod'
import { AppError, notFound } from '../errors.js'
import { JOB_STATUSES, jobIdInput, type ListOutput, listInput } from '../schemas.js'
import { type JobSummary, jobRowToSummary, jobToOutput } from '../services/jobs/job-output.js'
import { utcDay } from '../services/quota/policy.js'
import { authedProcedure, router } from '../trpc.js'

const jobsListInput = listInput.extend({ status: z.enum(JOB_STATUSES).optional() }).default({ limit: 20 })

export const jobsRouter = router({
  get: authedProcedure.input(jobIdInput).query(async ({ input, ctx }) => {
    const job = await findJobForOwner(ctx.deps.db, ctx.user.id, input.jobId)
    if (!job) throw notFound('job')
    return jobToOutput(job, await listJobItems(ctx.deps.db, job.id), ctx.deps, ctx.origin)
  }),

  list: authedProcedure
    .input(jobsListInput)
    .query(async ({ input, ctx }): Promise<ListOutput<JobSummary>> => {
      try {
        const page = await listJobsForOwner(ctx.deps.db, ctx.user.id, {
          limit: input.limit,
          ...(input.cursor ? { cursor: input.cursor } : {}),
          ...(input.status ? { status: input.status } : {}),
        })
        return { items: page.items.map(jobRowToSummary), nextCursor: page.nextCursor }
      } catch (error) {
        if (error instanceof InvalidCursorError) {
          throw new AppError('VALIDATION', 'cursor: invalid cursor', {
            fieldErrors: { cursor: ['invalid cursor'] },
          })
        }
        throw error
      }
    }),

  /** Cancels what has not finished: those items are not charged (their units go back). */
  cancel: authedProcedure.input(jobIdInput).mutation(async ({ input, ctx }) => {
    const { deps, user } = ctx
    const result = await deps.db.transaction().execute((trx) => cancelJobForOwner(trx, user.id, input.jobId))
    if (!result) throw notFound('job')
    const day = utcDay(result.job.created_at.getTime())
    for (const item of result.canceled) {
      await deps.quota.refund(user.id, day, item.units)
      // Best effort: stop the provider's work too, where it can be stopped.
      if (item.provider && item.provider_task_id) {
        const adapter = deps.providers.videoProvider(item.provider as ProviderName)
        adapter?.cancelVideoTask?.(item.provider_task_id).catch(() => undefined)
      }
    }
    deps.jobs.abortJob(result.job.id)
    return jobToOutput(result.job, await listJobItems(deps.db, result.job.id), deps, ctx.origin)
  }),
})
