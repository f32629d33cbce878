/**
 * @module GETting media a provider handed back (result images, clips): https anywhere, or the configured API
 * origin (where a loopback fake serves plain http); credentials only to that origin; a size cap; expired URLs
 * as `task_failed`. Whole (`downloadMedia`) or as a stream to store while it arrives (`openMedia`).
 */
import { ProviderError, type ProviderName } from '../types.js'
import type { FetchFunction } from './fast-fetch.js'
import { providerErrorFromResponse, providerErrorFromThrown, readBody } from './provider-errors.js'

/** What signed media URLs answer once they have expired or the file was removed. */
export const EXPIRED_MEDIA_STATUSES: readonly number[] = [403, 404, 410]

/** No image or clip we make comes near this; a larger body is refused rather than buffered. */
export const MAX_MEDIA_BYTES = 256 * 1024 * 1024

export interface DownloadedMedia {
  data: Uint8Array
  /** From the response's Content-Type (without parameters), or undefined. */
  contentType: string | undefined
}

export interface OpenedMedia {
  /** The body as it arrives; errors as a ProviderError past `maxBytes` or when the connection fails. */
  body: ReadableStream<Uint8Array>
  /** From the response's Content-Type (without parameters), or undefined. */
  contentType: string | undefined
}

export interface MediaDownloadOptions {
  provider: ProviderName
  /** The adapter's transport. */
  fetch: FetchFunction
  /** The configured API base URL: only its origin gets `credentials` or may be plain http. */
  baseUrl: string
  /** What the URL holds, in messages: `${provider}: downloading the ${what} failed …`. */
  what: string
  /** Headers for the configured origin (a fake serves its media there); never sent to another host. */
  credentials?: () => Record<string, string> | Promise<Record<string, string>>
  /** Which statuses mean the media expired or was removed (→ `task_failed`). Defaults to 403/404/410. */
  isExpired?: (status: number) => boolean
  /**
   * The URL is a short-lived one of a single-shot task, so a new task would succeed: every HTTP failure is
   * then retryable (expired → `task_failed`, any other `transient`). By default the status decides, as for
   * an API call.
   */
  retryable?: boolean
  /** Defaults to MAX_MEDIA_BYTES. */
  maxBytes?: number
  signal?: AbortSignal | undefined
}

/**
 * A provider-returned URL we may GET: https anywhere, or anything on the configured origin (a local fake
 * serves plain http). `sameOrigin` says whether credentials may go with it.
 */
export function mediaUrl(value: string, baseUrl: string): { url: URL; sameOrigin: boolean } | undefined {
  if (!URL.canParse(value)) return undefined
  const url = new URL(value)
  const sameOrigin = url.origin === new URL(baseUrl).origin
  return url.protocol === 'https:' || sameOrigin ? { url, sameOrigin } : undefined
}

/**
 * GETs a media URL a provider returned, through the adapter's fetch.
 * @throws ProviderError `task_failed` for an unusable URL, an expired file or one over the size cap; HTTP
 * failures as `options.retryable` says; network failures and aborts as `providerErrorFromThrown` classes them.
 */
export async function downloadMedia(value: string, options: MediaDownloadOptions): Promise<DownloadedMedia> {
  const { provider, what, signal } = options
  const maxBytes = options.maxBytes ?? MAX_MEDIA_BYTES
  const response = await requestMedia(value, options)
  let data: Uint8Array
  try {
    data = new Uint8Array(await response.arrayBuffer())
  } catch (error) {
    throw providerErrorFromThrown(provider, error, signal)
  }
  if (data.byteLength > maxBytes) throw tooLarge(provider, what, maxBytes)
  return { data, contentType: contentTypeOf(response) }
}

/**
 * GETs a media URL like `downloadMedia`, but hands the body over as it arrives, so a large clip can go
 * straight to storage. The size cap is checked on the way (the stream errors past it).
 * @throws ProviderError as `downloadMedia`, for everything up to the response headers.
 */
export async function openMedia(value: string, options: MediaDownloadOptions): Promise<OpenedMedia> {
  const { provider, what, signal } = options
  const maxBytes = options.maxBytes ?? MAX_MEDIA_BYTES
  const response = await requestMedia(value, options)
  const reader = response.body?.getReader()
  let received = 0
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!reader) return controller.close()
      let chunk: Awaited<ReturnType<typeof reader.read>>
      try {
        chunk = await reader.read()
      } catch (error) {
        return controller.error(providerErrorFromThrown(provider, error, signal))
      }
      if (chunk.done) return controller.close()
      received += chunk.value.byteLength
      if (received > maxBytes) {
        await reader.cancel().catch(() => undefined)
        return controller.error(tooLarge(provider, what, maxBytes))
      }
      controller.enqueue(chunk.value)
    },
    cancel(reason) {
      return reader?.cancel(reason)
    },
  })
  return { body, contentType: contentTypeOf(response) }
}

/** The checked GET shared by both: an allowed URL, an OK status, no announced size over the cap. */
async function requestMedia(value: string, options: MediaDownloadOptions): Promise<Response> {
  const { provider, what, signal } = options
  const failed = (message: string) =>
    new ProviderError({ provider, errorClass: 'task_failed', message: `${provider}: ${message}` })
  if (!URL.canParse(value)) throw failed(`the ${what} URL is invalid`)
  const allowed = mediaUrl(value, options.baseUrl)
  if (!allowed) throw failed(`refusing a non-HTTPS ${what} URL on ${new URL(value).host}`)
  const headers = allowed.sameOrigin && options.credentials ? await options.credentials() : {}
  const maxBytes = options.maxBytes ?? MAX_MEDIA_BYTES
  let response: Response
  try {
    response = await options.fetch(allowed.url.href, { headers, ...(signal ? { signal } : {}) })
  } catch (error) {
    throw providerErrorFromThrown(provider, error, signal)
  }
  if (!response.ok) throw await downloadError(response, options)
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw tooLarge(provider, what, maxBytes)
  }
  return response
}

function tooLarge(provider: ProviderName, what: string, maxBytes: number): ProviderError {
  return new ProviderError({
    provider,
    errorClass: 'task_failed',
    message: `${provider}: the ${what} is larger than ${maxBytes} bytes; not downloaded`,
  })
}

function contentTypeOf(response: Response): string | undefined {
  return response.headers.get('content-type')?.split(';')[0]?.trim() || undefined
}

async function downloadError(response: Response, options: MediaDownloadOptions): Promise<ProviderError> {
  const { provider, what, retryable } = options
  const { status } = response
  const body = await readBody(response)
  const expired = options.isExpired?.(status) ?? EXPIRED_MEDIA_STATUSES.includes(status)
  if (expired) {
    return new ProviderError({
      provider,
      status,
      errorClass: 'task_failed',
      ...(retryable ? { retryable } : {}),
      message: `${provider}: the ${what} URL answered HTTP ${status} (expired or removed)`,
      body,
    })
  }
  const message = `${provider}: downloading the ${what} failed with HTTP ${status}`
  return retryable
    ? new ProviderError({ provider, status, errorClass: 'transient', retryable, message, body })
    : providerErrorFromResponse({ provider, response, body, message })
}
