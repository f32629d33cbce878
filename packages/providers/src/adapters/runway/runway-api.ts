/**
 * @module Talking to Runway through the official `@runwayml/sdk`: a client with the SDK's retries off
 * (the router owns retries), our base URL and transport, and minimal schemas for what we read back.
 */
import type RunwayML from '@runwayml/sdk'
import { z } from 'zod'
import { ProviderError } from '../../types.js'
import { type AdapterConfig, fetchFor } from '../adapter-config.js'
import { runwayErrorFromThrown, runwayMalformedError } from './runway-error.js'
import { RUNWAY_API_VERSION, RUNWAY_DEFAULT_BASE_URL } from './runway-options.js'
import { runwaySdk } from './runway-sdk.js'

/** The configured API root without a trailing slash. */
export function runwayBaseUrl(config: Pick<AdapterConfig, 'baseUrl'>): string {
  return (config.baseUrl ?? RUNWAY_DEFAULT_BASE_URL).replace(/\/+$/, '')
}

/** The adapter's SDK client, made (and the SDK loaded) by the first call that needs it. */
export type RunwayClient = () => Promise<RunwayML>

/**
 * One SDK client per adapter: `maxRetries: 0`, our base URL and `fetchFor(config)`. Without an API key
 * every call fails with the `auth` ProviderError (the SDK would read RUNWAYML_API_SECRET instead).
 */
export function createRunwayClient(config: AdapterConfig): RunwayClient {
  let client: Promise<RunwayML> | undefined
  return () => {
    const { apiKey } = config
    if (!apiKey) {
      return Promise.reject(
        new ProviderError({
          provider: 'runway',
          errorClass: 'auth',
          message: 'runway: no API key is configured',
        }),
      )
    }
    client ??= runwaySdk
      .load()
      .then(
        ({ default: RunwayMLClient }) =>
          new RunwayMLClient({
            apiKey,
            baseURL: runwayBaseUrl(config),
            runwayVersion: RUNWAY_API_VERSION,
            fetch: fetchFor(config),
            maxRetries: 0,
          }),
      )
      .catch((error: unknown) => {
        // The next call tries again rather than failing for good.
        client = undefined
        throw error
      })
    return client
  }
}

export const runwayCreateResponseSchema = z.looseObject({ id: z.string().min(1) })

const credits = z.looseObject({ credits: z.number() }).optional()

export const runwayTaskSchema = z.discriminatedUnion('status', [
  z.looseObject({ id: z.string(), status: z.enum(['PENDING', 'THROTTLED']) }),
  z.looseObject({ id: z.string(), status: z.literal('RUNNING'), progress: z.number().optional() }),
  z.looseObject({
    id: z.string(),
    status: z.literal('SUCCEEDED'),
    output: z.array(z.string()).optional(),
    cost: credits,
  }),
  z.looseObject({
    id: z.string(),
    status: z.literal('FAILED'),
    failure: z.string().optional(),
    failureCode: z.string().optional(),
  }),
  z.looseObject({ id: z.string(), status: z.literal('CANCELLED') }),
])
export type RunwayTask = z.infer<typeof runwayTaskSchema>

/** Runs one SDK call, turning every failure into a ProviderError. */
export async function callRunway<T>(
  client: RunwayClient,
  call: (sdk: RunwayML) => PromiseLike<T>,
  signal?: AbortSignal,
): Promise<T> {
  try {
    return await call(await client())
  } catch (error) {
    throw runwayErrorFromThrown(error, signal)
  }
}

/** Creates a task (`POST /v1/<endpoint>`) and returns its id. */
export async function createRunwayTask(
  client: RunwayClient,
  endpoint: 'text_to_image' | 'text_to_video' | 'image_to_video',
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<string> {
  // Our model ids are open strings, so the body is built untyped; the SDK sends it as JSON unchanged.
  const created = await callRunway(
    client,
    (sdk) => {
      const options = signal ? { signal } : {}
      if (endpoint === 'text_to_image') return sdk.textToImage.create(body as never, options)
      if (endpoint === 'text_to_video') return sdk.textToVideo.create(body as never, options)
      return sdk.imageToVideo.create(body as never, options)
    },
    signal,
  )
  const parsed = runwayCreateResponseSchema.safeParse(created)
  if (!parsed.success) throw runwayMalformedError('the create response has no task id', created)
  return parsed.data.id
}

/** `GET /v1/tasks/{id}`. */
export async function getRunwayTask(
  client: RunwayClient,
  taskId: string,
  signal?: AbortSignal,
): Promise<RunwayTask> {
  const task = await callRunway(client, (sdk) => sdk.tasks.retrieve(taskId, signal ? { signal } : {}), signal)
  const parsed = runwayTaskSchema.safeParse(task)
  if (!parsed.success) throw runwayMalformedError('the task response is not a task', task)
  return parsed.data
}

/** `DELETE /v1/tasks/{id}`: cancels a running task (or deletes a finished one). */
export async function deleteRunwayTask(
  client: RunwayClient,
  taskId: string,
  signal?: AbortSignal,
): Promise<void> {
  await callRunway(client, (sdk) => sdk.tasks.delete(taskId, signal ? { signal } : {}), signal)
}

/** Best-effort cancel of a task we stopped waiting for, so it is not billed to completion. */
export function cancelRunwayTaskQuietly(client: RunwayClient, taskId: string): void {
  deleteRunwayTask(client, taskId, AbortSignal.timeout(10_000)).catch(() => undefined)
}
