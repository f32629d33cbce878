/**
 * @module Group commit for finished generations. Calls that finish while a write is in flight, or
 * in the same turn of the event loop, are written together: one INSERT of all their generations and
 * images. Under load the database sees one statement per batch instead of one per call (PGlite
 * spends ~1-2 ms on any statement; PostgreSQL a round trip and a commit). Nobody waits for a timer:
 * an idle writer writes after one `setImmediate`, which lets the I/O callbacks already due (other
 * calls finishing) join first. That matters for PGlite, whose statements run on this thread: while
 * one runs, nothing else can finish and queue.
 *
 * `write` resolves once the rows are committed. `writeBehind` resolves once they are durable: with a
 * journal (generation-journal.ts) that is the append, and the commit follows behind the caller;
 * without one it is the commit. Rows written behind are retried while the database is unreachable
 * (the journal keeps them meanwhile); `committed(userId)` lets a reader wait for the caller's own.
 */
import {
  type Executor,
  type FinishedGeneration,
  type ImageRow,
  insertFinishedGenerations,
  isRefusedForGood,
  storedImageRow,
} from '@nbl/db'
import type { AppDeps, AppLogger } from '../../deps.js'
import type { GenerationJournal, JournalTicket } from './generation-journal.js'

/** Rows per statement stay far below PostgreSQL's 65 535 bind parameters (about 80 per entry). */
const MAX_BATCH = 64
/** Past this many entries waiting for the database, `writeBehind` waits for the commit (memory). */
const MAX_BEHIND = 10_000
/**
 * Entries written behind wait this long for others to share their statement: nobody waits for them
 * (a reader asking for its own flushes at once), and at one connection PGlite's ~1 ms per statement
 * is then paid once per ~10 calls instead of on every call.
 */
const BEHIND_DELAY_MS = 20
/** While the database refuses for a reason that may pass: 100 ms, 200 ms, ... up to 5 s apart. */
const RETRY_BASE_MS = 100
const RETRY_MAX_MS = 5_000

interface Pending {
  entry: FinishedGeneration
  /** Set for `write`: the caller waits for the commit and hears its failure. */
  resolve?: (images: ImageRow[]) => void
  reject?: (error: unknown) => void
  /** Set for `writeBehind`: where the journal holds the entry until it is committed. */
  ticket?: JournalTicket
}

export interface GenerationWriter {
  /** Resolves with the entry's images once they and the generation are committed. */
  write(entry: FinishedGeneration): Promise<ImageRow[]>
  /** Resolves with the entry's images once they are durable (journaled, or else committed). */
  writeBehind(entry: FinishedGeneration): Promise<ImageRow[]>
  /** Settles once every entry of this user written so far is committed; undefined when none waits. */
  committed(userId: string): Promise<void> | undefined
  /** Settles once every entry written so far is committed, or given up (shutdown, tests). */
  flush(): Promise<void>
}

export interface GenerationWriterOptions {
  journal?: GenerationJournal
  /** Hears rows written behind that the database refuses for good (their user deleted, say). */
  logger?: Pick<AppLogger, 'error' | 'warn'>
}

