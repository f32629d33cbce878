/** @module Tests for the provider router: capability filtering, priority order, fallback and attempts. */
import { describe, expect, it } from 'vitest'
import { createLocalProvider } from './adapters/local.js'
import { NoCapableProviderError, ProvidersFailedError } from './errors.js'
import { createProviderRouter, ProviderRouter } from './router.js'
import { createScriptedProvider, imageRequest } from './testing.js'
import { type ImageGenerationRequest, ProviderError, type ProviderName } from './types.js'

const request = (overrides: Partial<ImageGenerationRequest> = {}) =>
  imageRequest({ prompt: 'a lighthouse in fog', ...overrides })

const failure = (
  provider: ProviderName,
  errorClass: ProviderError['errorClass'],
  message: string = errorClass,
) => new ProviderError({ provider, errorClass, message })

/** A clock that advances 10 ms per reading, so latencies are deterministic and non-zero. */
function steppingClock(step = 10): () => number {
  let time = 0
  return () => {
    time += step
    return time
  }
}

/** Most tests look at fallback alone: no same-provider retries. */
const noRetry = { maxRetriesPerProvider: 0 }

async function routingError(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  )
}

describe('ProviderRouter', () => {
  it('tries providers in priority order (ties by name) and returns the first success', async () => {
    const google = createScriptedProvider({ name: 'google' })
    const openai = createScriptedProvider({ name: 'openai' })
    const flux = createScriptedProvider({ name: 'flux' })
    const router = createProviderRouter({
      providers: [openai, google, flux],
      settings: { google: { priority: 2 }, openai: { priority: 1 }, flux: { priority: 1 } },
    })
    const routed = await router.generateImage(request())
    expect(routed.provider).toBe('flux')
    expect(routed.model).toBe('flux-scripted')
    expect(routed.attempts).toEqual([
      { provider: 'flux', model: 'flux-scripted', outcome: 'succeeded', latencyMs: expect.any(Number) },
    ])
    expect(openai.calls).toHaveLength(0)
    expect(google.calls).toHaveLength(0)
  })

  it('defaults priority to the position in `providers`', async () => {
    const router = new ProviderRouter({
      providers: [createScriptedProvider({ name: 'openai' }), createScriptedProvider({ name: 'google' })],
    })
    expect(router.listProviders().map(({ name, priority }) => [name, priority])).toEqual([
      ['openai', 1],
      ['google', 2],
    ])
    expect((await router.generateImage(request())).provider).toBe('openai')
  })

  it('falls back to the next provider on a retryable failure and records every attempt with latency', async () => {
    const google = createScriptedProvider({
      name: 'google',
      outcomes: [failure('google', 'rate_limited', 'slow down')],
    })
    const openai = createScriptedProvider({
      name: 'openai',
      outcomes: [failure('openai', 'transient', '503')],
    })
    const local = createScriptedProvider({ name: 'local' })
    const router = createProviderRouter({
      providers: [google, openai, local],
      now: steppingClock(),
      resilience: noRetry,
    })

    const routed = await router.generateImage(request({ count: 2 }))
    expect(routed.provider).toBe('local')
    expect(routed.result.images).toHaveLength(2)
    expect(routed.attempts).toEqual([
      {
        provider: 'google',
        model: 'google-scripted',
        outcome: 'failed',
        errorClass: 'rate_limited',
        message: 'slow down',
        latencyMs: 10,
      },
      {
        provider: 'openai',
        model: 'openai-scripted',
        outcome: 'failed',
        errorClass: 'transient',
        message: '503',
        latencyMs: 10,
      },
      { provider: 'local', model: 'local-scripted', outcome: 'succeeded', latencyMs: 10 },
    ])
    // Readings: start, then a begin/end pair per attempt, then the total.
    expect(routed.latencyMs).toBe(70)
  })

  it('treats a non-ProviderError from an adapter as transient and falls back', async () => {
    const buggy = createScriptedProvider({
      name: 'google',
      outcomes: [new TypeError('cannot read x of undefined')],
    })
    const router = createProviderRouter({
      providers: [buggy, createScriptedProvider({ name: 'local' })],
      resilience: noRetry,
    })
    const routed = await router.generateImage(request())
    expect(routed.provider).toBe('local')
    expect(routed.attempts[0]).toMatchObject({
      provider: 'google',
      outcome: 'failed',
      errorClass: 'transient',
    })
    expect(routed.attempts[0]?.message).toContain('cannot read x of undefined')
  })

  it('stops on content_policy, keeps its class and lists only the providers called', async () => {
    const google = createScriptedProvider({
      name: 'google',
      outcomes: [failure('google', 'content_policy', 'SAFETY')],
    })
    const local = createScriptedProvider({ name: 'local' })
    const router = createProviderRouter({ providers: [google, local] })

    const error = await routingError(router.generateImage(request()))
    expect(ProvidersFailedError.isInstance(error)).toBe(true)
    expect(error).toBeInstanceOf(ProvidersFailedError)
    const failed = error as ProvidersFailedError
    expect(failed.errorClass).toBe('content_policy')
    expect(failed.provider).toBe('google')
    expect(failed.retryable).toBe(false)
    expect(failed.lastError.message).toBe('SAFETY')
    expect(failed.attempts).toEqual([
      expect.objectContaining({ provider: 'google', outcome: 'failed', errorClass: 'content_policy' }),
    ])
    expect(local.calls).toHaveLength(0)
  })

  it.each(['invalid_request', 'content_policy'] as const)(
    'does not fall back after %s',
    async (errorClass) => {
      const router = createProviderRouter({
        providers: [
          createScriptedProvider({ name: 'google', outcomes: [failure('google', errorClass)] }),
          createScriptedProvider({ name: 'local' }),
        ],
      })
      const error = (await routingError(router.generateImage(request()))) as ProvidersFailedError
      expect(error.errorClass).toBe(errorClass)
      expect(error.attempts).toHaveLength(1)
    },
  )

  it.each(['auth', 'quota_exhausted', 'task_failed'] as const)(
    'falls back after %s (the provider’s problem, not the request’s) without retrying it',
    async (errorClass) => {
      const google = createScriptedProvider({ name: 'google', outcomes: [failure('google', errorClass)] })
      const router = createProviderRouter({ providers: [google, createScriptedProvider({ name: 'local' })] })
      const routed = await router.generateImage(request())
      expect(routed.provider).toBe('local')
      expect(google.calls).toHaveLength(1)
      expect(routed.attempts.map((attempt) => [attempt.provider, attempt.outcome])).toEqual([
        ['google', 'failed'],
        ['local', 'succeeded'],
      ])
    },
  )

  it('falls back after a failure explicitly marked retryable', async () => {
    const quota = new ProviderError({
      provider: 'google',
      errorClass: 'quota_exhausted',
      message: 'daily',
      retryable: true,
    })
    const router = createProviderRouter({
      providers: [
        createScriptedProvider({ name: 'google', outcomes: [quota] }),
        createScriptedProvider({ name: 'local' }),
      ],
    })
    expect((await router.generateImage(request())).provider).toBe('local')
  })

  it('throws ProvidersFailedError with every attempt when all candidates fail', async () => {
    const router = createProviderRouter({
      providers: [
        createScriptedProvider({ name: 'google', outcomes: [failure('google', 'timeout')] }),
        createScriptedProvider({ name: 'openai', outcomes: [failure('openai', 'rate_limited', '429')] }),
      ],
      resilience: noRetry,
    })
    const error = (await routingError(router.generateImage(request()))) as ProvidersFailedError
    expect(error.name).toBe('ProvidersFailedError')
    expect(error.attempts.map(({ provider, errorClass }) => [provider, errorClass])).toEqual([
      ['google', 'timeout'],
      ['openai', 'rate_limited'],
    ])
    expect(error.lastError.provider).toBe('openai')
    expect(error.cause).toBe(error.lastError)
    expect(error.retryable).toBe(true)
  })

  it('filters by capability and names the reason per provider when none can serve', async () => {
    const google = createScriptedProvider({ name: 'google', maxResolution: '2K' })
    const openai = createScriptedProvider({ name: 'openai', aspectRatios: ['1:1', '16:9'] })
    const flux = createScriptedProvider({ name: 'flux', maxReferenceImages: 0 })
    const local = createLocalProvider()
    const router = createProviderRouter({ providers: [google, openai, flux, local] })
    router.setEnabled('local', false)

    const reference = { data: new Uint8Array([1]), mimeType: 'image/png' }
    const error = await routingError(
      router.generateImage(request({ resolution: '4K', aspectRatio: '21:9', referenceImages: [reference] })),
    )
    expect(NoCapableProviderError.isInstance(error)).toBe(true)
    const noCapable = error as NoCapableProviderError
    expect(noCapable.rejections).toEqual([
      { provider: 'google', reason: 'resolution 4K is above the maximum 2K' },
      { provider: 'openai', reason: 'aspect ratio 21:9 is not supported' },
      { provider: 'flux', reason: '1 reference images exceed the maximum 0' },
      { provider: 'local', reason: 'disabled' },
    ])
    expect(noCapable.message).toContain('google: resolution 4K is above the maximum 2K')
    expect(google.calls.length + openai.calls.length + flux.calls.length).toBe(0)
  })

  it('skips providers that cannot serve and uses the capable one', async () => {
    const google = createScriptedProvider({ name: 'google', maxResolution: '2K' })
    const local = createLocalProvider()
    const router = createProviderRouter({ providers: [google, local] })
    const routed = await router.generateImage(request({ resolution: '4K', aspectRatio: '1:1' }))
    expect(routed.provider).toBe('local')
    expect(routed.result.images[0]).toMatchObject({ width: 4096, height: 4096, mimeType: 'image/png' })
    expect(google.calls).toHaveLength(0)
  })

  it('requires search grounding and multi-turn when asked', async () => {
    const router = createProviderRouter({
      providers: [createLocalProvider(), createScriptedProvider({ name: 'google', multiTurn: false })],
    })
    expect((await router.generateImage(request({ searchGrounding: true }))).provider).toBe('google')
    const error = (await routingError(
      router.generateImage(request({ searchGrounding: true }), { multiTurn: true }),
    )) as NoCapableProviderError
    expect(error.rejections).toEqual([
      { provider: 'local', reason: 'search grounding is not supported' },
      { provider: 'google', reason: 'multi-turn editing is not supported' },
    ])
  })

  it('skips a disabled provider, and uses it again once re-enabled', async () => {
    const google = createScriptedProvider({ name: 'google' })
    const local = createScriptedProvider({ name: 'local' })
    const router = createProviderRouter({
      providers: [google, local],
      settings: { google: { enabled: false } },
    })
    expect((await router.generateImage(request())).provider).toBe('local')
    expect(google.calls).toHaveLength(0)

    expect(router.setEnabled('google', true)).toBe(true)
    expect((await router.generateImage(request())).provider).toBe('google')
    expect(router.setEnabled('kling', true)).toBe(false)
  })

  it('tries only a pinned provider, with its retries but no fallback', async () => {
    const google = createScriptedProvider({ name: 'google', outcomes: [failure('google', 'rate_limited')] })
    const local = createScriptedProvider({ name: 'local' })
    const router = createProviderRouter({ providers: [local, google], resilience: { baseRetryDelayMs: 1 } })

    const error = (await routingError(
      router.generateImage(request(), { provider: 'google' }),
    )) as ProvidersFailedError
    expect(error.attempts).toEqual([
      expect.objectContaining({ provider: 'google', errorClass: 'rate_limited' }),
      expect.objectContaining({ provider: 'google', errorClass: 'rate_limited' }),
    ])
    expect(local.calls).toHaveLength(0)

    const pinned = createProviderRouter({ providers: [local, createScriptedProvider({ name: 'google' })] })
    expect((await pinned.generateImage(request(), { provider: 'google' })).provider).toBe('google')
  })

  it('refuses a pinned provider that is incapable, disabled or not configured', async () => {
    const router = createProviderRouter({
      providers: [
        createScriptedProvider({ name: 'google', maxResolution: '1K' }),
        createScriptedProvider({ name: 'local' }),
      ],
      settings: { local: { enabled: false } },
    })
    const cases: Array<[ProviderName, string]> = [
      ['google', 'resolution 2K is above the maximum 1K'],
      ['local', 'disabled'],
      ['openai', 'not configured'],
    ]
    for (const [provider, reason] of cases) {
      const error = (await routingError(
        router.generateImage(request({ resolution: '2K' }), { provider }),
      )) as NoCapableProviderError
      expect(error).toBeInstanceOf(NoCapableProviderError)
      expect(error.rejections).toEqual([{ provider, reason }])
    }
  })

  it('stops trying once the signal is aborted', async () => {
    const controller = new AbortController()
    const google = createScriptedProvider({ name: 'google', delayMs: 1_000 })
    const local = createScriptedProvider({ name: 'local' })
    const router = createProviderRouter({ providers: [google, local] })
    const pending = routingError(router.generateImage(request(), { signal: controller.signal }))
    controller.abort()
    const error = (await pending) as ProvidersFailedError
    expect(error.attempts).toEqual([expect.objectContaining({ provider: 'google', errorClass: 'timeout' })])
    expect(local.calls).toHaveLength(0)
  })

  it('lists providers with their settings, model and capabilities', () => {
    const router = createProviderRouter({
      providers: [createLocalProvider(), createScriptedProvider({ name: 'google', maxResolution: '2K' })],
      settings: { local: { priority: 90, enabled: false }, google: { priority: 5 } },
    })
    expect(router.listProviders()).toEqual([
      expect.objectContaining({ name: 'google', enabled: true, priority: 5, model: 'google-scripted' }),
      expect.objectContaining({ name: 'local', enabled: false, priority: 90, model: 'local-procedural-v1' }),
    ])
    expect(router.listProviders()[0]!.capabilities?.maxResolution).toBe('2K')
  })

  it('rejects a provider registered twice', () => {
    expect(
      () =>
        new ProviderRouter({
          providers: [createScriptedProvider({ name: 'local' }), createScriptedProvider({ name: 'local' })],
        }),
    ).toThrow('registered twice')
  })

  it('explains an empty registry', async () => {
    const error = (await routingError(
      createProviderRouter({ providers: [] }).generateImage(request()),
    )) as Error
    expect(error).toBeInstanceOf(NoCapableProviderError)
    expect(error.message).toContain('none is registered')
  })
})
