/**
 * @module OpenAI and OpenRouter failures as the one ProviderError (providers.md §0 error table, §2.5, §2.7):
 * the official SDK's APIError subclasses (status, `error.code`, headers) and OpenRouter's "HTTP 200 with an
 * error object", branched on body codes, not only on the status. Messages never carry the API key.
 */
import { errorClassForStatus, providerErrorFromThrown, redact, truncate } from '../../http/provider-errors.js'
import { retryAfterMsFromHeaders, retryAfterMsFromText } from '../../http/retry-after.js'
import { type ErrorClass, ProviderError } from '../../types.js'
import { type OpenRouterErrorObject, openAIErrorBodySchema } from './openai-api.js'
import { openAISdk } from './openai-sdk.js'

export type OpenAIFamilyProvider = 'openai' | 'openrouter'

/** OpenAI's 429 message says "Please try again in 1.5s" (or "in 120ms"); headers are preferred. */
const TRY_AGAIN_IN = /try again in (\d+(?:\.\d+)?)(ms|s)\b/i

/**
 * The class of an OpenAI error response: 429 `insufficient_quota` and 400 `billing_hard_limit_reached` are
 * quota, 400 `moderation_blocked` (GPT image) / `content_policy_violation` (DALL·E) content policy; the rest
 * follows the status (429 rate limited, 400 invalid request, 401/403 auth, 5xx transient).
 */
export function openAIErrorClass(status: number, code: string | undefined): ErrorClass {
  if (code === 'insufficient_quota' || code === 'billing_hard_limit_reached') return 'quota_exhausted'
  if (code === 'moderation_blocked' || code === 'content_policy_violation') return 'content_policy'
  return errorClassForStatus(status)
}

/** The class of an OpenRouter error code (an HTTP status): 402 credits, 403 moderation flag, else by status. */
export function openRouterErrorClass(status: number): ErrorClass {
  if (status === 403) return 'content_policy'
  return errorClassForStatus(status)
}

/**
 * Any failure of an SDK call as a ProviderError: HTTP errors mapped by status and code with `retryAfterMs`
 * from `retry-after-ms` / `Retry-After` (OpenAI: else from "try again in 1.5s" in the message); aborts and SDK
 * timeouts are `timeout`; connection failures `transient`. A ProviderError passes through.
 */
export function providerErrorFromOpenAISdk(
  provider: OpenAIFamilyProvider,
  error: unknown,
  context: { apiKey: string; signal?: AbortSignal | undefined },
): ProviderError {
  if (ProviderError.isInstance(error)) return error
  const sdk = openAISdk.loaded()
  if (!sdk) return providerErrorFromThrown(provider, error, context.signal)
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } = sdk
  if (error instanceof APIUserAbortError || error instanceof APIConnectionTimeoutError) {
    return new ProviderError({
      provider,
      errorClass: 'timeout',
      message: `${provider}: the request timed out or was aborted`,
      cause: error,
    })
  }
  if (error instanceof APIConnectionError) {
    return providerErrorFromThrown(provider, error.cause ?? error, context.signal)
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    return providerErrorFromHttpError(provider, {
      status: error.status,
      body: error.error,
      headers: error.headers ?? new Headers(),
      // A non-JSON body (an HTML 502 page) has no `error.message`; the SDK's message then carries the text.
      text: error.message.replace(/^\d{3} /, ''),
      apiKey: context.apiKey,
      cause: error,
    })
  }
  return providerErrorFromThrown(provider, error, context.signal)
}

/**
 * An HTTP error answer (status, the parsed `error` object of its body, headers) as a ProviderError:
 * classed by status and `error.code`, with `retryAfterMs` from `retry-after-ms` / `Retry-After` (OpenAI:
 * else from "try again in 1.5s" in the message). Shared by the SDK path and the direct images call.
 */
export function providerErrorFromHttpError(
  provider: OpenAIFamilyProvider,
  response: {
    status: number
    body: unknown
    headers: Headers
    text: string
    apiKey: string
    cause?: unknown
  },
): ProviderError {
  const { status } = response
  const parsed = openAIErrorBodySchema.safeParse(response.body)
  const body = parsed.success ? parsed.data : undefined
  const code = body?.code === undefined || body.code === null ? undefined : String(body.code)
  const detail = body?.message ?? response.text
  const errorClass = provider === 'openai' ? openAIErrorClass(status, code) : openRouterErrorClass(status)
  const retryAfterMs =
    retryAfterMsFromHeaders(response.headers) ??
    (errorClass === 'rate_limited' ? retryAfterMsFromText(detail, TRY_AGAIN_IN) : undefined)
  return new ProviderError({
    provider,
    status,
    errorClass,
    message: redact(
      `${provider}: HTTP ${status}${code && code !== String(status) ? ` ${code}` : ''}: ${truncate(detail)}`,
      response.apiKey,
    ),
    body: response.body,
    ...(response.cause === undefined ? {} : { cause: response.cause }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  })
}

/**
 * OpenRouter's "HTTP 200 with an error object" (failures after generation started), classed by its `code`:
 * a numeric code is an HTTP status; anything else means the generation itself failed (`task_failed`).
 */
export function openRouterErrorFromObject(
  errorObject: OpenRouterErrorObject,
  context: { apiKey: string; body: unknown },
): ProviderError {
  const code = typeof errorObject.code === 'number' ? errorObject.code : Number(errorObject.code)
  const numeric = Number.isInteger(code) && code >= 400 && code < 600
  const detail = errorObject.message ?? 'the generation failed'
  return new ProviderError({
    provider: 'openrouter',
    errorClass: numeric ? openRouterErrorClass(code) : 'task_failed',
    message: redact(
      `openrouter: error in a 200 response${errorObject.code == null ? '' : ` (code ${errorObject.code})`}: ${truncate(detail)}`,
      context.apiKey,
    ),
    body: context.body,
    ...(numeric ? { status: code } : {}),
  })
}
