/**
 * @module `chat`: multi-turn image refinement. Each `send` is one generation through the usual
 * pipeline (quota per turn), routed to multi-turn providers with the earlier turns as history.
 * Owner-filtered: another user's session id is NOT_FOUND and nothing changes.
 */
import {
  type ChatMessageRow,
  type ChatSessionRow,
  createId,
  deleteChatSessionForOwner,
  type Executor,
  findChatSessionForOwner,
  findImagesByIdsForOwner,
  InvalidCursorError,
  insertChatMessage,
  insertChatSession,
  listChatMessagesForOwner,
  listChatSessionsForOwner,
  touchChatSession,
} from '@nbl/db'
import {
  ASPECT_RATIOS,
  type AspectRatio,
  type ConversationTurn,
  PROVIDER_NAMES,
  type ProviderName,
  RESOLUTIONS,
  type Resolution,
} from '@nbl/providers'
import { z } from 'zod'
import type { AppDeps } from '../deps.js'
import { AppError, notFound } from '../errors.js'
import {
  aspectRatioSchema,
  idSchema,
  imageRefSchema,
  type ListOutput,
  listInput,
  providerSchema,
  resolutionSchema,
} from '../schemas.js'
import { cachedPreferences } from '../services/account/settings.js'
import { generateChatTurn } from '../services/generation/generate-image.js'
import { type Image, imageRowToImage } from '../services/images/image-output.js'
import { assertFieldsAllowed } from '../services/moderation/moderate-fields.js'
import { authedProcedure, router } from '../trpc.js'

export interface ChatSession {
  id: string
  title: string
  provider: ProviderName | null
  resolution: Resolution
  aspectRatio: AspectRatio
  createdAt: string
  updatedAt: string
}

export interface ChatMessage {
  id: string
  role: 'user' | 'assistant'
  text?: string
  images: Image[]
  createdAt: string
}

const sessionIdInput = z.strictObject({ sessionId: idSchema })

const createInput = z
  .strictObject({
    title: z.string().trim().min(1).max(200).optional(),
    provider: providerSchema.optional(),
    resolution: resolutionSchema.optional(),
    aspectRatio: aspectRatioSchema.optional(),
  })
  .default({})

const sendInput = z.strictObject({
  sessionId: idSchema,
  message: z.string().trim().min(1).max(4000),
  referenceImages: z.array(imageRefSchema).max(4).default([]),
})

function oneOf<T extends string>(values: readonly T[], value: string | null, fallback: T): T {
  return value !== null && (values as readonly string[]).includes(value) ? (value as T) : fallback
}

