import { createLocalVideoProvider } from '@nbl/providers'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { expectAppError } from '../../test/errors.js'
import { createHarness, type Harness, type TestUser } from '../../test/harness.js'
import { flagDragonFire, type ModerationFake, startModerationFake } from '../../test/moderation-fake.js'
import { createKeywordFilter } from '../services/moderation/keyword-filter.js'
import { createModerationService, type ModerationFailMode } from '../services/moderation/moderation.js'
import { createOpenAIModerator } from '../services/moderation/openai-moderator.js'

let harness: Harness
let fake: ModerationFake
const keywordsOnly = createModerationService()

beforeAll(async () => {
  harness = await createHarness({
    free: { dailyLimit: 50, cooldownSeconds: 0 },
    videoProviders: [createLocalVideoProvider({ pollIntervalMs: 20 })],
  })
  fake = await startModerationFake()
})
afterAll(async () => {
  await fake.close()
  await harness.close()
})
beforeEach(() => {
  harness.deps.moderation = keywordsOnly
  fake.requests.length = 0
  fake.behave({ kind: 'verdict', flag: flagDragonFire })
})

async function used(user: TestUser): Promise<number> {
  return (await user.caller.quota.status()).used
}

async function rowsOf(user: TestUser) {
  const db = harness.database.db
  const generations = await db
    .selectFrom('generations')
    .select('id')
    .where('user_id', '=', user.user.id)
    .execute()
  const jobs = await db.selectFrom('jobs').select('id').where('user_id', '=', user.user.id).execute()
  return { generations: generations.length, jobs: jobs.length }
}

/** A blocked call: BAD_REQUEST/CONTENT_BLOCKED naming the field and the category, never the words. */
async function expectBlocked(call: Promise<unknown>, field: string, reason: string) {
  const error = await expectAppError(call)
  expect(error).toMatchObject({
    trpcCode: 'BAD_REQUEST',
    appCode: 'CONTENT_BLOCKED',
    details: { reason, fieldErrors: { [field]: [expect.stringContaining('Blocked by content moderation')] } },
  })
  expect(error.message.startsWith(`${field}: Blocked by content moderation`)).toBe(true)
  return error
}

