/**
 * @module `POST /images/generations` without the openai SDK: one `undici.request` and a JSON parse
 * that leaves the images out (`images-json.ts`).
 * This is the hot path of every text-to-image call. In process, the SDK's request building and its
 * WHATWG `fetch` objects took the call from 0.6 ms to 1.2-1.4 ms (bench/README.md). Errors map exactly
 * as the SDK path's do (`providerErrorFromHttpError`); edits (multipart) keep the SDK.
 */
import { sharedAgent } from '../../http/fast-fetch.js'
import { providerErrorFromThrown } from '../../http/provider-errors.js'
import { errors, request } from '../../http/undici.js'
import { ProviderError } from '../../types.js'
import { parseImagesJson } from './images-json.js'
import { type OpenAIFamilyProvider, providerErrorFromHttpError } from './openai-error.js'

export interface ImagesRequestOptions {
  provider: OpenAIFamilyProvider
  baseUrl: string
  apiKey: string
  /** The whole call may take this long before it fails with `timeout`. */
  timeoutMs: number
  signal?: AbortSignal | undefined
}

/** The parsed JSON body of a 2xx answer; anything else throws the ProviderError the SDK path would. */
export async function postImagesGeneration(body: object, options: ImagesRequestOptions): Promise<unknown> {
  const { provider, apiKey, timeoutMs, signal } = options
  const url = `${options.baseUrl.replace(/\/+$/, '')}/images/generations`
  let response: Awaited<ReturnType<typeof request>>
  try {
    response = await request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(body),
      dispatcher: sharedAgent(),
      // Inactivity limits, not a timer per call: waiting for the answer, then between body chunks.
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(signal ? { signal } : {}),
    })
  } catch (error) {
    throw providerErrorFromRequest(provider, error, signal)
  }
  let bytes: Buffer
  try {
    bytes = Buffer.from(await response.body.arrayBuffer())
  } catch (error) {
    throw providerErrorFromRequest(provider, error, signal)
  }
  if (response.statusCode >= 200 && response.statusCode < 300) {
    const json = parseImagesJson(bytes)
    if (json === undefined) {
      throw new ProviderError({
        provider,
        errorClass: 'transient',
        message: `${provider}: HTTP ${response.statusCode} with a body that is not JSON`,
      })
    }
    return json
  }
  const text = bytes.toString('utf8')
  const json = parseJson(text)
  const headers = new Headers()
  for (const [name, value] of Object.entries(response.headers)) {
    if (typeof value === 'string') headers.set(name, value)
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item)
  }
  throw providerErrorFromHttpError(provider, {
    status: response.statusCode,
    body: (json as { error?: unknown } | undefined)?.error,
    headers,
    text: text.trim() || `status ${response.statusCode}`,
    apiKey,
  })
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function providerErrorFromRequest(
  provider: OpenAIFamilyProvider,
  error: unknown,
  signal: AbortSignal | undefined,
): ProviderError {
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return new ProviderError({
      provider,
      errorClass: 'timeout',
      message: `${provider}: the request timed out or was aborted`,
      cause: error,
    })
  }
  return providerErrorFromThrown(provider, error, signal)
}