function sessionToOutput(row: ChatSessionRow): ChatSession {
  return {
    id: row.id,
    title: row.title,
    provider: row.provider === null ? null : oneOf(PROVIDER_NAMES, row.provider, 'local'),
    resolution: oneOf(RESOLUTIONS, row.resolution, '1K'),
    aspectRatio: oneOf(ASPECT_RATIOS, row.aspect_ratio, '1:1'),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}

async function messagesToOutput(
  deps: AppDeps,
  origin: string,
  userId: string,
  rows: ChatMessageRow[],
): Promise<ChatMessage[]> {
  const images = await findImagesByIdsForOwner(
    deps.db,
    userId,
    rows.flatMap((row) => row.image_ids),
  )
  const byId = new Map(images.map((image) => [image.id, image]))
  return rows.map((row) => ({
    id: row.id,
    role: row.role,
    ...(row.text !== null ? { text: row.text } : {}),
    images: row.image_ids.flatMap((id) => {
      const image = byId.get(id)
      return image ? [imageRowToImage(image, deps, origin)] : []
    }),
    createdAt: row.created_at.toISOString(),
  }))
}

/** The conversation as the provider sees it: user text + references, model images + metadata. */
async function buildHistory(
  deps: AppDeps,
  userId: string,
  rows: ChatMessageRow[],
): Promise<{ history: ConversationTurn[]; parentImageId: string | null }> {
  let parentImageId: string | null = null
  const history: ConversationTurn[] = []
  for (const row of rows) {
    const images = await findImagesByIdsForOwner(deps.db, userId, row.image_ids)
    const turnImages: ConversationTurn['images'] = []
    for (const image of images) {
      const data = await deps.storage.read(image.storage_key)
      if (data) turnImages.push({ data, mimeType: image.mime_type })
    }
    if (row.role === 'assistant') {
      const last = images[images.length - 1]
      if (last) parentImageId = last.id
    }
    history.push({
      role: row.role === 'assistant' ? 'model' : 'user',
      ...(row.text !== null ? { text: row.text } : {}),
      images: turnImages,
      ...(row.role === 'assistant' && row.provider_metadata
        ? { providerMetadata: row.provider_metadata }
        : {}),
    })
  }
  return { history, parentImageId }
}

export const chatRouter = router({
  create: authedProcedure.input(createInput).mutation(async ({ input, ctx }): Promise<ChatSession> => {
    const { settings } = await cachedPreferences(ctx.deps, ctx.user.id)
    const row = await insertChatSession(ctx.deps.db, {
      id: createId('chat'),
      user_id: ctx.user.id,
      title: input.title ?? 'New chat',
      provider: input.provider ?? null,
      resolution: input.resolution ?? settings.resolution ?? '1K',
      aspect_ratio: input.aspectRatio ?? settings.aspectRatio ?? '1:1',
    })
    return sessionToOutput(row)
  }),

  send: authedProcedure.input(sendInput).mutation(async ({ input, ctx }) => {
    const { deps, user } = ctx
    const session = await findChatSessionForOwner(deps.db, user.id, input.sessionId)
    if (!session) throw notFound('chat session')
    // Before the turn is generated or charged: a blocked message leaves no trace in the session.
    await assertFieldsAllowed(
      deps.moderation,
      [{ path: 'message', text: input.message }],
      'generation',
      deps.logger,
    )
    const earlier = await listChatMessagesForOwner(deps.db, user.id, session.id)
    const { history, parentImageId } = await buildHistory(deps, user.id, earlier)
    const startedAt = new Date()
    const output = sessionToOutput(session)
    const result = await generateChatTurn(
      {
        prompt: input.message,
        resolution: output.resolution,
        aspectRatio: output.aspectRatio,
        count: 1,
        outputFormat: 'png',
        referenceImages: input.referenceImages,
        ...(output.provider ? { provider: output.provider } : {}),
      },
      ctx,
      { history, sessionId: session.id, parentImageId },
    )
    // Both messages are written once the turn succeeded, so a failed turn leaves no dangling user turn.
    const assistantId = createId('msg')
    await deps.db.transaction().execute(async (trx: Executor) => {
      await insertChatMessage(trx, {
        id: createId('msg'),
        sessionId: session.id,
        userId: user.id,
        role: 'user',
        text: input.message,
        imageIds: input.referenceImages.flatMap((reference) =>
          'imageId' in reference ? [reference.imageId] : [],
        ),
        createdAt: startedAt,
      })
      await insertChatMessage(trx, {
        id: assistantId,
        sessionId: session.id,
        userId: user.id,
        role: 'assistant',
        text: result.text ?? null,
        imageIds: result.images.map((image) => image.id),
        providerMetadata: result.providerMetadata,
        createdAt: new Date(Math.max(Date.now(), startedAt.getTime() + 1)),
      })
      await touchChatSession(trx, user.id, session.id)
    })
    return {
      message: {
        id: assistantId,
        role: 'assistant' as const,
        ...(result.text ? { text: result.text } : {}),
        images: result.images,
      },
      quota: result.quota,
    }
  }),

  get: authedProcedure.input(sessionIdInput).query(async ({ input, ctx }) => {
    const session = await findChatSessionForOwner(ctx.deps.db, ctx.user.id, input.sessionId)
    if (!session) throw notFound('chat session')
    const rows = await listChatMessagesForOwner(ctx.deps.db, ctx.user.id, session.id)
    return {
      ...sessionToOutput(session),
      messages: await messagesToOutput(ctx.deps, ctx.origin, ctx.user.id, rows),
    }
  }),

  list: authedProcedure
    .input(listInput.default({ limit: 20 }))
    .query(async ({ input, ctx }): Promise<ListOutput<ChatSession>> => {
      try {
        const page = await listChatSessionsForOwner(ctx.deps.db, ctx.user.id, {
          limit: input.limit,
          ...(input.cursor ? { cursor: input.cursor } : {}),
        })
        return { items: page.items.map(sessionToOutput), nextCursor: page.nextCursor }
      } catch (error) {
        if (error instanceof InvalidCursorError) {
          throw new AppError('VALIDATION', 'cursor: invalid cursor', {
            fieldErrors: { cursor: ['invalid cursor'] },
          })
        }
        throw error
      }
    }),

  delete: authedProcedure.input(sessionIdInput).mutation(async ({ input, ctx }) => {
    const deleted = await deleteChatSessionForOwner(ctx.deps.db, ctx.user.id, input.sessionId)
    if (!deleted) throw notFound('chat session')
    return { ok: true as const }
  }),
})