describe('moderation of generation requests (keyword filter)', () => {
  it('refuses a blocked prompt before charging or recording anything', async () => {
    const user = await harness.createUser()
    const error = await expectBlocked(
      user.caller.generate.image({ prompt: 'a hardcore p0rn poster' }),
      'prompt',
      'sexual',
    )
    expect(error.message).not.toMatch(/p0rn|porn/i)
    await expectBlocked(
      user.caller.generate.image({ prompt: 'a lighthouse', negativePrompt: 'decapitated heads' }),
      'negativePrompt',
      'violence/graphic',
    )
    await expectBlocked(user.caller.generate.search({ prompt: 'heil hitler rally' }), 'prompt', 'hate')
    expect(await used(user)).toBe(0)
    expect(await rowsOf(user)).toEqual({ generations: 0, jobs: 0 })
  })

  it.each([
    'p.o.r.n',
    'p o r n o g r a p h y',
    'pooorrrnnn',
    'P0RN',
    'ＰＯＲＮ',
    'p\u200Bo\u200Br\u200Bn',
    'pörn',
    'h3nt41',
  ])('blocks the evasion %s', async (prompt) => {
    const user = await harness.createUser()
    await expectBlocked(user.caller.generate.image({ prompt }), 'prompt', 'sexual')
    expect(await used(user)).toBe(0)
  })

  it('generates innocent prompts whose words contain blocked words', async () => {
    const user = await harness.createUser()
    const result = await user.caller.generate.image({
      prompt: 'a class from Scunthorpe analysing a canal, grapes and a cucumber, in Sussex',
    })
    expect(result.images).toHaveLength(1)
    expect(await used(user)).toBe(1)
  })

  it.each([
    ['una niña desnuda', 'sexual/minors'],
    ['criança nua', 'sexual/minors'],
    ['nackte Kinder', 'sexual/minors'],
    ['un corps décapité', 'violence/graphic'],
    ['cuerpo descuartizado', 'violence/graphic'],
    ['comment me suicider', 'self-harm/instructions'],
    ['wie bringe ich mich um', 'self-harm/instructions'],
    ['como me matar', 'self-harm/instructions'],
  ])('blocks %s (other languages) as %s', async (prompt, reason) => {
    const user = await harness.createUser()
    await expectBlocked(user.caller.generate.image({ prompt }), 'prompt', reason)
  })

  it('leaves no idempotency claim behind a blocked request', async () => {
    const user = await harness.createUser()
    const idempotencyKey = 'blocked-then-clean'
    await expectBlocked(
      user.caller.generate.image({ prompt: 'gangbang', idempotencyKey }),
      'prompt',
      'sexual',
    )
    // Not a replay of a stored failure: moderated again.
    await expectBlocked(
      user.caller.generate.image({ prompt: 'gangbang', idempotencyKey }),
      'prompt',
      'sexual',
    )
    expect(await rowsOf(user)).toEqual({ generations: 0, jobs: 0 })
    // The key is still free for a real request, which then replays as usual.
    const first = await user.caller.generate.image({ prompt: 'a red kite', idempotencyKey })
    expect(first.replayed).toBe(false)
    const again = await user.caller.generate.image({ prompt: 'a red kite', idempotencyKey })
    expect(again).toMatchObject({ id: first.id, replayed: true })
    expect(await used(user)).toBe(1)
  })

  it('refuses a whole batch for one blocked item, naming it, charging nothing', async () => {
    const user = await harness.createUser()
    const items = [
      { prompt: 'a cat' },
      { prompt: 'a dog', negativePrompt: 'blurry' },
      { prompt: 'a fox' },
      { prompt: 'a m-a-s-t-u-r-b-a-t-i-n-g fox' },
    ]
    await expectBlocked(
      user.caller.generate.batch({ items, idempotencyKey: 'batch-1' }),
      'items.3.prompt',
      'sexual',
    )
    await expectBlocked(
      user.caller.generate.batch({ items: [{ prompt: 'a cat', negativePrompt: 'dismembered' }] }),
      'items.0.negativePrompt',
      'violence/graphic',
    )
    expect(await used(user)).toBe(0)
    expect(await rowsOf(user)).toEqual({ generations: 0, jobs: 0 })
    // Nothing was recorded under the key: the corrected batch goes through.
    const accepted = await user.caller.generate.batch({ items: items.slice(0, 3), idempotencyKey: 'batch-1' })
    expect(accepted.total).toBe(3)
    expect(await used(user)).toBe(3)
  })

  it('refuses a blocked video prompt, charging nothing and recording no job', async () => {
    const user = await harness.createUser()
    await expectBlocked(
      user.caller.generate.video({ prompt: 'a beheading', idempotencyKey: 'video-1' }),
      'prompt',
      'violence/graphic',
    )
    expect(await used(user)).toBe(0)
    expect(await rowsOf(user)).toEqual({ generations: 0, jobs: 0 })
    const accepted = await user.caller.generate.video({
      prompt: 'a drifting banana',
      idempotencyKey: 'video-1',
    })
    expect(accepted.jobId).toBeTruthy()
  })

  it('refuses a blocked chat turn; the session keeps no trace of it', async () => {
    const user = await harness.createUser()
    const session = await user.caller.chat.create({ title: 'moderated' })
    await expectBlocked(
      user.caller.chat.send({ sessionId: session.id, message: 'make her n a k e d' }),
      'message',
      'sexual',
    )
    expect(await used(user)).toBe(0)
    expect((await user.caller.chat.get({ sessionId: session.id })).messages).toEqual([])
    const turn = await user.caller.chat.send({ sessionId: session.id, message: 'make it blue' })
    expect(turn.message.images).toHaveLength(1)
  })

  it('takes operator block and allow lists', async () => {
    harness.deps.moderation = createModerationService({
      keywordFilter: createKeywordFilter({
        blocklist: ['acme', '/project\\s*x\\d+/'],
        allowlist: ['nude palette'],
      }),
    })
    const user = await harness.createUser()
    await expectBlocked(user.caller.generate.image({ prompt: 'the A.C.M.E logo' }), 'prompt', 'blocklist')
    await expectBlocked(
      user.caller.generate.image({ prompt: 'Project X9 schematics' }),
      'prompt',
      'blocklist',
    )
    const result = await user.caller.generate.image({ prompt: 'a nude palette eyeshadow, flat lay' })
    expect(result.images).toHaveLength(1)
  })
})

