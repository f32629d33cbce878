/**
 * @module `POST /v1/images/generations`, compatible with OpenAI's Images API: any OpenAI client can
 * use the router. The request becomes a `generate.image` call through the same procedure (auth,
 * rate limits, moderation, quota, history, idempotency); errors come back in OpenAI's shape.
 */
import { PROVIDER_NAMES, type ProviderName } from '@nbl/providers'
import { TRPCError } from '@trpc/server'
import type { Context, Handler } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { z } from 'zod'
import { createRequestContext } from '../context.js'
import type { AppDeps } from '../deps.js'
import { type AppCode, describeError } from '../errors.js'
import { createCaller } from '../routers/_app.js'
import { outputFormatSchema } from '../schemas.js'
import { collectGeneratedBytes } from '../services/generation/generated-bytes.js'
import { type Image, imageStorageKey } from '../services/images/image-output.js'
import { withClientIp } from '../services/rate-limit/enforce.js'
import { type AnswerImage, openAIImagesAnswer } from './openai-images-answer.js'
import { mapOpenAISize } from './openai-size.js'

/** OpenAI's documented fields; others they accept (style, user, background, ...) are ignored. */
const openAIImageRequest = z.object({
  prompt: z.string(),
  model: z.string().min(1).max(200).optional(),
  n: z.number().int().min(1).max(4).optional(),
  size: z.string().max(32).optional(),
  quality: z.enum(['auto', 'low', 'medium', 'high', 'standard', 'hd']).optional(),
  response_format: z.enum(['url', 'b64_json']).optional(),
  output_format: outputFormatSchema.optional(),
})

interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null }
}

/** Our app codes as OpenAI statuses, error types and codes (what OpenAI's clients branch on). */
const OPENAI_ERRORS: Record<AppCode, { status: ContentfulStatusCode; type: string; code: string | null }> = {
  VALIDATION: { status: 400, type: 'invalid_request_error', code: 'invalid_value' },
  CONTENT_BLOCKED: { status: 400, type: 'invalid_request_error', code: 'content_policy_violation' },
  UNAUTHENTICATED: { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' },
  FORBIDDEN: { status: 403, type: 'invalid_request_error', code: 'forbidden' },
  NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'not_found' },
  QUOTA_EXCEEDED: { status: 429, type: 'insufficient_quota', code: 'insufficient_quota' },
  COOLDOWN: { status: 429, type: 'rate_limit_exceeded', code: 'rate_limit_exceeded' },
  RATE_LIMITED: { status: 429, type: 'rate_limit_exceeded', code: 'rate_limit_exceeded' },
  NO_CAPABLE_PROVIDER: { status: 400, type: 'invalid_request_error', code: 'no_capable_provider' },
  PROVIDERS_FAILED: { status: 502, type: 'server_error', code: 'upstream_error' },
  IDEMPOTENCY_CONFLICT: { status: 409, type: 'invalid_request_error', code: 'idempotency_conflict' },
  INTERNAL: { status: 500, type: 'server_error', code: null },
}

function openAIError(
  c: Context,
  appCode: AppCode,
  message: string,
  options: { param?: string; retryAfterMs?: number } = {},
) {
  const mapped = OPENAI_ERRORS[appCode]
  if (options.retryAfterMs !== undefined) {
    c.header('retry-after', String(Math.max(1, Math.ceil(options.retryAfterMs / 1000))))
  }
  const body: OpenAIErrorBody = {
    error: { message, type: mapped.type, param: options.param ?? null, code: mapped.code },
  }
  return c.json(body, mapped.status)
}

/** `model`: one of our providers, a registered provider's model id, or absent/`auto` for the router. */
function providerForModel(deps: AppDeps, model: string | undefined): ProviderName | null | undefined {
  if (model === undefined || model === 'auto') return null
  if ((PROVIDER_NAMES as readonly string[]).includes(model)) return model as ProviderName
  const match = deps.providers
    .listProviders()
    .find((entry) => entry.kinds.includes('image') && entry.model === model)
  return match?.name
}

export function openAIImagesRoute(deps: AppDeps, clientIp: (c: Context) => string): Handler {
  return async function openAIImages(c) {
    let json: unknown
    try {
      json = await c.req.json()
    } catch {
      return openAIError(c, 'VALIDATION', 'The request body must be JSON')
    }
    const parsed = openAIImageRequest.safeParse(json)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const param = issue?.path.join('.') || null
      return openAIError(c, 'VALIDATION', `${param ?? 'body'}: ${issue?.message ?? 'invalid'}`, {
        ...(param ? { param } : {}),
      })
    }
    const body = parsed.data
    const provider = providerForModel(deps, body.model)
    if (provider === undefined) {
      return openAIError(c, 'VALIDATION', `model: unknown model '${body.model}'`, { param: 'model' })
    }
    const size = mapOpenAISize(body.size, body.quality)
    if (!size) {
      return openAIError(c, 'VALIDATION', "size: expected 'auto' or '<width>x<height>' (64..8192)", {
        param: 'size',
      })
    }
    const idempotencyKey = c.req.header('idempotency-key')

    const ctx = withClientIp(
      await createRequestContext({ deps, request: c.req.raw, requestId: c.get('requestId') }),
      clientIp(c),
    )
    // The answer carries the bytes: taken from the generation, not read back from storage.
    const generated = collectGeneratedBytes(ctx)
    try {
      const result = await createCaller(ctx).generate.image({
        prompt: body.prompt,
        count: body.n ?? 1,
        ...size,
        ...(provider ? { provider } : {}),
        ...(body.output_format ? { outputFormat: body.output_format } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      })
      const asUrl = body.response_format === 'url'
      const data = await Promise.all(
        result.images.map(async (image): Promise<AnswerImage> => {
          const revised = result.text ? { revised_prompt: result.text } : {}
          if (asUrl) return { url: image.url, ...revised }
          const bytes = generated.get(image.id) ?? (await storedBytes(deps, ctx.user?.id ?? '', image))
          return { bytes, ...revised }
        }),
      )
      c.header('x-nbl-generation-id', result.id)
      c.header('x-nbl-provider', result.provider)
      c.header('content-type', 'application/json')
      return c.body(
        openAIImagesAnswer({
          created: Math.floor(Date.now() / 1000),
          data,
          // Our own accounting beside OpenAI's fields: clients that do not know it ignore it.
          nbl: {
            id: result.id,
            provider: result.provider,
            model: result.model,
            costUsd: result.costUsd,
            latencyMs: result.latencyMs,
            quota: result.quota,
          },
        }),
      )
    } catch (error) {
      if (!(error instanceof TRPCError)) throw error
      const { message, appCode, details } = describeError(error)
      const param = details.fieldErrors ? Object.keys(details.fieldErrors)[0] : undefined
      return openAIError(c, appCode, message, {
        ...(param ? { param } : {}),
        ...(details.retryAfterMs !== undefined ? { retryAfterMs: details.retryAfterMs } : {}),
      })
    }
  }
}

/**
 * The stored bytes of an image the call returned without generating it (an idempotent replay): its
 * key follows from owner, id and type.
 */
async function storedBytes(deps: AppDeps, userId: string, image: Image): Promise<Uint8Array> {
  const bytes = await deps.storage.read(imageStorageKey(userId, image.id, image.mimeType))
  if (!bytes) throw new Error(`stored image ${image.id} is missing`)
  return bytes
}
