/**
 * @module BFL FLUX response shapes (only the fields we read) and which provider-returned polling URLs get
 * the `x-key` (result URLs follow `mediaUrl`'s rule in `http/download.ts`).
 */
import { z } from 'zod'

/** `POST /v1/{model}` → `{ id, polling_url, cost? }` (cost in credits on some models). */
export const fluxSubmitResponseSchema = z.looseObject({
  id: z.string().min(1),
  polling_url: z.string().optional(),
  cost: z.number().nonnegative().optional(),
})

/** `GET {polling_url}` → `{ status, result: { sample } | null, progress? }`. */
export const fluxPollResponseSchema = z.looseObject({
  status: z.string(),
  result: z.looseObject({ sample: z.string().optional() }).nullish(),
  progress: z.number().nullish(),
})

export type FluxPollResponse = z.infer<typeof fluxPollResponseSchema>

/** The task statuses BFL documents (providers.md §3.4); anything else is treated as still running. */
export const FLUX_STATUS = {
  pending: 'Pending',
  ready: 'Ready',
  requestModerated: 'Request Moderated',
  contentModerated: 'Content Moderated',
  error: 'Error',
  taskNotFound: 'Task not found',
} as const

/** BFL's own API hosts: global and the data-residency regions; `polling_url` may point at any of them. */
export const FLUX_API_ORIGINS: readonly string[] = [
  'https://api.bfl.ai',
  'https://api.eu.bfl.ai',
  'https://api.us.bfl.ai',
]

function parseUrl(value: string | undefined): URL | undefined {
  if (value === undefined) return undefined
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

/**
 * Where to poll with the `x-key`: the returned `polling_url` when it is on the configured origin or a BFL API
 * host, else the configured host's `GET /v1/get_result?id=` (the key never goes to an unknown host).
 */
export function trustedPollingUrl(pollingUrl: string | undefined, id: string, baseUrl: string): string {
  const base = new URL(baseUrl)
  const url = parseUrl(pollingUrl)
  if (url && (url.origin === base.origin || FLUX_API_ORIGINS.includes(url.origin))) return url.toString()
  return `${baseUrl}/v1/get_result?id=${encodeURIComponent(id)}`
}