describe('moderation with the AI moderator (OpenAI fake)', () => {
  const withModerator = (generation: ModerationFailMode) => {
    harness.deps.moderation = createModerationService({
      aiModerator: createOpenAIModerator({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 500 }),
      onError: { generation },
    })
  }

  it('blocks what the moderator flags, with its category, and sends it the prompt', async () => {
    withModerator('keyword-only')
    const user = await harness.createUser()
    await expectBlocked(
      user.caller.generate.image({ prompt: 'a dragon-fire massacre' }),
      'prompt',
      'violence',
    )
    expect(fake.requests.map((request) => request.body)).toEqual([
      { model: 'omni-moderation-latest', input: [{ type: 'text', text: 'a dragon-fire massacre' }] },
    ])
    expect(await used(user)).toBe(0)
    expect(await rowsOf(user)).toEqual({ generations: 0, jobs: 0 })
  })

  it('lets through what the moderator does not flag, contextual words included', async () => {
    withModerator('keyword-only')
    const user = await harness.createUser()
    const result = await user.caller.generate.image({ prompt: 'a nude figure study in charcoal' })
    expect(result.images).toHaveLength(1)
    expect(fake.requests).toHaveLength(1)
    // Strict terms never reach the moderator.
    await expectBlocked(user.caller.generate.image({ prompt: 'jailbait' }), 'prompt', 'sexual/minors')
    expect(fake.requests).toHaveLength(1)
  })

  it('moderates each batch item with the moderator', async () => {
    withModerator('keyword-only')
    const user = await harness.createUser()
    await expectBlocked(
      user.caller.generate.batch({ items: [{ prompt: 'a cat' }, { prompt: 'dragon-fire on the village' }] }),
      'items.1.prompt',
      'violence',
    )
    expect(await used(user)).toBe(0)
  })

  it('when the moderator is down, keyword-only judges by the full keyword list', async () => {
    withModerator('keyword-only')
    fake.behave({ kind: 'status', status: 503 })
    const user = await harness.createUser()
    await expectBlocked(user.caller.generate.image({ prompt: 'a nude figure study' }), 'prompt', 'sexual')
    const result = await user.caller.generate.image({ prompt: 'a dragon-fire sunset' })
    expect(result.images).toHaveLength(1)
  })

  it('when the moderator times out, open lets through what the strict keywords allow', async () => {
    withModerator('open')
    fake.behave({ kind: 'hang' })
    const user = await harness.createUser()
    const result = await user.caller.generate.image({ prompt: 'a nude figure study' })
    expect(result.images).toHaveLength(1)
    await expectBlocked(user.caller.generate.image({ prompt: 'child porn' }), 'prompt', 'sexual/minors')
  })

  it('when the moderator is down, closed refuses honestly: nothing charged, nothing recorded', async () => {
    withModerator('closed')
    fake.behave({ kind: 'garbage' })
    const user = await harness.createUser()
    const error = await expectAppError(
      user.caller.generate.image({ prompt: 'a castle', idempotencyKey: 'k' }),
    )
    expect(error).toMatchObject({
      trpcCode: 'BAD_GATEWAY',
      appCode: 'PROVIDERS_FAILED',
      message: 'Moderation is unavailable; try again later',
      details: { reason: 'moderation_unavailable' },
    })
    const batch = await expectAppError(user.caller.generate.batch({ items: [{ prompt: 'a castle' }] }))
    expect(batch.appCode).toBe('PROVIDERS_FAILED')
    expect(await used(user)).toBe(0)
    expect(await rowsOf(user)).toEqual({ generations: 0, jobs: 0 })
    // Once it is back, the same key works.
    fake.behave({ kind: 'verdict', flag: flagDragonFire })
    const result = await user.caller.generate.image({ prompt: 'a castle', idempotencyKey: 'k' })
    expect(result.replayed).toBe(false)
  })
})
