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
import { streamJobEvents } from '../services/events/job-event-stream.js'
import { logRecordFailure, recordJobCanceled } from '../services/events/job-events.js'
import { type JobSummary, jobRowToSummary, jobToOutput } from '../services/jobs/job-output.js'
import { utcDay } from '../services/quota/policy.js'
import { authedProcedure, router } from '../trpc.js'

const jobsListInput = listInput.extend({ status: z.enum(JOB_STATUSES).optional() }).default({ limit: 20 })

/** `lastEventId` is the seq of the last event the client saw (tRPC fills it from `Last-Event-ID`). */
const jobEventsInput = jobIdInput.extend({
  lastEventId: z
    .string()
    .regex(/^\d{1,9}$/, 'expected an event id from this stream')
    .optional(),
})

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
    // The cancel stands even if its events cannot be written now: streams complete the log later.
    if (result.job.status === 'canceled') {
      await recordJobCanceled(deps, result.job).catch(logRecordFailure(deps, result.job.id))
    }
    return jobToOutput(result.job, await listJobItems(deps.db, result.job.id), deps, ctx.origin)
  }),

  /**
   * The job's events (JobEvent), each with its id (the log's seq). With `lastEventId` it replays
   * what came after, then follows live; it ends after `done`, at once for a job already over.
   */
  events: authedProcedure.input(jobEventsInput).subscription(async ({ input, ctx, signal }) => {
    const job = await findJobForOwner(ctx.deps.db, ctx.user.id, input.jobId)
    if (!job) throw notFound('job')
    return streamJobEvents(ctx.deps, {
      job,
      afterSeq: input.lastEventId === undefined ? 0 : Number(input.lastEventId),
      origin: ctx.origin,
      signal,
    })
  }),
})