export function createGenerationWriter(
  db: Executor,
  options: GenerationWriterOptions = {},
): GenerationWriter {
  const { journal, logger } = options
  const queue: Pending[] = []
  /** A flush is scheduled (after `setImmediate` or the behind delay) or running. */
  let flushing = false
  let delayed: NodeJS.Timeout | undefined
  let retryDelayMs = 0
  /** Entries not yet committed, per user, and who waits for them. */
  const outstanding = new Map<string, { count: number; waiters: (() => void)[] }>()
  let idleWaiters: (() => void)[] = []

  function track(userId: string): void {
    const entry = outstanding.get(userId)
    if (entry) entry.count++
    else outstanding.set(userId, { count: 1, waiters: [] })
  }

  function untrack(userId: string): void {
    const entry = outstanding.get(userId)
    if (!entry) return
    if (--entry.count > 0) return
    outstanding.delete(userId)
    for (const wake of entry.waiters) wake()
  }

  function done(pending: Pending): void {
    untrack(pending.entry.generation.user_id)
    if (pending.ticket) journal?.committed(pending.ticket)
  }

  async function flush(): Promise<void> {
    delayed = undefined
    try {
      while (queue.length > 0) {
        if (retryDelayMs > 0) await new Promise((wake) => setTimeout(wake, retryDelayMs))
        await writeBatch(queue.splice(0, MAX_BATCH))
      }
    } finally {
      flushing = false
      if (queue.length === 0) {
        const waiting = idleWaiters
        idleWaiters = []
        for (const wake of waiting) wake()
      }
    }
  }

  async function writeBatch(batch: Pending[]): Promise<void> {
    try {
      const images = await insertFinishedGenerations(
        db,
        batch.map((pending) => pending.entry),
      )
      retryDelayMs = 0
      for (const pending of batch) {
        const id = pending.entry.generation.id
        done(pending)
        pending.resolve?.(images.filter((image) => image.generation_id === id))
      }
    } catch (error) {
      if (batch.length > 1) {
        // One bad entry (its user deleted meanwhile, say) fails the statement: the others are
        // written one by one, so only that caller sees the error.
        for (const pending of batch) await writeBatch([pending])
        return
      }
      const [pending] = batch as [Pending]
      if (pending.reject) {
        done(pending)
        pending.reject(error)
      } else if (isRefusedForGood(error)) {
        done(pending)
        logger?.error(
          { err: describe(error), generationId: pending.entry.generation.id },
          'a finished generation could not be written to the history; dropped',
        )
      } else {
        // The database is unreachable or busy: the journal keeps the entry; try again later.
        retryDelayMs = Math.min(Math.max(retryDelayMs * 2, RETRY_BASE_MS), RETRY_MAX_MS)
        logger?.warn(
          { err: describe(error), retryInMs: retryDelayMs },
          'writing finished generations failed; retrying',
        )
        queue.unshift(pending)
      }
    }
  }

  /** Starts a flush now (after one `setImmediate`), or brings a delayed one forward. */
  function flushSoon(): void {
    if (delayed) clearTimeout(delayed)
    else if (flushing) return
    flushing = true
    delayed = undefined
    setImmediate(() => void flush())
  }

  function enqueue(pending: Pending): void {
    track(pending.entry.generation.user_id)
    queue.push(pending)
    if (pending.resolve || queue.length >= MAX_BATCH) {
      flushSoon()
      return
    }
    if (flushing) return
    flushing = true
    delayed = setTimeout(() => void flush(), BEHIND_DELAY_MS)
    delayed.unref()
  }

  function write(entry: FinishedGeneration): Promise<ImageRow[]> {
    return new Promise<ImageRow[]>((resolve, reject) => enqueue({ entry, resolve, reject }))
  }

  return {
    write,

    async writeBehind(entry) {
      if (!journal || queue.length >= MAX_BEHIND) return write(entry)
      const stamped = withCreationTime(entry)
      enqueue({ entry: stamped, ticket: journal.append(stamped) })
      return rowsOf(stamped)
    },

    committed(userId) {
      const entry = outstanding.get(userId)
      if (!entry) return undefined
      // Someone waits: no reason to hold the batch back any longer.
      if (delayed) flushSoon()
      return new Promise<void>((wake) => entry.waiters.push(wake))
    },

    flush() {
      if (!flushing && queue.length === 0) return Promise.resolve()
      if (delayed) flushSoon()
      return new Promise<void>((wake) => idleWaiters.push(wake))
    },
  }
}

/** The creation time is fixed now, so the journal, the answer and the database agree on it. */
function withCreationTime(entry: FinishedGeneration): FinishedGeneration {
  if (entry.generation.created_at !== undefined) return entry
  return { ...entry, generation: { ...entry.generation, created_at: new Date() } }
}

/** The images as `insertFinishedGenerations` will store them. */
function rowsOf(entry: FinishedGeneration): ImageRow[] {
  const createdAt = entry.generation.created_at as Date
  return entry.images.map((image) => storedImageRow(image, createdAt))
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

const writers = new WeakMap<Executor, GenerationWriter>()

/** One writer per database handle, so every call on it joins the same batches. */
export function generationWriterFor(db: Executor): GenerationWriter {
  let writer = writers.get(db)
  if (!writer) {
    writer = createGenerationWriter(db)
    writers.set(db, writer)
  }
  return writer
}

/** The deps' writer (journaled in the server), else the database's own. */
export function generationWriterOf(deps: Pick<AppDeps, 'db' | 'generationWriter'>): GenerationWriter {
  return deps.generationWriter ?? generationWriterFor(deps.db)
}

/** A reader waits this long at most for the caller's generations still being committed. */
const READ_YOUR_WRITES_WAIT_MS = 2_000

/**
 * Reads see the caller's own generations: waits until those written behind an answer are committed
 * (at once when none is pending; at most 2 s while the database is unreachable).
 */
export async function ownGenerationsCommitted(
  deps: Pick<AppDeps, 'db' | 'generationWriter'>,
  userId: string,
): Promise<void> {
  const pending = generationWriterOf(deps).committed(userId)
  if (!pending) return
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    pending,
    new Promise<void>((wake) => (timer = setTimeout(wake, READ_YOUR_WRITES_WAIT_MS))),
  ])
  clearTimeout(timer)
}
