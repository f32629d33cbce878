import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { flagDragonFire, type ModerationFake, startModerationFake } from '../../../test/moderation-fake.js'
import { createOpenAIModerator, ModeratorUnavailableError } from './openai-moderator.js'

let fake: ModerationFake

beforeAll(async () => {
  fake = await startModerationFake()
})
afterAll(() => fake.close())
beforeEach(() => {
  fake.requests.length = 0
  fake.behave({ kind: 'verdict', flag: flagDragonFire })
})

const moderator = (options: { timeoutMs?: number; model?: string } = {}) =>
  createOpenAIModerator({ apiKey: fake.apiKey, baseUrl: `${fake.baseUrl}/`, ...options })

describe('OpenAI moderator', () => {
  it('posts the texts as one multi-modal input to {baseUrl}/moderations with the bearer key', async () => {
    const verdict = await moderator().moderate(['a castle at dawn', 'no people'])
    expect(verdict).toEqual({ flagged: false, categories: [] })
    expect(fake.requests).toHaveLength(1)
    const [request] = fake.requests
    expect(request).toMatchObject({ method: 'POST', path: '/v1/moderations' })
    expect(request?.headers.authorization).toBe(`Bearer ${fake.apiKey}`)
    expect(request?.headers['content-type']).toBe('application/json')
    expect(request?.body).toEqual({
      model: 'omni-moderation-latest',
      input: [
        { type: 'text', text: 'a castle at dawn' },
        { type: 'text', text: 'no people' },
      ],
    })
  })

  it('reports flagged categories, most severe first', async () => {
    fake.behave({ kind: 'verdict', flag: () => ['violence', 'sexual/minors', 'harassment'] })
    const verdict = await moderator({ model: 'omni-moderation-2024-09-26' }).moderate(['x'])
    expect(verdict).toEqual({ flagged: true, categories: ['sexual/minors', 'violence', 'harassment'] })
    expect(fake.requests[0]?.body).toMatchObject({ model: 'omni-moderation-2024-09-26' })
  })

  it.each([
    ['a 500', { kind: 'status', status: 500 } as const, { status: 500 }],
    ['a 429', { kind: 'status', status: 429 } as const, { status: 429 }],
    ['a 401', { kind: 'status', status: 401 } as const, { status: 401 }],
    ['a body that is not JSON', { kind: 'garbage' } as const, { status: 200 }],
  ])('is unavailable on %s', async (_name, behaviour, context) => {
    fake.behave(behaviour)
    const error = await moderator()
      .moderate(['a castle'])
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ModeratorUnavailableError)
    expect((error as ModeratorUnavailableError).context).toMatchObject(context)
  })

  it('is unavailable when the answer does not come within the timeout', async () => {
    fake.behave({ kind: 'hang' })
    const error = await moderator({ timeoutMs: 50 })
      .moderate(['a castle'])
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ModeratorUnavailableError)
    expect((error as ModeratorUnavailableError).context).toMatchObject({ timedOut: true })
  })

  it('is unavailable when nothing listens', async () => {
    const error = await createOpenAIModerator({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1/v1' })
      .moderate(['a castle'])
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ModeratorUnavailableError)
    expect((error as ModeratorUnavailableError).context).toMatchObject({ timedOut: false })
  })
})
