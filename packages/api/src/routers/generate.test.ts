import { ProviderError } from '@nbl/providers'
import { createScriptedProvider } from '@nbl/providers/testing'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { expectAppError } from '../../test/errors.js'
import { anonymousCaller, createHarness, type Harness } from '../../test/harness.js'
import { fetchPublicImage } from '../services/images/remote-image.js'

// The real fetcher, observed: reference URLs cannot be reached from tests anyway.
vi.mock('../services/images/remote-image.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../services/images/remote-image.js')>()
  return { ...original, fetchPublicImage: vi.fn(original.fetchPublicImage) }
})

let harness: Harness

beforeAll(async () => {
  harness = await createHarness({
    free: { dailyLimit: 10, cooldownSeconds: 0 },
  })
})
afterAll(() => harness.close())

describe('generate.image', () => {
  it('generates a 1K 16:9 PNG, stores it, records the generation and charges one unit', async () => {
    const { caller } = await harness.createUser()
    const result = await caller.generate.image({ prompt: 'a lighthouse at dusk', aspectRatio: '16:9' })
    expect(result.provider).toBe('local')
    expect(result.images).toHaveLength(1)
    const image = result.images[0]!
    expect(image).toMatchObject({
      width: 1376,
      height: 768,
      mimeType: 'image/png',
      prompt: 'a lighthouse at dusk',
    })
    expect(result.attempts).toEqual([expect.objectContaining({ provider: 'local', outcome: 'succeeded' })])
    expect(result.quota).toMatchObject({ tier: 'free', limit: 10, used: 1, remaining: 9 })

    const key = new URL(image.url).pathname.slice('/files/'.length)
    const bytes = await harness.deps.storage.read(decodeURIComponent(key))
    const metadata = await sharp(bytes!).metadata()
    expect(metadata).toMatchObject({ format: 'png', width: 1376, height: 768 })

    const history = await caller.library.history.list({})
    expect(history.items.map((item) => item.id)).toEqual([image.id])
    const generation = await harness.database.db
      .selectFrom('generations')
      .selectAll()
      .where('id', '=', result.id)
      .executeTakeFirstOrThrow()
    expect(generation).toMatchObject({
      status: 'succeeded',
      provider: 'local',
      units_reserved: 1,
      units_charged: 1,
    })
  })

  it('charges by resolution and count', async () => {
    const { caller } = await harness.createUser()
    const result = await caller.generate.image({ prompt: 'two moons', resolution: '2K', count: 2 })
    expect(result.images).toHaveLength(2)
    expect(result.images.map((image) => [image.width, image.height])).toEqual([
      [2048, 2048],
      [2048, 2048],
    ])
    expect(result.quota.used).toBe(4)
  })

  it.each([
    [{ prompt: 'x', resolution: '8K' }, 'resolution'],
    [{ prompt: '' }, 'prompt'],
    [{ prompt: 'x', count: 5 }, 'count'],
    [{ prompt: 'x', aspectRatio: '7:3' }, 'aspectRatio'],
    [{ prompt: 'x', referenceImages: [{ url: 'http://example.com/a.png' }] }, 'referenceImages.0'],
    [{ prompt: 'x', colour: 'red' }, '(input)'],
  ])('rejects %j naming the field %s, charging nothing', async (input, field) => {
    const { caller } = await harness.createUser()
    // @ts-expect-error: invalid on purpose
    const error = await expectAppError(caller.generate.image(input))
    expect(error.trpcCode).toBe('BAD_REQUEST')
    expect(error.appCode).toBe('VALIDATION')
    expect(Object.keys(error.details.fieldErrors ?? {}).some((key) => key.startsWith(field))).toBe(true)
    expect((await caller.quota.status()).used).toBe(0)
  })

  it('refuses a resolution above the tier with FORBIDDEN', async () => {
    const { caller } = await harness.createUser({ tier: 'free' })
    const error = await expectAppError(caller.generate.image({ prompt: 'x', resolution: '4K' }))
    expect(error).toMatchObject({ trpcCode: 'FORBIDDEN', appCode: 'FORBIDDEN' })
  })

  it('answers UNAUTHORIZED without a caller', async () => {
    const error = await expectAppError(anonymousCaller(harness).generate.image({ prompt: 'x' }))
    expect(error).toMatchObject({ trpcCode: 'UNAUTHORIZED', appCode: 'UNAUTHENTICATED' })
  })

  it('says NOT_FOUND for a project the caller does not have', async () => {
    const { caller } = await harness.createUser()
    const error = await expectAppError(caller.generate.image({ prompt: 'x', projectId: 'prj_nope' }))
    expect(error.appCode).toBe('NOT_FOUND')
  })

  it('uses a reference image the caller owns and hides other users’ images', async () => {
    const owner = await harness.createUser()
    const other = await harness.createUser()
    const first = await owner.caller.generate.image({ prompt: 'base' })
    const imageId = first.images[0]!.id
    const edited = await owner.caller.generate.image({ prompt: 'edit', referenceImages: [{ imageId }] })
    expect(edited.images).toHaveLength(1)
    const error = await expectAppError(
      other.caller.generate.image({ prompt: 'steal', referenceImages: [{ imageId }] }),
    )
    expect(error.appCode).toBe('NOT_FOUND')
    expect((await other.caller.quota.status()).used).toBe(0)
  })

  it('refuses on quota before downloading reference images by URL', async () => {
    const { caller } = await harness.createUser()
    await caller.generate.image({ prompt: 'use it all', resolution: '2K', count: 4 })
    await caller.generate.image({ prompt: 'and the rest', count: 2 })
    vi.mocked(fetchPublicImage).mockClear()
    const error = await expectAppError(
      caller.generate.image({
        prompt: 'from the web',
        referenceImages: [{ url: 'https://images.example/a.png' }, { url: 'https://images.example/b.png' }],
      }),
    )
    expect(error).toMatchObject({ trpcCode: 'TOO_MANY_REQUESTS', appCode: 'QUOTA_EXCEEDED' })
    expect(fetchPublicImage).not.toHaveBeenCalled()
  })

  it('grants exactly the remaining units to 200 concurrent requests', async () => {
    const { caller } = await harness.createUser()
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, index) => caller.generate.image({ prompt: `burst ${index}` })),
    )
    const succeeded = outcomes.filter((outcome) => outcome.status === 'fulfilled')
    expect(succeeded).toHaveLength(10)
    const codes = await Promise.all(
      outcomes
        .filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
        .map((outcome) => expectAppError(Promise.reject(outcome.reason))),
    )
    expect(new Set(codes.map((code) => code.appCode))).toEqual(new Set(['QUOTA_EXCEEDED']))
    expect(codes[0]?.details.retryAfterMs).toBeGreaterThan(0)
    expect(await caller.quota.status()).toMatchObject({ used: 10, remaining: 0 })
  })
})

