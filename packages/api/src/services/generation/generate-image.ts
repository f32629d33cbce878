/**
 * @module generate.image (and later generate.search): quota reserve -> providers -> store -> settle.
 * Units are reserved before any provider is called; what was not delivered is refunded. With an
 * idempotency key the first outcome is stored and replayed, and nothing is charged twice.
 */
import {
  addImagesToProject,
  createId,
  deleteGenerationForOwner,
  type Executor,
  type FinishGenerationPatch,
  findImagesForGeneration,
  findProjectForOwner,
  finishGeneration,
  type GenerationRow,
  type ImageRow,
  insertFinishedGenerations,
  insertGeneration,
  insertImages,
  isUniqueViolation,
  type NewGeneration,
  type NewImageRow,
} from '@nbl/db'
import {
  type Attempt,
  type ConversationTurn,
  type Grounding,
  type ImageGenerationRequest,
  NoCapableProviderError,
  ProvidersFailedError,
  type ProviderWarning,
} from '@nbl/providers'
import type { Context } from '../../context.js'
import { AppError } from '../../errors.js'
import type { GenerateImageInput, GenerateImageRequestInput } from '../../schemas.js'
import { type AccountSettings, cachedPreferences, type SavedPreferences } from '../account/settings.js'
import type { AuthUser } from '../auth/api-keys.js'
import { type Image, imageRowToImage, imageStorageKey } from '../images/image-output.js'
import { resolveReferenceImages } from '../images/reference-images.js'
import { assertFieldsAllowed, promptFields } from '../moderation/moderate-fields.js'
import { unitsPerImage } from '../quota/policy.js'
import type { QuotaState } from '../quota/quota-service.js'
import type { Reservation } from '../quota/store.js'
import { handOverGeneratedBytes } from './generated-bytes.js'
import { generationWriterOf, ownGenerationsCommitted } from './generation-writer.js'
import { recordedFailure, requestHash, settledGenerationForKey } from './idempotency.js'

export interface GenerationResult {
  id: string
  images: Image[]
  text?: string
  provider: string
  model: string
  costUsd: number
  latencyMs: number
  attempts: Attempt[]
  warnings: ProviderWarning[]
  /** Search-grounded generations: the queries run and the sources used. */
  grounding?: Grounding
  quota: QuotaState
  /** True when this is the stored outcome of an earlier call with the same idempotency key. */
  replayed: boolean
  /** Chat turns only: the provider's opaque data, to store with the turn and send back later. */
  providerMetadata?: Record<string, unknown>
}

/** A chat turn: the earlier conversation, and where the new images belong. */
export interface ChatTurnOptions {
  history: ConversationTurn[]
  sessionId: string
  /** Lineage: the last image of the previous assistant turn. */
  parentImageId: string | null
}

type AuthedContext = Context & { user: AuthUser }

export interface GenerateImageOptions {
  searchGrounding: boolean
  kind: 'image' | 'search'
}

/** Maps the router's failures onto API.md codes, keeping the attempts for the client. */
export function providerFailureToAppError(error: unknown): AppError | undefined {
  if (error instanceof NoCapableProviderError) {
    return new AppError('NO_CAPABLE_PROVIDER', error.message, {}, { cause: error })
  }
  if (error instanceof ProvidersFailedError) {
    const last = error.lastError
    if (last?.errorClass === 'content_policy') {
      return new AppError(
        'CONTENT_BLOCKED',
        `The provider refused the request on content policy: ${last.message}`,
        {
          provider: last.provider,
          errorClass: last.errorClass,
          attempts: error.attempts,
          reason: last.message,
        },
        { cause: error },
      )
    }
    return new AppError(
      'PROVIDERS_FAILED',
      'Every provider that could serve this request failed',
      { attempts: error.attempts },
      { cause: error },
    )
  }
  return undefined
}

/** How many times a call tries to claim a key whose holders keep releasing it without an outcome. */
const MAX_CLAIM_ROUNDS = 3

/** Fills what the caller omitted: `input ?? saved ?? built-in default`. */
export function applySavedDefaults(
  input: Omit<GenerateImageRequestInput, 'idempotencyKey'>,
  saved: AccountSettings,
): Omit<GenerateImageInput, 'idempotencyKey'> {
  return {
    ...input,
    resolution: input.resolution ?? saved.resolution ?? '1K',
    aspectRatio: input.aspectRatio ?? saved.aspectRatio ?? '1:1',
    outputFormat: input.outputFormat ?? saved.outputFormat ?? 'png',
  }
}

