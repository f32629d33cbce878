import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  completionWith,
  type FakeChatCompletions,
  startFakeChatCompletions,
} from '../../../test/chat-completions-fake.js'
import { expectAppError } from '../../../test/errors.js'
import { createHarness, type Harness } from '../../../test/harness.js'
import { AppError } from '../../errors.js'
import type { ModerationRequest, ModerationService } from '../../services/moderation/moderation.js'
import { PROMPT_CATEGORIES } from '../../services/prompts/categories.js'
import { createChatCompletionsPromptImprover } from '../../services/prompts/chat-completions-improver.js'

let harness: Harness
let fake: FakeChatCompletions
/** Every moderation request seen (texts and purpose); texts with "forbidden" are blocked. */
const moderated: ModerationRequest[] = []
const moderation: ModerationService = {
  async assertAllowed(request) {
    moderated.push({ texts: request.texts, purpose: request.purpose })
    if (request.texts.some((text) => text.includes('forbidden')))
      throw new AppError('CONTENT_BLOCKED', 'Blocked by content moderation: test', { reason: 'test' })
  },
}

beforeAll(async () => {
  harness = await createHarness({ moderation })
  fake = await startFakeChatCompletions()
})
afterAll(async () => {
  await fake.close()
  await harness.close()
})

describe('library.prompts', () => {
  it('creates, gets, lists, updates and deletes the caller’s prompts', async () => {
    const { caller } = await harness.createUser()
    const prompts = caller.library.prompts
    const created = await prompts.create({
      title: ' Foggy harbour ',
      text: 'a foggy harbour at dawn',
      tags: ['Sea', 'fog', 'sea'],
    })
    expect(created).toMatchObject({
      title: 'Foggy harbour',
      text: 'a foggy harbour at dawn',
      category: 'general',
      tags: ['sea', 'fog'],
      isPublic: false,
      isOwner: true,
    })
    expect(created.id).toMatch(/^prm_/)
    expect(await prompts.get({ promptId: created.id })).toEqual(created)

    const portrait = await prompts.create({ title: 'Chef', text: 'portrait of a chef', category: 'portrait' })
    const first = await prompts.list({ limit: 1 })
    expect(first.items.map((prompt) => prompt.id)).toEqual([portrait.id])
    const second = await prompts.list({ limit: 1, cursor: first.nextCursor! })
    expect(second).toMatchObject({ items: [{ id: created.id }], nextCursor: null })
    expect((await prompts.list({ category: 'portrait' })).items.map((prompt) => prompt.id)).toEqual([
      portrait.id,
    ])

    const updated = await prompts.update({ promptId: created.id, text: 'a foggy harbour at dusk', tags: [] })
    expect(updated).toMatchObject({ title: 'Foggy harbour', text: 'a foggy harbour at dusk', tags: [] })
    expect(await prompts.get({ promptId: created.id })).toEqual(updated)

    expect(await prompts.delete({ promptId: created.id })).toEqual({ ok: true })
    for (const call of [prompts.get({ promptId: created.id }), prompts.delete({ promptId: created.id })])
      expect(await expectAppError(call)).toMatchObject({ trpcCode: 'NOT_FOUND', appCode: 'NOT_FOUND' })
    expect(await expectAppError(prompts.update({ promptId: created.id, title: 'gone' }))).toMatchObject({
      appCode: 'NOT_FOUND',
    })
  })

  it.each([
    [{ title: '', text: 'x' }, 'title'],
    [{ title: 't', text: 'x'.repeat(4001) }, 'text'],
    [{ title: 't', text: 'x', category: 'memes' }, 'category'],
    [{ title: 't', text: 'x', tags: Array.from({ length: 11 }, (_, index) => `tag${index}`) }, 'tags'],
    [{ title: 't', text: 'x', tags: [''] }, 'tags.0'],
  ])('rejects %j naming %s', async (input, field) => {
    const { caller } = await harness.createUser()
    const error = await expectAppError(
      caller.library.prompts.create(input as { title: string; text: string }),
    )
    expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
    expect(error.details.fieldErrors?.[field]).toBeDefined()
  })

  it('keeps private prompts private; public ones are readable by anyone, writable by the owner only', async () => {
    const owner = await harness.createUser({ name: 'A' })
    const other = await harness.createUser({ name: 'B' })
    const hidden = await owner.caller.library.prompts.create({ title: 'Secret', text: 'a secret garden' })
    const shared = await owner.caller.library.prompts.create({
      title: 'Shared',
      text: 'a shared garden',
      category: 'landscape',
      isPublic: true,
    })
    const mine = await other.caller.library.prompts.create({
      title: 'Mine',
      text: 'my own',
      category: 'landscape',
    })

    expect(await expectAppError(other.caller.library.prompts.get({ promptId: hidden.id }))).toMatchObject({
      appCode: 'NOT_FOUND',
    })
    expect(await other.caller.library.prompts.get({ promptId: shared.id })).toMatchObject({
      id: shared.id,
      isOwner: false,
    })
    for (const promptId of [hidden.id, shared.id]) {
      for (const call of [
        other.caller.library.prompts.update({ promptId, title: 'taken' }),
        other.caller.library.prompts.delete({ promptId }),
      ])
        expect(await expectAppError(call)).toMatchObject({ trpcCode: 'NOT_FOUND', appCode: 'NOT_FOUND' })
    }
    expect((await owner.caller.library.prompts.get({ promptId: shared.id })).title).toBe('Shared')

    expect((await other.caller.library.prompts.list()).items.map((prompt) => prompt.id)).toEqual([mine.id])
    const withPublic = await other.caller.library.prompts.list({ includePublic: true, limit: 100 })
    const ids = withPublic.items.map((prompt) => prompt.id)
    expect(ids).toContain(mine.id)
    expect(ids).toContain(shared.id)
    expect(ids).not.toContain(hidden.id)
  })

  it('counts, per fixed category, the prompts the caller can see', async () => {
    const owner = await harness.createUser()
    const viewer = await harness.createUser()
    const before = new Map(
      (await viewer.caller.library.prompts.categories()).map((entry) => [entry.category, entry.count]),
    )
    await owner.caller.library.prompts.create({ title: 'p', text: 'x', category: 'food', isPublic: true })
    await owner.caller.library.prompts.create({ title: 'q', text: 'x', category: 'food' })
    await viewer.caller.library.prompts.create({ title: 'r', text: 'x', category: 'sci-fi' })
    await viewer.caller.library.prompts.create({ title: 's', text: 'x', category: 'sci-fi' })

    const categories = await viewer.caller.library.prompts.categories()
    expect(categories.map((entry) => entry.category)).toEqual([...PROMPT_CATEGORIES])
    const counts = new Map(categories.map((entry) => [entry.category, entry.count]))
    expect(counts.get('food')).toBe((before.get('food') ?? 0) + 1)
    expect(counts.get('sci-fi')).toBe((before.get('sci-fi') ?? 0) + 2)
    expect(counts.get('fashion')).toBe(before.get('fashion'))
  })

  it('moderates saved prompts, public ones as public, and stores nothing that is blocked', async () => {
    const { caller } = await harness.createUser()
    moderated.length = 0
    const saved = await caller.library.prompts.create({ title: 'Cat', text: 'a cat', tags: ['pets'] })
    expect(moderated).toEqual([{ texts: ['Cat', 'a cat', 'pets'], purpose: 'generation' }])

    moderated.length = 0
    const blocked = await expectAppError(
      caller.library.prompts.create({
        title: 'Dog',
        text: 'a forbidden dog',
        tags: ['pets'],
        isPublic: true,
      }),
    )
    expect(blocked).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'CONTENT_BLOCKED' })
    expect(moderated).toEqual([{ texts: ['Dog', 'a forbidden dog', 'pets'], purpose: 'public' }])
    expect((await caller.library.prompts.list()).items.map((prompt) => prompt.id)).toEqual([saved.id])

    // Publishing re-checks the whole prompt as public text; a blocked tag refuses the update.
    moderated.length = 0
    await caller.library.prompts.update({ promptId: saved.id, isPublic: true })
    expect(moderated).toEqual([{ texts: ['Cat', 'a cat', 'pets'], purpose: 'public' }])
    const refused = await expectAppError(
      caller.library.prompts.update({ promptId: saved.id, tags: ['forbidden'] }),
    )
    expect(refused.appCode).toBe('CONTENT_BLOCKED')
    expect((await caller.library.prompts.get({ promptId: saved.id })).tags).toEqual(['pets'])
  })

  it('suggests with the rules when no text model is configured: deterministic, up to count', async () => {
    const { caller } = await harness.createUser()
    const first = await caller.library.prompts.suggest({ prompt: 'please draw a castle', count: 4 })
    expect(first.source).toBe('rules')
    expect(first.suggestions).toHaveLength(4)
    for (const suggestion of first.suggestions) {
      expect(suggestion.prompt.startsWith('a castle, ')).toBe(true)
      expect(suggestion.reason).toContain('removed filler')
    }
    expect(await caller.library.prompts.suggest({ prompt: 'please draw a castle', count: 4 })).toEqual(first)
    expect((await caller.library.prompts.suggest({ prompt: 'a castle' })).suggestions).toHaveLength(3)
    for (const input of [
      { prompt: 'a castle', count: 6 },
      { prompt: 'a castle', count: 0 },
      { prompt: '  ' },
    ]) {
      expect(await expectAppError(caller.library.prompts.suggest(input))).toMatchObject({
        appCode: 'VALIDATION',
      })
    }
  })

  it('suggests with the configured text model through the chat-completions API', async () => {
    const { caller } = await harness.createUser()
    const suggestions = [
      { prompt: 'a castle on a misty hill at dawn, oil painting', reason: 'Adds setting and style.' },
    ]
    fake.answer({ status: 200, json: completionWith(JSON.stringify({ suggestions })) })
    harness.deps.promptImprover = createChatCompletionsPromptImprover({
      baseUrl: fake.baseUrl,
      apiKey: 'sk-suggest',
      model: 'suggest-model',
    })
    try {
      const result = await caller.library.prompts.suggest({ prompt: 'a castle', count: 1 })
      expect(result).toEqual({ suggestions, source: 'provider' })
      const request = fake.requests.at(-1)
      expect(request?.path).toBe('/v1/chat/completions')
      expect(request?.headers.authorization).toBe('Bearer sk-suggest')
      expect(request?.body).toMatchObject({ model: 'suggest-model' })

      // The model failing falls back to the rules.
      fake.answer({ status: 503, json: { error: { message: 'overloaded' } } })
      const fallback = await caller.library.prompts.suggest({ prompt: 'a castle', count: 1 })
      expect(fallback.source).toBe('rules')
      expect(fallback.suggestions).toHaveLength(1)
    } finally {
      delete harness.deps.promptImprover
    }
  })

  it('rejects a forged cursor as a validation error', async () => {
    const { caller } = await harness.createUser()
    expect(await expectAppError(caller.library.prompts.list({ cursor: 'forged' }))).toMatchObject({
      appCode: 'VALIDATION',
      details: { fieldErrors: { cursor: ['invalid cursor'] } },
    })
  })
})
