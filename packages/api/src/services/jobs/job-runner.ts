/**
 * @module The embedded job runner: claims unfinished job items with a lease (so work left by a
 * crashed or restarted process is taken over once its lease expires), runs them with bounded
 * concurrency, keeps the leases alive, and stops an item when its lease is lost or its job canceled.
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { claimJobItems, findJobById, type JobItemRow, renewJobItemLease } from '@nbl/db'
import type { AppDeps } from '../../deps.js'
import { runBatchItem } from './batch-item.js'
import { runVideoItem } from './video-item.js'

export interface JobScheduler {
  /** New work was submitted: look for it now instead of at the next tick (or queue its items). */
  wake(job?: { id: string; total: number }): void
  /** Stop local work on a job's items (after a cancel). */
  abortJob(jobId: string): void
}

export const idleJobScheduler: JobScheduler = { wake() {}, abortJob() {} }

export interface JobRunnerOptions {
  /** Items in flight at once in this process. */
  concurrency?: number
  /** How long a claim lasts without renewal; a dead worker's items wait this long. */
  leaseMs?: number
  /** How often to look for claimable items when not woken. */
  pollIntervalMs?: number
  owner?: string
}

export interface JobRunner extends JobScheduler {
  readonly owner: string
  /** Claims and runs one item if it is free (a queue delivered it); resolves when it is done. */
  runItem(jobId: string, index: number): Promise<void>
  start(): void
  /** Stops claiming and aborts local work (its leases expire and another worker resumes it). */
  stop(): Promise<void>
  /** Resolves when nothing is in flight (tests). */
  idle(): Promise<void>
}

export function createJobRunner(deps: AppDeps, options: JobRunnerOptions = {}): JobRunner {
  const concurrency = options.concurrency ?? 4
  const leaseMs = options.leaseMs ?? 30_000
  const pollIntervalMs = options.pollIntervalMs ?? 1_000
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  const inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>()
  let timer: NodeJS.Timeout | undefined
  let running = false
  let ticking: Promise<void> | undefined
  let again = false

  async function tick(): Promise<void> {
    if (!running) return
    const free = concurrency - inFlight.size
    if (free <= 0) return
    let claimed: JobItemRow[]
    try {
      claimed = await claimJobItems(deps.db, { owner, leaseMs, limit: free })
    } catch (error) {
      deps.logger.error({ err: String(error) }, 'claiming job items failed')
      return
    }
    for (const item of claimed) launch(item)
  }

  function launch(item: JobItemRow): void {
    const key = `${item.job_id}:${item.index}`
    const controller = new AbortController()
    const renewEvery = Math.max(50, Math.floor(leaseMs / 3))
    let lastRenewal = Date.now()
    const renew = async (): Promise<boolean> => {
      if (controller.signal.aborted) return false
      if (Date.now() - lastRenewal < renewEvery) return true
      lastRenewal = Date.now()
      const held = await renewJobItemLease(deps.db, item.job_id, item.index, { owner, leaseMs }).catch(
        () => false,
      )
      if (!held) controller.abort(new Error('lease lost'))
      return held
    }
    // Keep the lease even while one provider call takes longer than the lease.
    const heartbeat = setInterval(() => void renew(), renewEvery)
    const done = (async () => {
      try {
        const job = await findJobById(deps.db, item.job_id)
        if (!job) return
        const lease = { owner, signal: controller.signal, renew }
        if (job.kind === 'video') await runVideoItem(deps, job, item, lease)
        else await runBatchItem(deps, job, item, lease)
      } catch (error) {
        deps.logger.error({ jobId: item.job_id, index: item.index, err: String(error) }, 'job item crashed')
      } finally {
        clearInterval(heartbeat)
        inFlight.delete(key)
        schedule()
      }
    })()
    inFlight.set(key, { controller, done })
  }

  function schedule(): void {
    if (!running) return
    if (ticking) {
      again = true
      return
    }
    ticking = tick().finally(() => {
      ticking = undefined
      if (again) {
        again = false
        schedule()
      }
    })
  }

  return {
    owner,
    start() {
      if (running) return
      running = true
      timer = setInterval(schedule, pollIntervalMs)
      timer.unref()
      schedule()
    },
    wake: () => schedule(),
    async runItem(jobId, index) {
      const existing = inFlight.get(`${jobId}:${index}`)
      if (existing) return existing.done
      const [item] = await claimJobItems(deps.db, { owner, leaseMs, limit: 1, jobId, index })
      if (!item) return
      launch(item)
      await inFlight.get(`${jobId}:${index}`)?.done
    },
    abortJob(jobId) {
      for (const [key, entry] of inFlight)
        if (key.startsWith(`${jobId}:`)) entry.controller.abort(new Error('canceled'))
    },
    async stop() {
      running = false
      if (timer) clearInterval(timer)
      await ticking
      for (const entry of inFlight.values()) entry.controller.abort(new Error('stopping'))
      await Promise.all([...inFlight.values()].map((entry) => entry.done))
    },
    async idle() {
      while (ticking || inFlight.size > 0) {
        await ticking
        await Promise.all([...inFlight.values()].map((entry) => entry.done))
      }
    },
  }
}
