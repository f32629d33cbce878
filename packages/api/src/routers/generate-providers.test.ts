/**
 * The provider engine through the API, against the providers' contract fakes: search grounding
 * with the Google fake, and a fault-injection run with a flaky primary and a healthy secondary.
 */
import { createGoogleProvider, createOpenAIProvider } from '@nbl/providers'
import {
  type GoogleFake,
  type OpenAIFake,
  seededRandom,
  startGoogleFake,
  startOpenAIFake,
} from '@nbl/providers/fakes'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../test/errors.js'
import { createHarness, type Harness } from '../../test/harness.js'

describe('generate.search with Google Search grounding', () => {
  let google: GoogleFake
  let harness: Harness

  beforeAll(async () => {
    google = await startGoogleFake()
    harness = await createHarness({
      providers: [createGoogleProvider({ apiKey: google.apiKey, baseUrl: google.url }).image],
    })
  })
  afterAll(async () => {
    await harness.close()
    await google.close()
  })

  it('routes to a grounding provider and returns the queries and sources', async () => {
    const { caller } = await harness.createUser()
    const result = await caller.generate.search({
      prompt: 'the tallest building finished this year',
      aspectRatio: '16:9',
    })
    expect(result.provider).toBe('google')
    expect(result.images[0]).toMatchObject({ width: 1376, height: 768 })
    expect(result.grounding.queries.length).toBeGreaterThan(0)
    expect(result.grounding.sources[0]).toEqual({
      title: expect.any(String),
      url: expect.stringMatching(/^https?:/),
    })
    // 1 unit for the 1K image + 1 for grounding (API.md "Quota").
    expect(result.quota.used).toBe(2)
    const sent = google.requests.find((request) => request.path.endsWith(':generateContent'))
    expect(JSON.stringify(sent?.body)).toContain('googleSearch')
  })

  it('never lands a grounded request on a provider without grounding', async () => {
    const localOnly = await createHarness()
    try {
      const { caller } = await localOnly.createUser()
      const error = await expectAppError(caller.generate.search({ prompt: 'news' }))
      expect(error).toMatchObject({ trpcCode: 'PRECONDITION_FAILED', appCode: 'NO_CAPABLE_PROVIDER' })
      expect((await caller.quota.status()).used).toBe(0)
    } finally {
      await localOnly.close()
    }
  })
})

describe('fault injection: a flaky primary and a healthy secondary', () => {
  let openai: OpenAIFake
  let harness: Harness

  beforeAll(async () => {
    openai = await startOpenAIFake()
    openai.setRandomFaults({
      rate: 0.3,
      random: seededRandom(20261125),
      injections: [
        { kind: 'status', status: 500, json: { error: { message: 'boom', type: 'server_error' } } },
        {
          kind: 'status',
          status: 429,
          json: { error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } },
          headers: { 'retry-after': '0' },
        },
        { kind: 'hang' },
        { kind: 'reset' },
      ],
    })
    harness = await createHarness({
      providers: [createOpenAIProvider({ apiKey: openai.apiKey, baseUrl: openai.baseUrl }).image],
      router: {
        settings: { openai: { priority: 1, timeoutMs: 400 }, local: { priority: 2 } },
        resilience: { baseRetryDelayMs: 1, halfOpenAfterMs: 200 },
      },
    })
  })
  afterAll(async () => {
    await harness.close()
    await openai.close()
  })

  it('serves at least 99.9 % of 1 000 requests, each charged exactly once', async () => {
    const { caller, user } = await harness.createUser({ role: 'admin', tier: 'unlimited' })
    const total = 1000
    const outcomes: boolean[] = []
    let next = 0
    // 16 clients in parallel, each sending its requests one after another.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          next++
          outcomes.push(
            await caller.generate
              .image({ prompt: 'fault injection' })
              .then(() => true)
              .catch(() => false),
          )
        }
      }),
    )
    const succeeded = outcomes.filter(Boolean).length
    expect(succeeded / total).toBeGreaterThanOrEqual(0.999)

    const { rows } = await sql<{ succeeded: number; charged: number; images: number }>`
      select count(*) filter (where status = 'succeeded')::int as succeeded,
             coalesce(sum(units_charged), 0)::int as charged,
             (select count(*)::int from images where user_id = ${user.id}) as images
      from generations where user_id = ${user.id}`.execute(harness.database.db)
    expect(rows[0]).toEqual({ succeeded, charged: succeeded, images: succeeded })
    expect((await caller.quota.status()).used).toBe(succeeded)
    // The primary really was flaky, and the fallback really was used.
    const providers = await sql<{ provider: string; n: number }>`
      select provider, count(*)::int as n from generations where user_id = ${user.id} group by provider`.execute(
      harness.database.db,
    )
    const served = Object.fromEntries(providers.rows.map((row) => [row.provider, row.n]))
    expect(served.openai).toBeGreaterThan(500)
    expect(served.local).toBeGreaterThan(0)
  })
})
