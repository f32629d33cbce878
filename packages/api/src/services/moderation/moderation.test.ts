import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { flagDragonFire, type ModerationFake, startModerationFake } from '../../../test/moderation-fake.js'
import type { AppLogger } from '../../deps.js'
import { AppError } from '../../errors.js'
import { readModerationListFile } from './blocklist-file.js'
import { createKeywordFilter } from './keyword-filter.js'
import { assertFieldsAllowed, promptFields } from './moderate-fields.js'
import {
  createModerationService,
  type ModerationFailMode,
  type ModerationPurpose,
  type ModerationService,
} from './moderation.js'
import { createOpenAIModerator } from './openai-moderator.js'

let fake: ModerationFake
beforeAll(async () => {
  fake = await startModerationFake()
})
afterAll(() => fake.close())
beforeEach(() => {
  fake.requests.length = 0
  fake.behave({ kind: 'verdict', flag: flagDragonFire })
})

function recordingLogger() {
  const warnings: { object: object; message?: string }[] = []
  const logger: AppLogger = {
    debug() {},
    info() {},
    error() {},
    warn(object, message) {
      warnings.push({ object, ...(message ? { message } : {}) })
    },
  }
  return { logger, warnings }
}

async function outcome(service: ModerationService, text: string, purpose: ModerationPurpose = 'generation') {
  try {
    await service.assertAllowed({ texts: [text], purpose })
    return 'allowed'
  } catch (error) {
    if (!(error instanceof AppError)) throw error
    return `${error.appCode}:${error.details.reason}`
  }
}

describe('moderation service', () => {
  it('uses the built-in keyword filter by default, with the category as reason and no term echoed', async () => {
    const service = createModerationService()
    const error = await service
      .assertAllowed({ texts: ['a lighthouse', 'p.o.r.n.o.g.r.a.p.h.y'], purpose: 'generation' })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AppError)
    expect(error).toMatchObject({
      appCode: 'CONTENT_BLOCKED',
      message: 'Blocked by content moderation: sexual content',
      details: { reason: 'sexual' },
    })
    expect((error as AppError).message).not.toMatch(/porn/i)
    await expect(
      service.assertAllowed({ texts: ['a lighthouse', '  '], purpose: 'public' }),
    ).resolves.toBeUndefined()
    expect(await outcome(service, 'a nude figure study')).toBe('CONTENT_BLOCKED:sexual')
  })

  it('asks the AI moderator after the strict keywords, and leaves contextual words to it', async () => {
    const service = createModerationService({
      aiModerator: createOpenAIModerator({ apiKey: fake.apiKey, baseUrl: fake.baseUrl }),
    })
    expect(await outcome(service, 'a dragon-fire massacre')).toBe('CONTENT_BLOCKED:violence')
    expect(await outcome(service, 'a nude figure study')).toBe('allowed')
    expect(fake.requests).toHaveLength(2)
    // A strict keyword never reaches the moderator.
    expect(await outcome(service, 'lolicon')).toBe('CONTENT_BLOCKED:sexual/minors')
    expect(fake.requests).toHaveLength(2)
  })

  const modes: [ModerationFailMode, string, string][] = [
    // mode, a contextual word, a clean prompt
    ['keyword-only', 'CONTENT_BLOCKED:sexual', 'allowed'],
    ['open', 'allowed', 'allowed'],
    ['closed', 'PROVIDERS_FAILED:moderation_unavailable', 'PROVIDERS_FAILED:moderation_unavailable'],
  ]
  it.each(modes)('when the AI moderator is down, fail mode %s decides', async (mode, contextual, clean) => {
    fake.behave({ kind: 'status', status: 503 })
    const { logger, warnings } = recordingLogger()
    const service = createModerationService({
      aiModerator: createOpenAIModerator({ apiKey: fake.apiKey, baseUrl: fake.baseUrl }),
      onError: { generation: mode },
      logger,
    })
    expect(await outcome(service, 'a nude figure study')).toBe(contextual)
    expect(await outcome(service, 'a dragon-fire over a castle')).toBe(clean)
    // Strict keywords block whatever the mode.
    expect(await outcome(service, 'child porn')).toBe('CONTENT_BLOCKED:sexual/minors')
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatchObject({
      message: 'AI moderator unavailable',
      object: { moderator: 'openai', purpose: 'generation', failMode: mode, status: 503 },
    })
    expect(JSON.stringify(warnings)).not.toMatch(/nude|dragon|castle/)
  })

  it('fails closed for public texts and keyword-only for generation by default', async () => {
    fake.behave({ kind: 'hang' })
    const service = createModerationService({
      aiModerator: createOpenAIModerator({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 50 }),
    })
    const error = await service
      .assertAllowed({ texts: ['a castle'], purpose: 'public' })
      .catch((caught: unknown) => caught)
    expect(error).toMatchObject({
      appCode: 'PROVIDERS_FAILED',
      message: 'Moderation is unavailable; try again later',
      details: { reason: 'moderation_unavailable' },
    })
    expect(await outcome(service, 'a castle', 'generation')).toBe('allowed')
    expect(await outcome(service, 'a gory castle', 'generation')).toBe('CONTENT_BLOCKED:violence/graphic')
  })
})

describe('assertFieldsAllowed', () => {
  it('names the first blocked field in order, in the message and in fieldErrors', async () => {
    const service = createModerationService()
    const items = [
      { prompt: 'a cat' },
      { prompt: 'a dog', negativePrompt: 'blurry' },
      { prompt: 'a fox', negativePrompt: 'hentai' },
    ]
    const error = await assertFieldsAllowed(
      service,
      items.flatMap((item, index) => promptFields(item, `items.${index}.`)),
      'generation',
    ).catch((caught: unknown) => caught)
    expect(error).toMatchObject({
      appCode: 'CONTENT_BLOCKED',
      message: 'items.2.negativePrompt: Blocked by content moderation: sexual content',
      details: {
        reason: 'sexual',
        fieldErrors: { 'items.2.negativePrompt': ['Blocked by content moderation: sexual content'] },
      },
    })
    await expect(
      assertFieldsAllowed(service, promptFields({ prompt: 'a cat' }), 'generation'),
    ).resolves.toBeUndefined()
  })

  it('passes a moderator outage through unchanged (fail mode closed)', async () => {
    fake.behave({ kind: 'status', status: 500 })
    const service = createModerationService({
      aiModerator: createOpenAIModerator({ apiKey: fake.apiKey, baseUrl: fake.baseUrl }),
      onError: { generation: 'closed' },
    })
    const error = await assertFieldsAllowed(service, promptFields({ prompt: 'a cat' }), 'generation').catch(
      (caught: unknown) => caught,
    )
    expect(error).toMatchObject({
      appCode: 'PROVIDERS_FAILED',
      details: { reason: 'moderation_unavailable' },
    })
  })
})

describe('blocklist file', () => {
  it('reads one term or /regex/ per line, skipping blanks and comments', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nbl-moderation-'))
    const file = join(dir, 'blocklist.txt')
    await writeFile(file, '# house rules\nacme corp\r\n\n  /project\\s+x\\d+/i  \n')
    try {
      const entries = await readModerationListFile(file)
      expect(entries).toEqual(['acme corp', '/project\\s+x\\d+/i'])
      const filter = createKeywordFilter({ blocklist: entries })
      expect(filter.check('the Acme Corp logo', { contextual: false })?.category).toBe('blocklist')
      expect(filter.check('Project X42', { contextual: false })?.category).toBe('blocklist')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    await expect(readModerationListFile(join(dir, 'missing.txt'))).rejects.toThrow()
  })
})
