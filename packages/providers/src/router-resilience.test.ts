/** @module Router tests for strategies in context, preferences, retries honouring Retry-After, timeouts and the breaker. */
import { describe, expect, it } from 'vitest'
import type { ProvidersFailedError } from './errors.js'
import { createProviderRouter } from './router.js'
import { createScriptedProvider, createScriptedVideoProvider, imageRequest } from './testing.js'
import { ProviderError, type ProviderName } from './types.js'

const rateLimited = (provider: ProviderName, retryAfterMs?: number) =>
  new ProviderError({
    provider,
    errorClass: 'rate_limited',
    message: '429',
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  })
const transient = (provider: ProviderName) =>
  new ProviderError({ provider, errorClass: 'transient', message: '503' })

describe('strategies through the router', () => {
  const providers = () => [
    createScriptedProvider({
      name: 'openai',
      pricing: { perImageUsd: { '1K': 0.04, '2K': 0.17, '4K': 0.17 } },
      profile: { qualityScore: 0.9, typicalLatencyMs: 20_000 },
    }),
    createScriptedProvider({
      name: 'flux',
      pricing: { perImageUsd: { '1K': 0.06, '2K': 0.06, '4K': 0.06 } },
      profile: { qualityScore: 0.8, typicalLatencyMs: 3_000 },
      delayMs: 30,
    }),
  ]

  it('prices the exact request for the cost strategy', async () => {
    const router = createProviderRouter({ providers: providers() })
    expect(
      (await router.generateImage(imageRequest({ resolution: '1K' }), { strategy: 'cost' })).provider,
    ).toBe('openai')
    expect(
      (await router.generateImage(imageRequest({ resolution: '2K' }), { strategy: 'cost' })).provider,
    ).toBe('flux')
  })

  it('orders by quality and by declared, then observed, speed', async () => {
    const router = createProviderRouter({ providers: providers() })
    expect((await router.generateImage(imageRequest(), { strategy: 'quality' })).provider).toBe('openai')
    expect((await router.generateImage(imageRequest(), { strategy: 'speed' })).provider).toBe('flux')
    // openai really answers in ~0 ms and flux in 30 ms: observations soon outweigh the declared figures.
    for (let index = 0; index < 10; index++)
      await router.generateImage(imageRequest(), { provider: 'openai' })
    expect((await router.generateImage(imageRequest(), { strategy: 'speed' })).provider).toBe('openai')
  })

  it('shares round_robin fairly across requests', async () => {
    const router = createProviderRouter({ providers: providers() })
    const served = []
    for (let index = 0; index < 6; index++) {
      served.push((await router.generateImage(imageRequest(), { strategy: 'round_robin' })).provider)
    }
    expect(served.filter((name) => name === 'openai')).toHaveLength(3)
    expect(served.filter((name) => name === 'flux')).toHaveLength(3)
  })

  it('applies the caller’s saved order and exclusions', async () => {
    const router = createProviderRouter({ providers: providers() })
    expect((await router.generateImage(imageRequest(), { order: ['flux'] })).provider).toBe('flux')
    expect((await router.generateImage(imageRequest(), { exclude: ['openai'] })).provider).toBe('flux')
  })
})