export async function generateImageCore(
  input: GenerateImageRequestInput,
  ctx: AuthedContext,
  options: GenerateImageOptions,
): Promise<GenerationResult> {
  const { idempotencyKey, ...given } = input
  // Before the idempotency claim and any quota check: a blocked prompt costs and records nothing.
  await assertFieldsAllowed(ctx.deps.moderation, promptFields(given), 'generation', ctx.deps.logger)
  const preferences = await cachedPreferences(ctx.deps, ctx.user.id)
  const request = applySavedDefaults(given, preferences.settings)
  if (!idempotencyKey) return runGeneration(request, ctx, options, undefined, false, undefined, preferences)

  const hash = requestHash({ kind: options.kind, request })
  for (let round = 1; round <= MAX_CLAIM_ROUNDS; round++) {
    const earlier = await settledGenerationForKey(ctx.deps, ctx.user.id, idempotencyKey, hash)
    if (earlier) return replay(earlier, ctx)
    try {
      return await runGeneration(
        request,
        ctx,
        options,
        {
          key: idempotencyKey,
          hash,
          // The claim we lost was released without an outcome (the quota denied it, say): check the
          // quota before racing for the key again, so every caller gets the same denial.
          checkQuotaFirst: round > 1,
        },
        false,
        undefined,
        preferences,
      )
    } catch (error) {
      // Another call with this key claimed it first: the next round answers with its outcome.
      if (!isUniqueViolation(error)) throw error
    }
  }
  throw new AppError('IDEMPOTENCY_CONFLICT', 'A request with this idempotency key is still in progress', {
    retryAfterMs: 1000,
  })
}

async function replay(row: GenerationRow, ctx: AuthedContext): Promise<GenerationResult> {
  if (row.status !== 'succeeded' || !row.provider || !row.model) throw recordedFailure(row)
  const { deps, user } = ctx
  const images = await findImagesForGeneration(deps.db, user.id, row.id)
  return {
    id: row.id,
    images: images.map((image) => imageRowToImage(image, deps, ctx.origin)),
    ...(row.response?.text ? { text: row.response.text } : {}),
    provider: row.provider,
    model: row.model,
    costUsd: row.cost_usd,
    latencyMs: row.latency_ms ?? 0,
    attempts: row.attempts as Attempt[],
    warnings: (row.response?.warnings ?? []) as ProviderWarning[],
    ...(row.response?.grounding ? { grounding: row.response.grounding } : {}),
    quota: await deps.quota.state({ id: user.id, tier: user.tier }),
    replayed: true,
  }
}

/**
 * Generates one batch item whose units were reserved when the batch was submitted: no quota is
 * taken or given back here; the caller charges `unitsCharged` and refunds the rest.
 */
export async function generatePrepaidImage(
  input: Omit<GenerateImageInput, 'idempotencyKey'>,
  ctx: AuthedContext,
  /** Hears the generation id before any provider is called (a job item records it). */
  onStart?: (generationId: string, executor: Executor) => Promise<void>,
): Promise<GenerationResult & { unitsCharged: number }> {
  const result = await runGeneration(
    input,
    ctx,
    { searchGrounding: false, kind: 'image' },
    undefined,
    true,
    onStart,
  )
  const perImage = unitsPerImage(ctx.deps.quota.costs, input.resolution, false)
  return { ...result, unitsCharged: perImage * result.images.length }
}

/**
 * One chat turn through the usual pipeline (quota reserve/settle, storage, history rows), routed to
 * multi-turn providers with the earlier turns as `history`; returns the provider's metadata too.
 */
export async function generateChatTurn(
  input: Omit<GenerateImageInput, 'idempotencyKey'>,
  ctx: AuthedContext,
  chat: ChatTurnOptions,
): Promise<GenerationResult> {
  return runGeneration(
    input,
    ctx,
    { searchGrounding: false, kind: 'image' },
    undefined,
    false,
    undefined,
    undefined,
    chat,
  )
}

