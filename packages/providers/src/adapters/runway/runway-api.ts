/**
 * @module Talking to Runway through the official `@runwayml/sdk`: a client with the SDK's retries off
 * (the router owns retries), our base URL and transport, and minimal schemas for what we read back.
 */
import RunwayML from '@runwayml/sdk'
import { z } from 'zod'
import { type AdapterConfig, fetchFor } from '../adapter-config.js'
import { runwayErrorFromThrown, runwayMalformedError } from './runway-error.js'
import { RUNWAY_API_VERSION, RUNWAY_DEFAULT_BASE_URL } from './runway-options.js'

/** The configured API root without a trailing slash. */
export function runwayBaseUrl(config: Pick<AdapterConfig, 'baseUrl'>): string {
  return (config.baseUrl ?? RUNWAY_DEFAULT_BASE_URL).replace(/\/+$/, '')
}

/** One SDK client per adapter: `maxRetries: 0`, our base URL and `fetchFor(config)`. */
export function createRunwayClient(config: AdapterConfig): RunwayML {
  return new RunwayML({
    apiKey: config.apiKey,
    baseURL: runwayBaseUrl(config),
    runwayVersion: RUNWAY_API_VERSION,
    fetch: fetchFor(config),
    maxRetries: 0,
  })
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
export async function callRunway<T>(call: () => PromiseLike<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw runwayErrorFromThrown(error, signal)
  }
}

/** Creates a task (`POST /v1/<endpoint>`) and returns its id. */
export async function createRunwayTask(
  client: RunwayML,
  endpoint: 'text_to_image' | 'text_to_video' | 'image_to_video',
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<string> {
  // Our model ids are open strings, so the body is built untyped; the SDK sends it as JSON unchanged.
  const created = await callRunway(() => {
    const options = signal ? { signal } : {}
    if (endpoint === 'text_to_image') return client.textToImage.create(body as never, options)
    if (endpoint === 'text_to_video') return client.textToVideo.create(body as never, options)
    return client.imageToVideo.create(body as never, options)
  }, signal)
  const parsed = runwayCreateResponseSchema.safeParse(created)
  if (!parsed.success) throw runwayMalformedError('the create response has no task id', created)
  return parsed.data.id
}

/** `GET /v1/tasks/{id}`. */
export async function getRunwayTask(
  client: RunwayML,
  taskId: string,
  signal?: AbortSignal,
): Promise<RunwayTask> {
  const task = await callRunway(() => client.tasks.retrieve(taskId, signal ? { signal } : {}), signal)
  const parsed = runwayTaskSchema.safeParse(task)
  if (!parsed.success) throw runwayMalformedError('the task response is not a task', task)
  return parsed.data
}

/** `DELETE /v1/tasks/{id}`: cancels a running task (or deletes a finished one). */
export async function deleteRunwayTask(
  client: RunwayML,
  taskId: string,
  signal?: AbortSignal,
): Promise<void> {
  await callRunway(() => client.tasks.delete(taskId, signal ? { signal } : {}), signal)
}

/** Best-effort cancel of a task we stopped waiting for, so it is not billed to completion. */
export function cancelRunwayTaskQuietly(client: RunwayML, taskId: string): void {
  deleteRunwayTask(client, taskId, AbortSignal.timeout(10_000)).catch(() => undefined)
}
