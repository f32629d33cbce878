/** @module Gemini error bodies (as providers.md §1.8 shows them) → error class and wait hint. */
import { describe, expect, it } from 'vitest'
import { classifyGoogleError, googleErrorFromResponse } from './google-error.js'

const rpc = (code: number, status: string, details?: unknown[]) => ({
  error: { code, status, message: `${status} happened`, ...(details ? { details } : {}) },
})

const perMinute429 = rpc(429, 'RESOURCE_EXHAUSTED', [
  {
    '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
    violations: [
      {
        quotaMetric: 'generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count',
        quotaId: 'GenerateContentPaidTierInputTokensPerModelPerMinute',
      },
    ],
  },
  {
    '@type': 'type.googleapis.com/google.rpc.Help',
    links: [{ description: 'docs', url: 'https://ai.google.dev' }],
  },
  { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34.5s' },
])

const perDay429 = rpc(429, 'RESOURCE_EXHAUSTED', [
  {
    '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
    violations: [
      {
        quotaMetric: 'generativelanguage.googleapis.com/generate_requests_per_model_per_day',
        quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
      },
    ],
  },
  { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '20s' },
])

const keyInvalid = rpc(400, 'INVALID_ARGUMENT', [
  {
    '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
    reason: 'API_KEY_INVALID',
    domain: 'googleapis.com',
  },
])

describe('classifyGoogleError', () => {
  it.each([
    [
      '429 per-minute with RetryInfo',
      429,
      perMinute429,
      { errorClass: 'rate_limited', retryAfterMs: 34_500 },
    ],
    ['429 per-day QuotaFailure', 429, perDay429, { errorClass: 'quota_exhausted' }],
    ['400 API_KEY_INVALID', 400, keyInvalid, { errorClass: 'auth' }],
    ['403 PERMISSION_DENIED', 403, rpc(403, 'PERMISSION_DENIED'), { errorClass: 'auth' }],
    ['400 INVALID_ARGUMENT', 400, rpc(400, 'INVALID_ARGUMENT'), { errorClass: 'invalid_request' }],
    ['400 FAILED_PRECONDITION', 400, rpc(400, 'FAILED_PRECONDITION'), { errorClass: 'invalid_request' }],
    ['404 NOT_FOUND', 404, rpc(404, 'NOT_FOUND'), { errorClass: 'invalid_request' }],
    ['500 INTERNAL', 500, rpc(500, 'INTERNAL'), { errorClass: 'transient' }],
    ['503 UNAVAILABLE', 503, rpc(503, 'UNAVAILABLE'), { errorClass: 'transient' }],
    ['504 DEADLINE_EXCEEDED', 504, rpc(504, 'DEADLINE_EXCEEDED'), { errorClass: 'transient' }],
    ['a non-JSON 502', 502, '<html>Bad Gateway</html>', { errorClass: 'transient' }],
    ['a bare 429', 429, undefined, { errorClass: 'rate_limited' }],
  ])('%s', (_, status, body, expected) => {
    expect(classifyGoogleError(status, body)).toMatchObject(expected)
  })

  it('makes a ProviderError whose retryability follows the class, and keeps the key out of the message', () => {
    const key = 'AIzaSy-secret'
    const quota = googleErrorFromResponse(new Response(null, { status: 429 }), perDay429, key)
    expect(quota).toMatchObject({ errorClass: 'quota_exhausted', retryable: false, status: 429 })
    const echoed = googleErrorFromResponse(
      new Response(null, { status: 400 }),
      { error: { code: 400, status: 'INVALID_ARGUMENT', message: `bad key ${key}` } },
      key,
    )
    expect(echoed.message).not.toContain(key)
    const limited = googleErrorFromResponse(new Response(null, { status: 429 }), perMinute429, key)
    expect(limited).toMatchObject({ retryable: true, retryAfterMs: 34_500 })
  })

  it('falls back to a Retry-After header when the body has no RetryInfo', () => {
    const error = googleErrorFromResponse(
      new Response(null, { status: 429, headers: { 'retry-after': '3' } }),
      rpc(429, 'RESOURCE_EXHAUSTED'),
      'k',
    )
    expect(error.retryAfterMs).toBe(3_000)
  })
})