async function runGeneration(
  input: Omit<GenerateImageInput, 'idempotencyKey'>,
  ctx: AuthedContext,
  options: GenerateImageOptions,
  idempotency?: { key: string; hash: string; checkQuotaFirst: boolean },
  prepaid = false,
  onStart?: (generationId: string, executor: Executor) => Promise<void>,
  /** The caller's saved strategy and provider order/exclusions; loaded when not given. */
  saved?: SavedPreferences,
  chat?: ChatTurnOptions,
): Promise<GenerationResult> {
  const { deps, user } = ctx
  const preferences = saved ?? (await cachedPreferences(deps, user.id))
  const subject = { id: user.id, tier: user.tier }

  const allowed = deps.quota.assertResolutionAllowed(subject, input.resolution)
  if (!allowed.ok) throw allowed.error
  // Before any reservation: a project that is not the caller's costs nothing. (A batch item checks
  // again when it runs: its project may have been deleted since the batch was submitted.)
  if (input.projectId !== undefined && !(await findProjectForOwner(deps.db, user.id, input.projectId)))
    throw new AppError('NOT_FOUND', 'project not found')
  const perImage = unitsPerImage(deps.quota.costs, input.resolution, options.searchGrounding)
  const units = perImage * input.count
  // Fetching URL references costs up to 4 x 10 MB of downloads: refuse early when the quota or
  // the cooldown would refuse anyway. Only a hint; the reserve below stays the atomic check.
  if (
    !prepaid &&
    (idempotency?.checkQuotaFirst || input.referenceImages.some((reference) => 'url' in reference))
  ) {
    const check = await deps.quota.check(subject, units)
    if (!check.ok) throw check.error
  }
  // An image generated just before may still be on its way into the database (written behind).
  if (input.referenceImages.some((reference) => 'imageId' in reference)) {
    await ownGenerationsCommitted(deps, user.id)
  }
  const referenceImages = await resolveReferenceImages(deps, user.id, input.referenceImages)

  const generationId = createId('gen')
  const started: NewGeneration = {
    id: generationId,
    user_id: user.id,
    kind: options.kind,
    status: 'running',
    prompt: input.prompt,
    request: { ...input, referenceImages: input.referenceImages.length },
    provider: null,
    model: null,
    units_reserved: units,
    latency_ms: null,
    error_code: null,
    error_message: null,
    finished_at: null,
    ...(idempotency ? { idempotency_key: idempotency.key, request_hash: idempotency.hash } : {}),
  }
  // The row is written when the call starts only where something needs it before the outcome: an
  // idempotency claim, a job item's link. Otherwise it is written once, finished, with its images
  // (one statement instead of five); a crash mid-call then leaves nothing charged to rebuild.
  const writtenAtStart = idempotency !== undefined || onStart !== undefined
  // A job item links the generation in the same transaction, so a crash never leaves it unlinked.
  const recordStart = () =>
    onStart
      ? deps.db.transaction().execute(async (trx) => {
          await insertGeneration(trx, started)
          await onStart(generationId, trx)
        })
      : insertGeneration(deps.db, started)
  /**
   * Outside a transaction, a row written once joins the next group commit (generation-writer.ts),
   * written behind the answer except for chat turns: their messages point at the images next.
   */
  const recordOutcome = async (
    outcome: FinishGenerationPatch,
    images: NewImageRow[] = [],
    trx?: Executor,
  ): Promise<ImageRow[]> => {
    if (!writtenAtStart) {
      const entry = { generation: started, outcome, images }
      if (trx) return insertFinishedGenerations(trx, [entry])
      const writer = generationWriterOf(deps)
      return chat ? writer.write(entry) : writer.writeBehind(entry)
    }
    const executor = trx ?? deps.db
    const inserted = await insertImages(executor, images)
    await finishGeneration(executor, user.id, generationId, outcome)
    return inserted
  }

  // With a key, claim it before reserving, so concurrent calls cannot both charge; a claim that
  // never reached a provider is released, so a retry (after the quota resets, or once the quota
  // store is back) can run.
  const releaseClaim = async function releaseClaim(): Promise<void> {
    await deleteGenerationForOwner(deps.db, user.id, generationId).catch((error: unknown) => {
      // The claim stays `running`; settledGenerationForKey releases it once it is stale.
      deps.logger.warn({ err: error, generationId }, 'could not release an idempotency claim')
    })
  }
  if (idempotency) await recordStart()
  let reservation: Reservation | undefined
  try {
    const reserved = prepaid ? undefined : await deps.quota.reserve(subject, units)
    if (reserved && !reserved.ok) throw reserved.error
    reservation = reserved?.value
  } catch (error) {
    if (idempotency) await releaseClaim()
    throw error
  }

  let unitsCharged = 0
  let settled = false
  let recorded = false
  let providerCalled = false
  const startedAt = performance.now()
  try {
    if (writtenAtStart && !idempotency) await recordStart()
    const request: ImageGenerationRequest = {
      prompt: input.prompt,
      resolution: input.resolution,
      aspectRatio: input.aspectRatio,
      count: input.count,
      outputFormat: input.outputFormat,
      referenceImages,
      searchGrounding: options.searchGrounding,
      ...(input.negativePrompt ? { negativePrompt: input.negativePrompt } : {}),
      ...(input.seed !== undefined ? { seed: input.seed } : {}),
      ...(chat ? { history: chat.history } : {}),
    }
    let routed: Awaited<ReturnType<typeof deps.providers.generateImage>>
    try {
      providerCalled = true
      // A pinned provider overrides the saved order and exclusions.
      routed = await deps.providers.generateImage(request, {
        strategy: input.strategy ?? preferences.settings.strategy ?? deps.config.defaultStrategy,
        ...(chat ? { multiTurn: true } : {}),
        ...(input.provider
          ? { provider: input.provider }
          : { order: preferences.providers.order, exclude: preferences.providers.exclude }),
      })
    } catch (error) {
      const appError = providerFailureToAppError(error)
      await recordOutcome({
        status: 'failed',
        attempts: appError?.details.attempts ?? [],
        unitsCharged: 0,
        costUsd: 0,
        latencyMs: Math.round(performance.now() - startedAt),
        errorCode: appError?.appCode ?? 'INTERNAL',
        errorMessage: appError?.message ?? 'provider call failed',
        finishedAt: new Date(),
      })
      recorded = true
      deps.metrics?.generation(chat ? 'chat' : options.kind, 'none', 'failed')
      throw appError ?? error
    }

    const { result } = routed
    const rows = await Promise.all(
      result.images.slice(0, input.count).map(async (image): Promise<NewImageRow> => {
        const id = createId('img')
        const storageKey = imageStorageKey(user.id, id, image.mimeType)
        await deps.storage.put(storageKey, image.data, image.mimeType)
        handOverGeneratedBytes(ctx, id, image.data)
        return {
          id,
          user_id: user.id,
          generation_id: generationId,
          storage_key: storageKey,
          mime_type: image.mimeType,
          width: image.width,
          height: image.height,
          bytes: image.data.byteLength,
          prompt: input.prompt,
          provider: routed.provider,
          model: routed.model,
          chat_session_id: chat?.sessionId ?? null,
          parent_image_id: chat?.parentImageId ?? null,
        }
      }),
    )
    const charge = perImage * rows.length
    const latencyMs = Math.round(performance.now() - startedAt)
    const outcome: FinishGenerationPatch = {
      status: rows.length > 0 ? 'succeeded' : 'failed',
      provider: routed.provider,
      model: routed.model,
      attempts: routed.attempts,
      unitsCharged: charge,
      costUsd: result.costUsd,
      latencyMs,
      response: {
        imageIds: rows.map((row) => row.id),
        ...(result.text ? { text: result.text } : {}),
        warnings: result.warnings,
        ...(options.searchGrounding ? { grounding: result.grounding ?? { queries: [], sources: [] } } : {}),
      },
      ...(rows.length > 0
        ? {}
        : { errorCode: 'PROVIDERS_FAILED', errorMessage: 'The provider returned no image' }),
      finishedAt: new Date(),
    }
    const { projectId } = input
    const stored =
      projectId === undefined && !writtenAtStart
        ? await recordOutcome(outcome, rows)
        : await deps.db.transaction().execute(async (trx) => {
            const inserted = await recordOutcome(outcome, rows, trx)
            // Adds nothing if the project was deleted meanwhile; the images stay in the library.
            if (projectId !== undefined)
              await addImagesToProject(
                trx,
                user.id,
                projectId,
                inserted.map((row) => row.id),
              )
            return inserted
          })
    recorded = true
    deps.metrics?.generation(
      chat ? 'chat' : options.kind,
      routed.provider,
      stored.length > 0 ? 'succeeded' : 'failed',
    )
    if (stored.length === 0) {
      throw new AppError('PROVIDERS_FAILED', 'The provider returned no image', { attempts: routed.attempts })
    }
    unitsCharged = charge
    // The settle answers the quota state too: one quota store call fewer.
    let quota: QuotaState | undefined
    if (reservation) {
      quota = await deps.quota.settle(reservation, unitsCharged, deps.logger)
      settled = true
    }
    return {
      id: generationId,
      images: stored.map((row) => imageRowToImage(row, deps, ctx.origin)),
      ...(result.text ? { text: result.text } : {}),
      provider: routed.provider,
      model: routed.model,
      costUsd: result.costUsd,
      latencyMs,
      attempts: routed.attempts,
      warnings: result.warnings,
      ...(options.searchGrounding ? { grounding: result.grounding ?? { queries: [], sources: [] } } : {}),
      quota: quota ?? (await deps.quota.state(subject)),
      replayed: false,
      ...(chat && result.providerMetadata ? { providerMetadata: result.providerMetadata } : {}),
    }
  } catch (error) {
    if (idempotency && !providerCalled) {
      // Nothing happened yet that a retry must not repeat.
      await releaseClaim()
    } else if (!recorded) {
      // Storage or the database failed after the reservation: record it, then refund below.
      await recordOutcome({
        status: 'failed',
        attempts: [],
        unitsCharged: 0,
        costUsd: 0,
        latencyMs: Math.round(performance.now() - startedAt),
        errorCode: 'INTERNAL',
        errorMessage: 'storing the result failed',
        finishedAt: new Date(),
      }).catch(() => undefined)
    }
    throw error
  } finally {
    // Refunds whatever was not delivered; skipped after the settle above (one quota store call fewer).
    if (reservation && !settled) await deps.quota.settle(reservation, unitsCharged, deps.logger)
  }
}
