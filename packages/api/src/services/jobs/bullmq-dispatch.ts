/**
 * @module Networked job dispatch on BullMQ: each submitted item becomes a queue message; workers
 * (API instances or `--worker` processes) take messages and run the item through the leased job
 * runner. BullMQ re-delivers a message whose worker stalled (was killed); the database lease
 * makes sure an item is still charged once, and the runner's periodic sweep picks up anything a
 * message was lost for.
 */
import { Queue, Worker } from 'bullmq'
import type { AppLogger } from '../../deps.js'
import type { JobRunner, JobScheduler } from './job-runner.js'

export const JOB_ITEMS_QUEUE = 'nbl-job-items'

export interface BullMQDispatchOptions {
  redisUrl: string
  /** Redis key prefix (tests use their own). */
  prefix?: string
  runner: JobRunner
  logger: AppLogger
  /** Run a BullMQ worker in this process (false on API-only instances). */
  work: boolean
  /** Items this process runs at once. */
  concurrency?: number
}

export interface BullMQDispatch extends JobScheduler {
  close(): Promise<void>
}

export function createBullMQDispatch(options: BullMQDispatchOptions): BullMQDispatch {
  const prefix = options.prefix ?? 'nbl-bull'
  const queue = new Queue<{ jobId: string; index: number }>(JOB_ITEMS_QUEUE, {
    connection: { url: options.redisUrl },
    prefix,
    defaultJobOptions: {
      removeOnComplete: 1000,
      removeOnFail: 1000,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
    },
  })
  queue.on('error', (error) => options.logger.warn({ err: String(error) }, 'job queue error'))
  const worker = options.work
    ? new Worker<{ jobId: string; index: number }>(
        JOB_ITEMS_QUEUE,
        async function runQueuedItem(message) {
          await options.runner.runItem(message.data.jobId, message.data.index)
        },
        {
          connection: { url: options.redisUrl, maxRetriesPerRequest: null },
          prefix,
          concurrency: options.concurrency ?? 8,
          // A killed worker's messages are handed to another within a few seconds.
          stalledInterval: 5_000,
          lockDuration: 15_000,
        },
      )
    : undefined
  worker?.on('error', (error) => options.logger.warn({ err: String(error) }, 'job worker error'))

  return {
    wake(job) {
      if (!job) {
        options.runner.wake()
        return
      }
      const messages = Array.from({ length: job.total }, (_, index) => ({
        name: 'item',
        data: { jobId: job.id, index },
        opts: { jobId: `${job.id}.${index}` },
      }))
      queue.addBulk(messages).catch((error: unknown) => {
        // The runner's sweep still finds the items in the database.
        options.logger.warn({ err: String(error), jobId: job.id }, 'could not queue job items')
        options.runner.wake()
      })
    },
    abortJob: (jobId) => options.runner.abortJob(jobId),
    async close() {
      await worker?.close()
      await queue.close()
    },
  }
}