describe('resilience', () => {
  it('retries the same provider after the Retry-After hint, then succeeds', async () => {
    const google = createScriptedProvider({ name: 'google', outcomes: [rateLimited('google', 80), 'ok'] })
    const router = createProviderRouter({ providers: [google, createScriptedProvider({ name: 'local' })] })
    const startedAt = Date.now()
    const routed = await router.generateImage(imageRequest())
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(75)
    expect(routed.provider).toBe('google')
    expect(routed.attempts.map((attempt) => attempt.outcome)).toEqual(['failed', 'succeeded'])
  })

  it('falls back at once when the Retry-After hint is longer than it will wait', async () => {
    const google = createScriptedProvider({ name: 'google', outcomes: [rateLimited('google', 60_000)] })
    const router = createProviderRouter({ providers: [google, createScriptedProvider({ name: 'local' })] })
    const startedAt = Date.now()
    const routed = await router.generateImage(imageRequest())
    expect(Date.now() - startedAt).toBeLessThan(1_000)
    expect(routed.provider).toBe('local')
    expect(google.calls).toHaveLength(1)
  })

  it('bounds retries per provider and records every attempt', async () => {
    const google = createScriptedProvider({ name: 'google', outcomes: [transient('google')] })
    const router = createProviderRouter({
      providers: [google, createScriptedProvider({ name: 'local' })],
      resilience: { maxRetriesPerProvider: 2, baseRetryDelayMs: 1 },
    })
    const routed = await router.generateImage(imageRequest())
    expect(google.calls).toHaveLength(3)
    expect(routed.attempts.map((attempt) => `${attempt.provider}:${attempt.outcome}`)).toEqual([
      'google:failed',
      'google:failed',
      'google:failed',
      'local:succeeded',
    ])
  })

  it('times out a slow attempt and moves on', async () => {
    const slow = createScriptedProvider({ name: 'google', delayMs: 5_000 })
    const router = createProviderRouter({
      providers: [slow, createScriptedProvider({ name: 'local' })],
      settings: { google: { timeoutMs: 30 } },
      resilience: { maxRetriesPerProvider: 0 },
    })
    const routed = await router.generateImage(imageRequest())
    expect(routed.provider).toBe('local')
    expect(routed.attempts[0]).toMatchObject({ provider: 'google', outcome: 'failed', errorClass: 'timeout' })
  })

  it('does not fall back when fallback is switched off', async () => {
    const router = createProviderRouter({
      providers: [
        createScriptedProvider({ name: 'google', outcomes: [transient('google')] }),
        createScriptedProvider({ name: 'local' }),
      ],
      resilience: { fallback: false, maxRetriesPerProvider: 0 },
    })
    const error = (await router
      .generateImage(imageRequest())
      .catch((caught: unknown) => caught)) as ProvidersFailedError
    expect(error.attempts.map((attempt) => attempt.provider)).toEqual(['google'])
  })

  it('opens the breaker after repeated failures, skips the provider, and closes it after a good half-open probe', async () => {
    const google = createScriptedProvider({
      name: 'google',
      outcomes: [transient('google'), transient('google'), 'ok'],
    })
    const router = createProviderRouter({
      providers: [google, createScriptedProvider({ name: 'local' })],
      resilience: { maxRetriesPerProvider: 0, breakerThreshold: 2, halfOpenAfterMs: 100 },
    })
    const breaker = () => router.listProviders().find((entry) => entry.name === 'google')?.breaker.image

    await router.generateImage(imageRequest())
    expect(breaker()).toBe('closed')
    await router.generateImage(imageRequest())
    expect(breaker()).toBe('open')

    const whileOpen = await router.generateImage(imageRequest())
    expect(whileOpen.provider).toBe('local')
    expect(whileOpen.attempts[0]).toMatchObject({ provider: 'google', outcome: 'skipped' })
    expect(google.calls).toHaveLength(2)

    await new Promise((resolve) => setTimeout(resolve, 120))
    const probe = await router.generateImage(imageRequest())
    expect(probe.provider).toBe('google')
    expect(breaker()).toBe('closed')
    expect((await router.generateImage(imageRequest())).provider).toBe('google')
  })

  it('does not count refused prompts against a provider’s breaker or health', async () => {
    const refusal = new ProviderError({ provider: 'google', errorClass: 'content_policy', message: 'no' })
    const router = createProviderRouter({
      providers: [createScriptedProvider({ name: 'google', outcomes: [refusal] })],
      resilience: { breakerThreshold: 2 },
    })
    for (let index = 0; index < 4; index++) await router.generateImage(imageRequest()).catch(() => undefined)
    const google = router.listProviders()[0]
    expect(google?.breaker.image).toBe('closed')
    expect(google?.health.image?.successRate).toBe(1)
  })
})

describe('video routing', () => {
  it('submits to the first capable video provider, polls and downloads', async () => {
    const runway = createScriptedVideoProvider({ name: 'runway', aspectRatios: ['16:9'] })
    const kling = createScriptedVideoProvider({ name: 'kling', runningPolls: 2 })
    const router = createProviderRouter({ providers: [], videoProviders: [runway, kling] })
    const request = { prompt: 'a wave', durationSec: 5, aspectRatio: '9:16', resolution: '720p' } as const
    const routed = await router.generateVideo(request)
    expect(routed).toMatchObject({ provider: 'kling', durationSec: 5, costUsd: 0.25 })
    expect(routed.video.mimeType).toBe('video/mp4')
    expect(runway.submitted).toHaveLength(0)
  })

  it('falls back on a submit failure and reports a task failure with the attempts', async () => {
    const runway = createScriptedVideoProvider({ name: 'runway', submitOutcomes: [transient('runway')] })
    const blocked = new ProviderError({
      provider: 'kling',
      errorClass: 'content_policy',
      message: 'risk control',
    })
    const kling = createScriptedVideoProvider({ name: 'kling', result: blocked })
    const router = createProviderRouter({
      providers: [],
      videoProviders: [runway, kling],
      resilience: { maxRetriesPerProvider: 0 },
    })
    const error = (await router
      .generateVideo({ prompt: 'x', durationSec: 5, aspectRatio: '16:9', resolution: '720p' })
      .catch((caught: unknown) => caught)) as ProvidersFailedError
    expect(error.errorClass).toBe('content_policy')
    expect(error.attempts.map((attempt) => `${attempt.provider}:${attempt.outcome}`)).toEqual([
      'runway:failed',
      'kling:succeeded',
    ])
  })

  it('lists image and video sides per provider', () => {
    const router = createProviderRouter({
      providers: [createScriptedProvider({ name: 'runway' })],
      videoProviders: [createScriptedVideoProvider({ name: 'runway' })],
    })
    expect(router.listProviders()).toEqual([
      expect.objectContaining({
        name: 'runway',
        kinds: ['image', 'video'],
        breaker: { image: 'closed', video: 'closed' },
      }),
    ])
  })
})
