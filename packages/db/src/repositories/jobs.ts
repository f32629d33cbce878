/**
 * @module Jobs and their items: owner-filtered reads, and the worker side — leased claims (an
 * expired lease means the worker died, so another takes the item over), fenced updates, and
 * finishing an item and its job's counters in one transaction.
 */
import { sql } from 'kysely'
import type { JobItemRow, JobItemStatus, JobRow, JobStatus, NewJobItemRow, NewJobRow } from '../schema.js'
import { assertPageLimit, decodeCursor, toPage } from './cursor.js'
import type { Executor } from './executor.js'

export type NewJob = Omit<NewJobRow, 'request'> & { request: Record<string, unknown> }
export type NewJobItem = Omit<NewJobItemRow, 'input' | 'job_id' | 'status'> & {
  input: Record<string, unknown>
}

/** Inserts a job and its items (all `queued`); run it in a transaction with anything else of the submit. */
export async function insertJobWithItems(db: Executor, job: NewJob, items: NewJobItem[]): Promise<JobRow> {
  const row = await db
    .insertInto('jobs')
    .values({ ...job, request: JSON.stringify(job.request) })
    .returningAll()
    .executeTakeFirstOrThrow()
  if (items.length > 0) {
    await db
      .insertInto('job_items')
      .values(
        items.map((item) => ({
          ...item,
          job_id: row.id,
          status: 'queued' as const,
          input: JSON.stringify(item.input),
        })),
      )
      .execute()
  }
  return row
}

export async function findJobForOwner(
  db: Executor,
  userId: string,
  jobId: string,
): Promise<JobRow | undefined> {
  return db
    .selectFrom('jobs')
    .selectAll()
    .where('id', '=', jobId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
}

export async function findJobById(db: Executor, jobId: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst()
}

export async function findJobByIdempotencyKey(
  db: Executor,
  userId: string,
  idempotencyKey: string,
): Promise<JobRow | undefined> {
  return db
    .selectFrom('jobs')
    .selectAll()
    .where('user_id', '=', userId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst()
}

export async function listJobItems(db: Executor, jobId: string): Promise<JobItemRow[]> {
  return db.selectFrom('job_items').selectAll().where('job_id', '=', jobId).orderBy('index').execute()
}

export async function listJobsForOwner(
  db: Executor,
  userId: string,
  options: { limit: number; cursor?: string; status?: JobStatus },
): Promise<{ items: JobRow[]; nextCursor: string | null }> {
  assertPageLimit(options.limit)
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
  const rows = await db
    .selectFrom('jobs')
    .selectAll()
    .where('user_id', '=', userId)
    .$if(after !== undefined, (query) =>
      query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after!.createdAt, after!.id))),
    )
    .$if(options.status !== undefined, (query) => query.where('status', '=', options.status!))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute()
  return toPage(rows, options.limit)
}

export interface ClaimOptions {
  owner: string
  leaseMs: number
  now?: Date
}

/**
 * Takes unfinished items whose lease is free or expired (oldest jobs first, at most the job's
 * concurrency in flight), leasing them to `owner`.
 */
export async function claimJobItems(
  db: Executor,
  options: ClaimOptions & { limit: number; jobId?: string; index?: number; kind?: 'batch' | 'video' },
): Promise<JobItemRow[]> {
  // Another worker may win some of the candidates between our pick and our update: pick again.
  const claimed: JobItemRow[] = []
  for (let round = 0; round < 3 && claimed.length < options.limit; round++) {
    const batch = await claimRound(db, { ...options, limit: options.limit - claimed.length })
    claimed.push(...batch.rows)
    if (!batch.contended) break
  }
  return claimed
}

async function claimRound(
  db: Executor,
  options: ClaimOptions & { limit: number; jobId?: string; index?: number; kind?: 'batch' | 'video' },
): Promise<{ rows: JobItemRow[]; contended: boolean }> {
  const now = options.now ?? new Date()
  const expires = new Date(now.getTime() + options.leaseMs)
  // Pick candidates first: a job runs at most `request.concurrency` items at once (live leases
  // count). The update re-checks the lease, so two workers racing for one item cannot both win.
  const candidates = await sql<{ job_id: string; index: number }>`
    select job_id, index from (
      select item.job_id, item.index, job.created_at,
        row_number() over (partition by item.job_id order by item.index) as rank,
        coalesce((job.request->>'concurrency')::int, 1000) - (
          select count(*) from job_items active
          where active.job_id = item.job_id and active.status = 'running' and active.lease_expires_at >= ${now}
        ) as free
      from job_items item join jobs job on job.id = item.job_id
      where item.status in ('queued', 'running')
        and job.status in ('queued', 'running')
        and (item.lease_expires_at is null or item.lease_expires_at < ${now})
        ${options.jobId ? sql`and item.job_id = ${options.jobId}` : sql``}
        ${options.index !== undefined ? sql`and item.index = ${options.index}` : sql``}
        ${options.kind ? sql`and job.kind = ${options.kind}` : sql``}
    ) ranked
    where rank <= free
    order by created_at, job_id, index
    limit ${options.limit}`.execute(db)
  if (candidates.rows.length === 0) return { rows: [], contended: false }
  const result = await sql<JobItemRow>`
    update job_items set lease_owner = ${options.owner}, lease_expires_at = ${expires},
      status = 'running', started_at = coalesce(started_at, ${now})
    where (job_id, index) in (${sql.join(candidates.rows.map((row) => sql`(${row.job_id}, ${row.index})`))})
      and status in ('queued', 'running')
      and (lease_expires_at is null or lease_expires_at < ${now})
    returning *`.execute(db)
  if (result.rows.length > 0) {
    const jobIds = [...new Set(result.rows.map((row) => row.job_id))]
    await db
      .updateTable('jobs')
      .set({ status: 'running', updated_at: now })
      .where('id', 'in', jobIds)
      .where('status', '=', 'queued')
      .execute()
  }
  return { rows: result.rows, contended: result.rows.length < candidates.rows.length }
}

