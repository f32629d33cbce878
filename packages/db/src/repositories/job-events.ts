/**
 * @module A job's event log: numbered 1, 2, 3, … per job with no gaps and no repeats, so a
 * client resumes with the last number it saw. Appends serialise on the job row's lock.
 */
import { sql } from 'kysely'
import type { JobEventRow, JobEventType, JobRow } from '../schema.js'
import type { Executor } from './executor.js'

export interface NewJobEvent {
  type: JobEventType
  payload: Record<string, unknown>
}

export interface JobEventsSummary {
  /** The highest seq so far (0 when there is none). */
  lastSeq: number
  /** `item` events by status. */
  succeeded: number
  failed: number
  /** Whether the `done` event is in the log (nothing is appended after it). */
  finished: boolean
}

/**
 * Locks the job row until the transaction ends (`for update`), so that appends to its log take
 * turns; returns the job as it is now, or undefined if it does not exist. Call inside a transaction.
 */
export async function lockJobForEvents(db: Executor, jobId: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', jobId).forUpdate().executeTakeFirst()
}

/**
 * Appends events after the job's last one, numbering them consecutively. Concurrent appends get
 * distinct numbers: each locks the job row first and reads the last seq only once it holds the
 * lock (the primary key (job_id, seq) would refuse a duplicate anyway). Runs in the caller's
 * transaction when given one, else in its own.
 * @throws {Error} when the job does not exist
 */
export async function appendJobEvents(
  db: Executor,
  jobId: string,
  events: NewJobEvent[],
): Promise<JobEventRow[]> {
  if (events.length === 0) return []
  const append = async (trx: Executor): Promise<JobEventRow[]> => {
    if (!(await lockJobForEvents(trx, jobId))) throw new Error(`job ${jobId} not found`)
    const { lastSeq } = await summarizeJobEvents(trx, jobId)
    return trx
      .insertInto('job_events')
      .values(
        events.map((event, offset) => ({
          job_id: jobId,
          seq: lastSeq + offset + 1,
          type: event.type,
          payload: JSON.stringify(event.payload),
        })),
      )
      .returningAll()
      .execute()
      .then((rows) => rows.sort((a, b) => a.seq - b.seq))
  }
  return db.isTransaction ? append(db) : db.transaction().execute(append)
}

/** The job's events with seq > afterSeq, in order. */
export async function listJobEventsAfter(
  db: Executor,
  jobId: string,
  afterSeq: number,
): Promise<JobEventRow[]> {
  return db
    .selectFrom('job_events')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .execute()
}

/** Where the log stands: last seq, items recorded, and whether it ended. */
export async function summarizeJobEvents(db: Executor, jobId: string): Promise<JobEventsSummary> {
  const { rows } = await sql<{ last_seq: number; succeeded: number; failed: number; finished: boolean }>`
    select coalesce(max(seq), 0)::int as last_seq,
      count(*) filter (where type = 'item' and payload->>'status' = 'succeeded')::int as succeeded,
      count(*) filter (where type = 'item' and payload->>'status' = 'failed')::int as failed,
      coalesce(bool_or(type = 'done'), false) as finished
    from job_events where job_id = ${jobId}`.execute(db)
  const row = rows[0]
  return {
    lastSeq: row?.last_seq ?? 0,
    succeeded: row?.succeeded ?? 0,
    failed: row?.failed ?? 0,
    finished: row?.finished ?? false,
  }
}

/** The item indexes that already have an `item` event, ascending. */
export async function listJobItemEventIndexes(db: Executor, jobId: string): Promise<number[]> {
  const { rows } = await sql<{ index: number }>`
    select (payload->>'index')::int as index from job_events
    where job_id = ${jobId} and type = 'item' order by 1`.execute(db)
  return rows.map((row) => row.index)
}
