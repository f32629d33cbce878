/**
 * @module How the Google adapters reach the Gemini API: the base URL (bare host + `v1beta`), the
 * `x-goog-api-key` header, and one JSON call through `fetchFor(config)` that turns every failure into
 * a ProviderError.
 *
 * We speak REST rather than use `@google/genai`: its `GoogleGenAIOptions` take no `fetch` (it calls the
 * global `fetch` directly), so it could not use the injected transport.
 */

import { providerErrorFromThrown, readBody } from '../../http/provider-errors.js'
import { ProviderError } from '../../types.js'
import { type AdapterConfig, fetchFor } from '../adapter-config.js'
import { googleErrorFromResponse } from './google-error.js'

/** The Gemini API's host. Like the official SDK's `httpOptions.baseUrl`, it carries no version path. */
export const GOOGLE_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com'

/** The API version path the adapters call. */
export const GOOGLE_API_VERSION = 'v1beta'

/** What the Google adapters are configured with. */
export interface GoogleProviderConfig extends AdapterConfig {
  /** API version path segment; defaults to `v1beta`. */
  apiVersion?: string
}

/** The configured base URL without a trailing slash. */
export function googleBaseUrl(config: Pick<GoogleProviderConfig, 'baseUrl'>): string {
  return (config.baseUrl ?? GOOGLE_DEFAULT_BASE_URL).replace(/\/+$/, '')
}

/** `<base>/<version>/<path>`. */
export function googleUrl(config: GoogleProviderConfig, path: string): string {
  return `${googleBaseUrl(config)}/${config.apiVersion ?? GOOGLE_API_VERSION}/${path}`
}

/**
 * One call to the Gemini API: `x-goog-api-key` auth, JSON in and out. Non-2xx answers, network failures
 * and aborts become a ProviderError; the parsed JSON body is returned otherwise.
 */
export async function googleJsonRequest(
  config: GoogleProviderConfig,
  request: { method: 'GET' | 'POST'; path: string; body?: unknown; signal?: AbortSignal | undefined },
): Promise<unknown> {
  const { signal } = request
  let response: Response
  let body: unknown
  try {
    response = await fetchFor(config)(googleUrl(config, request.path), {
      method: request.method,
      headers: {
        'x-goog-api-key': config.apiKey,
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      ...(signal ? { signal } : {}),
    })
    body = await readBody(response)
    // readBody swallows a failed read; an abort during it must still count as one.
    if (signal?.aborted) throw signal.reason ?? new DOMException('aborted', 'AbortError')
  } catch (error) {
    throw providerErrorFromThrown('google', error, signal)
  }
  if (!response.ok) throw googleErrorFromResponse(response, body, config.apiKey)
  if (body === undefined || typeof body !== 'object' || body === null) {
    throw new ProviderError({
      provider: 'google',
      errorClass: 'transient',
      status: response.status,
      message: `google: HTTP ${response.status} with a body that is not JSON`,
    })
  }
  return body
}