describe('generate.image with failing providers', () => {
  let failing: Harness
  beforeAll(async () => {
    failing = await createHarness({
      includeLocal: false,
      providers: [
        createScriptedProvider({
          name: 'openai',
          outcomes: [
            new ProviderError({
              provider: 'openai',
              errorClass: 'transient',
              message: 'upstream 503',
              status: 503,
            }),
          ],
        }),
      ],
    })
  })
  afterAll(() => failing.close())

  it('refunds the reservation when every provider fails, and records the failure', async () => {
    const { caller, user } = await failing.createUser()
    const error = await expectAppError(caller.generate.image({ prompt: 'doomed', resolution: '2K' }))
    expect(error).toMatchObject({ trpcCode: 'BAD_GATEWAY', appCode: 'PROVIDERS_FAILED' })
    // The router retries a transient failure (maxRetriesPerProvider) before giving up.
    expect(error.details.attempts).not.toHaveLength(0)
    for (const attempt of error.details.attempts ?? []) {
      expect(attempt).toMatchObject({ provider: 'openai', outcome: 'failed', errorClass: 'transient' })
    }
    expect((await caller.quota.status()).used).toBe(0)
    const row = await failing.database.db
      .selectFrom('generations')
      .select(['status', 'units_charged', 'error_code'])
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'failed', units_charged: 0, error_code: 'PROVIDERS_FAILED' })
  })

  it('reports NO_CAPABLE_PROVIDER when nothing can serve the request', async () => {
    const { caller } = await failing.createUser({ tier: 'pro' })
    const error = await expectAppError(caller.generate.image({ prompt: 'x', provider: 'flux' }))
    expect(error).toMatchObject({ trpcCode: 'PRECONDITION_FAILED', appCode: 'NO_CAPABLE_PROVIDER' })
    expect((await caller.quota.status()).used).toBe(0)
  })
})

describe('generate.image on content policy', () => {
  it('answers CONTENT_BLOCKED naming the provider, and refunds', async () => {
    const blocked = await createHarness({
      includeLocal: false,
      providers: [
        createScriptedProvider({
          name: 'google',
          outcomes: [
            new ProviderError({ provider: 'google', errorClass: 'content_policy', message: 'IMAGE_SAFETY' }),
          ],
        }),
      ],
    })
    try {
      const { caller } = await blocked.createUser()
      const error = await expectAppError(caller.generate.image({ prompt: 'something' }))
      expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'CONTENT_BLOCKED' })
      expect(error.details.provider).toBe('google')
      expect((await caller.quota.status()).used).toBe(0)
    } finally {
      await blocked.close()
    }
  })
})

describe('quota procedures', () => {
  it('reports costs, checks without reserving, and lists the tiers publicly', async () => {
    const { caller } = await harness.createUser()
    const status = await caller.quota.status()
    expect(status.costs.image).toEqual({ '1K': 1, '2K': 2, '4K': 4 })
    expect(new Date(status.resetsAt).getUTCHours()).toBe(0)
    expect(await caller.quota.check({ resolution: '2K', count: 5 })).toEqual({ allowed: true, cost: 10 })
    expect(await caller.quota.check({ resolution: '2K', count: 6 })).toMatchObject({
      allowed: false,
      cost: 12,
      appCode: 'QUOTA_EXCEEDED',
    })
    expect(await caller.quota.check({ resolution: '4K' })).toMatchObject({
      allowed: false,
      appCode: 'FORBIDDEN',
    })
    expect((await caller.quota.status()).used).toBe(0)
    const tiers = await anonymousCaller(harness).quota.config()
    expect(tiers.map((tier) => tier.tier)).toEqual(['free', 'pro', 'unlimited'])
  })

  it('applies the cooldown between requests', async () => {
    const cooled = await createHarness({
      free: { dailyLimit: 50, cooldownSeconds: 3 },
    })
    try {
      const { caller } = await cooled.createUser()
      await caller.generate.image({ prompt: 'first' })
      const error = await expectAppError(caller.generate.image({ prompt: 'second' }))
      expect(error).toMatchObject({ trpcCode: 'TOO_MANY_REQUESTS', appCode: 'COOLDOWN' })
      expect(error.details.retryAfterMs).toBeGreaterThan(0)
      expect(error.details.retryAfterMs).toBeLessThanOrEqual(3000)
      expect((await caller.quota.status()).used).toBe(1)
    } finally {
      await cooled.close()
    }
  })
})