/** Extends the lease of an item the owner still holds; false means it lost it (stop working on it). */
export async function renewJobItemLease(
  db: Executor,
  jobId: string,
  index: number,
  options: ClaimOptions,
): Promise<boolean> {
  const now = options.now ?? new Date()
  const result = await db
    .updateTable('job_items')
    .set({ lease_expires_at: new Date(now.getTime() + options.leaseMs) })
    .where('job_id', '=', jobId)
    .where('index', '=', index)
    .where('lease_owner', '=', options.owner)
    .where('status', '=', 'running')
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

export interface JobItemProgress {
  provider?: string | null
  model?: string | null
  providerTaskId?: string | null
  generationId?: string | null
}

/** Records progress (e.g. the provider task id) on an item the owner holds. */
export async function recordJobItemProgress(
  db: Executor,
  jobId: string,
  index: number,
  owner: string,
  progress: JobItemProgress,
): Promise<boolean> {
  const result = await db
    .updateTable('job_items')
    .set({
      ...(progress.provider !== undefined ? { provider: progress.provider } : {}),
      ...(progress.model !== undefined ? { model: progress.model } : {}),
      ...(progress.providerTaskId !== undefined ? { provider_task_id: progress.providerTaskId } : {}),
      ...(progress.generationId !== undefined ? { generation_id: progress.generationId } : {}),
    })
    .where('job_id', '=', jobId)
    .where('index', '=', index)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

export interface FinishJobItem {
  status: Extract<JobItemStatus, 'succeeded' | 'failed'>
  imageIds?: string[]
  videoKey?: string | null
  errorCode?: string | null
  errorMessage?: string | null
  now?: Date
}

/**
 * Ends an item the owner holds and updates its job's counters (and final status once every item
 * is done). Returns the updated job, or undefined when the owner no longer held the item (another
 * worker took it over, or the job was canceled): the caller must then not charge for it.
 */
export async function finishJobItem(
  db: Executor,
  jobId: string,
  index: number,
  owner: string,
  finish: FinishJobItem,
): Promise<JobRow | undefined> {
  const now = finish.now ?? new Date()
  const item = await db
    .updateTable('job_items')
    .set({
      status: finish.status,
      image_ids: JSON.stringify(finish.imageIds ?? []),
      video_key: finish.videoKey ?? null,
      error_code: finish.errorCode ?? null,
      error_message: finish.errorMessage ?? null,
      finished_at: now,
      lease_owner: null,
      lease_expires_at: null,
    })
    .where('job_id', '=', jobId)
    .where('index', '=', index)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running')
    .returning('index')
    .executeTakeFirst()
  if (!item) return undefined
  const succeeded = finish.status === 'succeeded' ? 1 : 0
  return db
    .updateTable('jobs')
    .set((eb) => ({
      done: eb('done', '+', succeeded),
      failed: eb('failed', '+', 1 - succeeded),
      updated_at: now,
      status: sql<JobStatus>`case
        when status = 'canceled' then 'canceled'
        when done + ${succeeded} + failed + ${1 - succeeded} < total then 'running'
        when failed + ${1 - succeeded} = 0 then 'succeeded'
        when done + ${succeeded} = 0 then 'failed'
        else 'partial' end`,
      finished_at: sql<Date | null>`case when done + ${succeeded} + failed + ${1 - succeeded} >= total then ${now}::timestamptz else finished_at end`,
    }))
    .where('id', '=', jobId)
    .returningAll()
    .executeTakeFirst()
}

/**
 * Cancels a job for its owner: unfinished items become `canceled` (their units are the caller's to
 * refund). Returns the items that were canceled, or undefined if the job is not the owner's.
 */
export async function cancelJobForOwner(
  db: Executor,
  userId: string,
  jobId: string,
  now: Date = new Date(),
): Promise<{ job: JobRow; canceled: JobItemRow[] } | undefined> {
  const job = await db
    .updateTable('jobs')
    .set({ status: 'canceled', updated_at: now, finished_at: now })
    .where('id', '=', jobId)
    .where('user_id', '=', userId)
    .where('status', 'in', ['queued', 'running'])
    .returningAll()
    .executeTakeFirst()
  if (!job) {
    const existing = await findJobForOwner(db, userId, jobId)
    return existing ? { job: existing, canceled: [] } : undefined
  }
  const canceled = await db
    .updateTable('job_items')
    .set({ status: 'canceled', finished_at: now, lease_owner: null, lease_expires_at: null })
    .where('job_id', '=', jobId)
    .where('status', 'in', ['queued', 'running'])
    .returningAll()
    .execute()
  return { job, canceled }
}

/** Job items not finished yet (queued or running): the queue depth that status and metrics report. */
export async function countUnfinishedJobItems(db: Executor): Promise<number> {
  const { count } = await db
    .selectFrom('job_items')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirstOrThrow()
  return Number(count)
}
