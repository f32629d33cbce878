/**
 * @module generate.video: checks that a provider can make the clip, reserves its units (charged on
 * success, refunded otherwise), records a one-item job and wakes the runner. Returns at once.
 */
import {
  createId,
  findImageForOwner,
  findJobByIdempotencyKey,
  insertJobWithItems,
  isUniqueViolation,
} from '@nbl/db'
import { NoCapableProviderError, type VideoGenerationRequest } from '@nbl/providers'
import type { Context } from '../../context.js'
import { AppError } from '../../errors.js'
import type { GenerateVideoInput } from '../../schemas.js'
import type { AuthUser } from '../auth/api-keys.js'
import { requestHash } from '../generation/idempotency.js'
import { assertFieldsAllowed, promptFields } from '../moderation/moderate-fields.js'
import { unitsForVideo } from '../quota/policy.js'

type AuthedContext = Context & { user: AuthUser }

/** What a video job item stores as its input; the worker rebuilds the provider request from it. */
export interface VideoItemInput {
  prompt: string
  durationSec: number
  aspectRatio: VideoGenerationRequest['aspectRatio']
  resolution: VideoGenerationRequest['resolution']
  imageId?: string
  provider?: GenerateVideoInput['provider']
  strategy?: GenerateVideoInput['strategy']
}

export async function submitVideoCore(
  input: GenerateVideoInput,
  ctx: AuthedContext,
): Promise<{ jobId: string }> {
  const { deps, user } = ctx
  const { idempotencyKey, ...request } = input
  const hash = requestHash({ kind: 'video', request })
  if (idempotencyKey) {
    const earlier = await findJobByIdempotencyKey(deps.db, user.id, idempotencyKey)
    if (earlier) return replayJob(earlier, hash)
  }
  if (request.imageId && !(await findImageForOwner(deps.db, user.id, request.imageId))) {
    throw new AppError('NOT_FOUND', 'image not found')
  }
  try {
    await deps.providers.videoCandidates(
      {
        ...request,
        ...(request.imageId ? { image: { data: new Uint8Array(), mimeType: 'image/png' } } : {}),
      },
      {
        ...(request.provider ? { provider: request.provider } : {}),
        ...(request.strategy ? { strategy: request.strategy } : {}),
      },
    )
  } catch (error) {
    if (error instanceof NoCapableProviderError) throw new AppError('NO_CAPABLE_PROVIDER', error.message)
    throw error
  }

  // Before the reservation: a blocked prompt charges nothing and records no job.
  await assertFieldsAllowed(deps.moderation, promptFields(request), 'generation', deps.logger)
  const units = unitsForVideo(deps.quota.costs, request.durationSec)
  const reserved = await deps.quota.reserve({ id: user.id, tier: user.tier }, units)
  if (!reserved.ok) throw reserved.error
  // The units stay taken while the job runs; the runner refunds them if the video fails.
  await deps.quota.settle(reserved.value, units, deps.logger)

  const item: VideoItemInput = { ...request }
  try {
    const job = await deps.db.transaction().execute((trx) =>
      insertJobWithItems(
        trx,
        {
          id: createId('job'),
          user_id: user.id,
          kind: 'video',
          status: 'queued',
          total: 1,
          request: { ...request },
          idempotency_key: idempotencyKey ?? null,
          request_hash: idempotencyKey ? hash : null,
        },
        [{ index: 0, input: { ...item }, units }],
      ),
    )
    deps.jobs.wake({ id: job.id, total: job.total })
    return { jobId: job.id }
  } catch (error) {
    await deps.quota.refund(user.id, reserved.value.day, units)
    if (idempotencyKey && isUniqueViolation(error)) {
      const winner = await findJobByIdempotencyKey(deps.db, user.id, idempotencyKey)
      if (winner) return replayJob(winner, hash)
    }
    throw error
  }
}

function replayJob(job: { id: string; request_hash: string | null }, hash: string): { jobId: string } {
  if (job.request_hash !== hash) {
    throw new AppError('IDEMPOTENCY_CONFLICT', 'This idempotency key was used with a different input')
  }
  return { jobId: job.id }
}
