/**
 * @module generate.batch: validates every item against the caller's tier, reserves the whole
 * batch's units as ONE request (one cooldown), records the job and its items, wakes the runner.
 * Items are charged on success only: the runner refunds each item that fails or is canceled.
 */
import {
  createId,
  findJobByIdempotencyKey,
  findProjectForOwner,
  insertJobWithItems,
  isUniqueViolation,
} from '@nbl/db'
import type { Context } from '../../context.js'
import { AppError } from '../../errors.js'
import type { GenerateBatchInput } from '../../schemas.js'
import type { AuthUser } from '../auth/api-keys.js'
import { requestHash } from '../generation/idempotency.js'
import { assertFieldsAllowed, promptFields } from '../moderation/moderate-fields.js'
import { unitsPerImage } from '../quota/policy.js'

type AuthedContext = Context & { user: AuthUser }

export async function submitBatchCore(
  input: GenerateBatchInput,
  ctx: AuthedContext,
): Promise<{ jobId: string; total: number }> {
  const { deps, user } = ctx
  const subject = { id: user.id, tier: user.tier }
  const { idempotencyKey, ...request } = input
  const hash = requestHash({ kind: 'batch', request })
  if (idempotencyKey) {
    const earlier = await findJobByIdempotencyKey(deps.db, user.id, idempotencyKey)
    if (earlier) return replay(earlier, hash)
  }

  const policy = deps.quota.policyFor(user.tier)
  if (request.items.length > policy.maxBatch) {
    throw new AppError('FORBIDDEN', `The ${user.tier} tier allows batches of up to ${policy.maxBatch} items`)
  }
  const units = request.items.map((item, index) => {
    const allowed = deps.quota.assertResolutionAllowed(subject, item.resolution)
    if (!allowed.ok) throw new AppError('FORBIDDEN', `items.${index}: ${allowed.error.message}`)
    return unitsPerImage(deps.quota.costs, item.resolution, false) * item.count
  })
  const total = units.reduce((sum, value) => sum + value, 0)
  // Every item before the reservation: one blocked item refuses the batch, and nothing is charged.
  await assertFieldsAllowed(
    deps.moderation,
    request.items.flatMap((item, index) => promptFields(item, `items.${index}.`)),
    'generation',
    deps.logger,
  )
  // Before the reservation: a project that is not the caller's costs nothing.
  const projects = new Map<string, boolean>()
  for (const [index, item] of request.items.entries()) {
    const { projectId } = item
    if (projectId === undefined) continue
    if (!projects.has(projectId))
      projects.set(projectId, (await findProjectForOwner(deps.db, user.id, projectId)) !== undefined)
    if (!projects.get(projectId)) throw new AppError('NOT_FOUND', `items.${index}: project not found`)
  }

  const reserved = await deps.quota.reserve(subject, total)
  if (!reserved.ok) throw reserved.error
  // The units stay taken while the batch runs; failed or canceled items are refunded one by one.
  await deps.quota.settle(reserved.value, total, deps.logger)

  try {
    const job = await deps.db.transaction().execute((trx) =>
      insertJobWithItems(
        trx,
        {
          id: createId('job'),
          user_id: user.id,
          kind: 'batch',
          status: 'queued',
          total: request.items.length,
          request: { concurrency: request.concurrency },
          idempotency_key: idempotencyKey ?? null,
          request_hash: idempotencyKey ? hash : null,
        },
        request.items.map((item, index) => ({ index, input: { ...item }, units: units[index] ?? 0 })),
      ),
    )
    deps.jobs.wake({ id: job.id, total: job.total })
    return { jobId: job.id, total: job.total }
  } catch (error) {
    await deps.quota.refund(user.id, reserved.value.day, total)
    if (idempotencyKey && isUniqueViolation(error)) {
      const winner = await findJobByIdempotencyKey(deps.db, user.id, idempotencyKey)
      if (winner) return replay(winner, hash)
    }
    throw error
  }
}

function replay(job: { id: string; total: number; request_hash: string | null }, hash: string) {
  if (job.request_hash !== hash) {
    throw new AppError('IDEMPOTENCY_CONFLICT', 'This idempotency key was used with a different input')
  }
  return { jobId: job.id, total: job.total }
}
