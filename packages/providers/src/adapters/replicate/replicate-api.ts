/**
 * @module Replicate's prediction object (only the fields we read, providers.md §6.2), output normalisation, and
 * the URL rules for provider-returned URLs (credentials only to the configured origin).
 */
import { z } from 'zod'
import { mediaUrl } from '../../http/download.js'

export const replicatePredictionSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  data_removed: z.boolean().optional(),
  urls: z.looseObject({ get: z.string().optional(), cancel: z.string().optional() }).nullish(),
})

export type ReplicatePrediction = z.infer<typeof replicatePredictionSchema>

export const REPLICATE_TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  'succeeded',
  'failed',
  'canceled',
  'aborted',
])

/** `output` is model-specific: a URL string, an array of URLs, or other JSON; the URL strings, in order. */
export function replicateOutputUrls(output: unknown): string[] {
  if (typeof output === 'string') return output.length > 0 ? [output] : []
  if (Array.isArray(output))
    return output.filter((item): item is string => typeof item === 'string' && item !== '')
  return []
}

function parseUrl(value: string | undefined | null): URL | undefined {
  if (!value) return undefined
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

/**
 * An API URL the prediction handed out (`urls.get` / `urls.cancel`), used only when it is on the configured
 * origin (it gets the token); otherwise the same route on the configured base URL.
 */
export function trustedApiUrl(returned: string | undefined, fallback: string, baseUrl: string): string {
  const url = parseUrl(returned)
  return url && url.origin === new URL(baseUrl).origin ? url.toString() : fallback
}

/**
 * How to fetch an output file: https anywhere (replicate.delivery), plain http only on the configured origin
 * (a local fake), `data:` URIs decoded in place; the token only on the configured origin.
 */
export function outputSource(
  value: string,
  baseUrl: string,
): { kind: 'url'; url: URL; withCredentials: boolean } | { kind: 'data'; data: Buffer } | undefined {
  const dataUri = /^data:[^;,]*(;base64)?,(.*)$/s.exec(value)
  if (dataUri) {
    const payload = dataUri[2] ?? ''
    return {
      kind: 'data',
      data: dataUri[1] ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload)),
    }
  }
  const allowed = mediaUrl(value, baseUrl)
  return allowed && { kind: 'url', url: allowed.url, withCredentials: allowed.sameOrigin }
}
