/**
 * @module Kling's REST API over `fetchFor(config)` (no official JS SDK): JWT bearer auth, the
 * `{code, message, request_id, data}` envelope, one token renewal on code 1004, and minimal schemas.
 */
import { z } from 'zod'
import { providerErrorFromThrown, readBody } from '../../http/provider-errors.js'
import { type AdapterConfig, fetchFor } from '../adapter-config.js'
import { klingCode, klingErrorFromResponse, klingMalformedError } from './kling-error.js'
import { createKlingTokenSource, type KlingTokenSource } from './kling-jwt.js'
import { KLING_DEFAULT_BASE_URL } from './kling-options.js'

/**
 * Kling is configured with an access/secret key pair (it signs its own JWTs) instead of `apiKey`.
 * `baseUrl` is the bare host (default `https://api-singapore.klingai.com`).
 */
export interface KlingConfig extends Omit<AdapterConfig, 'apiKey'> {
  accessKey: string
  secretKey: string
  /** Unused: Kling authenticates with a JWT signed from `accessKey` + `secretKey`. */
  apiKey?: string
  /** Clock for the JWT claims, in ms since the epoch. Defaults to `Date.now`. */
  now?: () => number
}

/** What every Kling call needs: the config, its API root and the shared token cache. */
export interface KlingClient {
  config: KlingConfig
  baseUrl: string
  tokens: KlingTokenSource
}

export function createKlingClient(config: KlingConfig): KlingClient {
  return {
    config,
    baseUrl: (config.baseUrl ?? KLING_DEFAULT_BASE_URL).replace(/\/+$/, ''),
    tokens: createKlingTokenSource({
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      ...(config.now ? { now: config.now } : {}),
    }),
  }
}

const envelopeSchema = z.looseObject({ code: z.number(), data: z.unknown().optional() })

// Kling's "token expired": sign a fresh one and try once more (providers.md §5.4 "regenerate token once").
const TOKEN_EXPIRED = 1004

/** One call; returns the envelope's `data` or throws a ProviderError. */
export async function klingRequest(
  client: KlingClient,
  method: 'GET' | 'POST',
  path: string,
  body: Record<string, unknown> | undefined,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const token = attempt === 0 ? await client.tokens.token() : await client.tokens.renew()
    let response: Response
    try {
      response = await fetchFor(client.config)(`${client.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
      })
    } catch (error) {
      throw providerErrorFromThrown('kling', error, signal)
    }
    const payload = await readBody(response)
    if (klingCode(payload) === TOKEN_EXPIRED && attempt === 0) continue
    const envelope = envelopeSchema.safeParse(payload)
    if (response.ok && envelope.success && envelope.data.code === 0) return envelope.data.data
    if (response.ok && !envelope.success)
      throw klingMalformedError('the response is not a Kling envelope', payload)
    throw klingErrorFromResponse(response, payload)
  }
}

export const klingCreateSchema = z.looseObject({ task_id: z.string().min(1) })

export const klingTaskSchema = z.looseObject({
  task_id: z.string(),
  task_status: z.string(),
  task_status_msg: z.string().optional(),
  task_result: z
    .looseObject({
      images: z.array(z.looseObject({ url: z.string() })).optional(),
      videos: z
        .array(z.looseObject({ url: z.string(), duration: z.union([z.string(), z.number()]).optional() }))
        .optional(),
    })
    .optional(),
})
export type KlingTask = z.infer<typeof klingTaskSchema>

/** `POST` a create endpoint; returns the task id. */
export async function createKlingTask(
  client: KlingClient,
  path: string,
  body: Record<string, unknown>,
  signal: AbortSignal | undefined,
): Promise<string> {
  const data = await klingRequest(client, 'POST', path, body, signal)
  const parsed = klingCreateSchema.safeParse(data)
  if (!parsed.success) throw klingMalformedError('the create response has no task_id', data)
  return parsed.data.task_id
}

/** `GET <create path>/{task_id}`. */
export async function getKlingTask(
  client: KlingClient,
  path: string,
  taskId: string,
  signal: AbortSignal | undefined,
): Promise<KlingTask> {
  const data = await klingRequest(client, 'GET', `${path}/${encodeURIComponent(taskId)}`, undefined, signal)
  const parsed = klingTaskSchema.safeParse(data)
  if (!parsed.success) throw klingMalformedError('the task response is not a task', data)
  return parsed.data
}
