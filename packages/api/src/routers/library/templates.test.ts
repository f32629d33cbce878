import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../../test/errors.js'
import { createHarness, type Harness, type TestUser } from '../../../test/harness.js'
import { AppError } from '../../errors.js'
import type { ModerationRequest, ModerationService } from '../../services/moderation/moderation.js'

let harness: Harness
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
  harness = await createHarness({ free: { dailyLimit: 100, cooldownSeconds: 0 }, moderation })
})
afterAll(() => harness.close())

const scene = {
  name: 'Scene',
  description: 'an animal in a style',
  prompt: 'a {{animal}} in {{ style }} style',
  variables: [
    { name: 'animal', description: 'the subject', required: true },
    { name: 'style', default: 'watercolor', required: false },
  ],
  options: { resolution: '2K', aspectRatio: '16:9', outputFormat: 'png' },
  category: 'illustration',
} as const

async function createScene(user: TestUser, overrides: { isPublic?: boolean } = {}) {
  return user.caller.library.templates.create({
    ...scene,
    variables: scene.variables.map((variable) => ({ ...variable })),
    options: { ...scene.options },
    ...overrides,
  })
}

describe('library.templates', () => {
  it('creates, gets, lists, updates and deletes the caller’s templates', async () => {
    const user = await harness.createUser()
    const templates = user.caller.library.templates
    const created = await createScene(user)
    expect(created).toMatchObject({
      name: 'Scene',
      prompt: 'a {{animal}} in {{ style }} style',
      variables: [
        { name: 'animal', description: 'the subject', required: true },
        { name: 'style', default: 'watercolor', required: false },
      ],
      options: { resolution: '2K', aspectRatio: '16:9', outputFormat: 'png' },
      category: 'illustration',
      isPublic: false,
      useCount: 0,
      isOwner: true,
    })
    expect(created.id).toMatch(/^tpl_/)
    expect(await templates.get({ templateId: created.id })).toEqual(created)

    const other = await templates.create({ name: 'Plain', prompt: 'a lighthouse' })
    expect(other).toMatchObject({ variables: [], options: {}, category: null, description: null })
    const first = await templates.list({ limit: 1 })
    expect(first.items.map((template) => template.id)).toEqual([other.id])
    const second = await templates.list({ limit: 1, cursor: first.nextCursor! })
    expect(second).toMatchObject({ items: [{ id: created.id }], nextCursor: null })
    expect((await templates.list({ category: 'illustration' })).items.map((t) => t.id)).toEqual([created.id])

    const updated = await templates.update({
      templateId: created.id,
      name: 'Scene v2',
      description: null,
      prompt: 'a {{animal}} at {{time}}',
      variables: [
        { name: 'animal', required: true },
        { name: 'time', default: 'dawn', required: false },
      ],
      options: { resolution: '1K' },
    })
    expect(updated).toMatchObject({
      name: 'Scene v2',
      description: null,
      prompt: 'a {{animal}} at {{time}}',
      options: { resolution: '1K' },
      category: 'illustration',
    })
    expect(await templates.get({ templateId: created.id })).toEqual(updated)

    expect(await templates.delete({ templateId: created.id })).toEqual({ ok: true })
    for (const call of [
      templates.get({ templateId: created.id }),
      templates.delete({ templateId: created.id }),
    ])
      expect(await expectAppError(call)).toMatchObject({ trpcCode: 'NOT_FOUND', appCode: 'NOT_FOUND' })
  })

  it.each([
    [{ prompt: 'a {{animal}}', variables: [] }, 'prompt', '{{animal}} is not declared in variables'],
    [
      { prompt: 'a cat', variables: [{ name: 'animal', required: true }] },
      'variables.0.name',
      '"animal" does not appear in the prompt as {{animal}}',
    ],
    [
      { prompt: 'a {{x}}', variables: [{ name: 'x' }, { name: 'x' }] },
      'variables.1.name',
      '"x" is declared twice',
    ],
    [{ prompt: 'a {{1x}}', variables: [] }, 'prompt', '{{1x}} is not a valid variable name'],
    [{ prompt: 'a {{x}}', variables: [{ name: 'bad-name' }] }, 'variables.0.name', 'expected a name'],
    [{ prompt: 'a {{x}}', variables: [{ name: 'x'.repeat(41) }] }, 'variables.0.name', 'expected a name'],
    [{ prompt: 'a cat', options: { resolution: '8K' } }, 'options.resolution', ''],
    [{ prompt: 'a cat', options: { provider: 'nobody' } }, 'options.provider', ''],
    [{ prompt: 'a cat', options: { count: 2 } }, 'options', ''],
    [{ prompt: 'a cat', category: 'memes' }, 'category', ''],
  ])('rejects %j naming %s', async (input, field, message) => {
    const { caller } = await harness.createUser()
    const error = await expectAppError(
      caller.library.templates.create({ name: 'bad', ...(input as { prompt: string }) }),
    )
    expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
    expect(error.details.fieldErrors?.[field]).toEqual([expect.stringContaining(message)])
    expect((await caller.library.templates.list()).items).toEqual([])
  })

  it('checks an update against the template as it will be', async () => {
    const user = await harness.createUser()
    const template = await createScene(user)
    const error = await expectAppError(
      user.caller.library.templates.update({ templateId: template.id, prompt: 'a {{animal}} with {{hat}}' }),
    )
    expect(error.details.fieldErrors).toEqual({
      prompt: ['{{hat}} is not declared in variables'],
      'variables.1.name': ['"style" does not appear in the prompt as {{style}}'],
    })
    expect(await user.caller.library.templates.get({ templateId: template.id })).toEqual(template)
  })

  it('use generates with the filled prompt and the template’s options, counting quota and uses', async () => {
    const user = await harness.createUser()
    const template = await createScene(user)
    const before = await user.caller.quota.status()
    const result = await user.caller.library.templates.use({
      templateId: template.id,
      variables: { animal: 'red fox' },
    })
    expect(result.images).toHaveLength(1)
    const [image] = result.images
    expect(image).toMatchObject({ prompt: 'a red fox in watercolor style', width: 2752, height: 1536 })
    expect(await user.caller.library.history.get({ imageId: image!.id })).toMatchObject({
      prompt: 'a red fox in watercolor style',
    })
    // 2K costs two units.
    expect(result.quota.used - before.used).toBe(2)
    expect((await user.caller.quota.status()).used - before.used).toBe(2)
    expect((await user.caller.library.templates.get({ templateId: template.id })).useCount).toBe(1)

    // Overrides replace the template's options for this call.
    const overridden = await user.caller.library.templates.use({
      templateId: template.id,
      variables: { animal: 'owl', style: 'ink' },
      overrides: { resolution: '1K', aspectRatio: '1:1' },
    })
    expect(overridden.images[0]).toMatchObject({ prompt: 'a owl in ink style', width: 1024, height: 1024 })
    expect((await user.caller.library.templates.get({ templateId: template.id })).useCount).toBe(2)
  })

  it('use substitutes once and literally: a value cannot expand another variable', async () => {
    const user = await harness.createUser()
    const template = await createScene(user)
    const result = await user.caller.library.templates.use({
      templateId: template.id,
      variables: { animal: '{{style}} $&' },
      overrides: { resolution: '1K' },
    })
    expect(result.images[0]?.prompt).toBe('a {{style}} $& in watercolor style')
  })

  it.each([
    [{}, 'variables.animal', 'required'],
    [{ animal: 'fox', color: 'red' }, 'variables.color', 'unknown variable'],
    [{ animal: 'x'.repeat(1001) }, 'variables.animal', ''],
  ])('use rejects variables %j naming %s, charging nothing', async (variables, field, message) => {
    const user = await harness.createUser()
    const template = await createScene(user)
    const error = await expectAppError(
      user.caller.library.templates.use({ templateId: template.id, variables }),
    )
    expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
    expect(error.details.fieldErrors?.[field]).toEqual([expect.stringContaining(message)])
    expect((await user.caller.quota.status()).used).toBe(0)
    expect((await user.caller.library.templates.get({ templateId: template.id })).useCount).toBe(0)
  })

  it('use rejects a filled prompt longer than generate.image accepts', async () => {
    const user = await harness.createUser()
    const template = await user.caller.library.templates.create({
      name: 'long',
      prompt: '{{a}} {{b}} {{c}} {{d}} {{e}}',
      variables: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name })),
    })
    const value = 'x'.repeat(1000)
    const error = await expectAppError(
      user.caller.library.templates.use({
        templateId: template.id,
        variables: { a: value, b: value, c: value, d: value, e: value },
      }),
    )
    expect(error.appCode).toBe('VALIDATION')
    expect(error.details.fieldErrors?.variables).toEqual([expect.stringContaining('the filled prompt')])
  })

  it('use with an idempotency key generates and counts once', async () => {
    const user = await harness.createUser()
    const template = await createScene(user)
    const input = { templateId: template.id, variables: { animal: 'cat' }, idempotencyKey: 'tpl-once' }
    const first = await user.caller.library.templates.use(input)
    const second = await user.caller.library.templates.use(input)
    expect(second.id).toBe(first.id)
    expect(second.images.map((image) => image.id)).toEqual(first.images.map((image) => image.id))
    expect((await user.caller.quota.status()).used).toBe(2)
    expect((await user.caller.library.templates.get({ templateId: template.id })).useCount).toBe(1)
  })

  it('keeps private templates private and lets anyone read and use public ones', async () => {
    const owner = await harness.createUser({ name: 'A' })
    const other = await harness.createUser({ name: 'B' })
    const template = await createScene(owner)
    const templateId = template.id
    for (const call of [
      other.caller.library.templates.get({ templateId }),
      other.caller.library.templates.use({ templateId, variables: { animal: 'cat' } }),
      other.caller.library.templates.update({ templateId, name: 'mine' }),
      other.caller.library.templates.delete({ templateId }),
    ])
      expect(await expectAppError(call)).toMatchObject({ trpcCode: 'NOT_FOUND', appCode: 'NOT_FOUND' })
    expect((await other.caller.library.templates.listPublic()).items.map((t) => t.id)).not.toContain(
      templateId,
    )
    expect((await other.caller.quota.status()).used).toBe(0)

    await owner.caller.library.templates.update({ templateId, isPublic: true })
    const seen = await other.caller.library.templates.get({ templateId })
    expect(seen).toMatchObject({ id: templateId, isPublic: true, isOwner: false })
    expect((await other.caller.library.templates.listPublic()).items.map((t) => t.id)).toContain(templateId)
    expect((await other.caller.library.templates.list()).items).toEqual([])

    const used = await other.caller.library.templates.use({
      templateId,
      variables: { animal: 'cat' },
      overrides: { resolution: '1K' },
    })
    expect(used.images[0]?.prompt).toBe('a cat in watercolor style')
    // The user who used it pays, and owns the image.
    expect((await other.caller.quota.status()).used).toBe(1)
    expect((await owner.caller.quota.status()).used).toBe(0)
    expect(await other.caller.library.history.get({ imageId: used.images[0]!.id })).toBeDefined()
    expect((await owner.caller.library.templates.get({ templateId })).useCount).toBe(1)

    // Public does not mean writable.
    for (const call of [
      other.caller.library.templates.update({ templateId, name: 'mine' }),
      other.caller.library.templates.delete({ templateId }),
    ])
      expect(await expectAppError(call)).toMatchObject({ appCode: 'NOT_FOUND' })
    expect((await owner.caller.library.templates.get({ templateId })).name).toBe('Scene')
  })

  it('moderates what is saved (public more strictly) and the filled prompt on use', async () => {
    const user = await harness.createUser()
    moderated.length = 0
    const template = await createScene(user)
    expect(moderated).toEqual([
      {
        texts: [
          'Scene',
          'an animal in a style',
          'a {{animal}} in {{ style }} style',
          'the subject',
          'watercolor',
        ],
        purpose: 'generation',
      },
    ])
    moderated.length = 0
    await user.caller.library.templates.update({ templateId: template.id, isPublic: true })
    expect(moderated.map((request) => request.purpose)).toEqual(['public'])

    const blocked = await expectAppError(
      user.caller.library.templates.create({ name: 'forbidden thing', prompt: 'a cat', isPublic: true }),
    )
    expect(blocked).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'CONTENT_BLOCKED' })
    expect((await user.caller.library.templates.list()).items.map((t) => t.id)).toEqual([template.id])

    moderated.length = 0
    const refused = await expectAppError(
      user.caller.library.templates.use({
        templateId: template.id,
        variables: { animal: 'forbidden beast' },
      }),
    )
    expect(refused.appCode).toBe('CONTENT_BLOCKED')
    // Moderated once, as a generation, with the filled prompt; nothing charged or counted.
    expect(moderated).toEqual([{ texts: ['a forbidden beast in watercolor style'], purpose: 'generation' }])
    expect((await user.caller.quota.status()).used).toBe(0)
    expect((await user.caller.library.templates.get({ templateId: template.id })).useCount).toBe(0)
  })

  it('rejects a forged cursor as a validation error', async () => {
    const { caller } = await harness.createUser()
    for (const call of [
      caller.library.templates.list({ cursor: 'forged' }),
      caller.library.templates.listPublic({ cursor: 'forged' }),
    ])
      expect(await expectAppError(call)).toMatchObject({
        appCode: 'VALIDATION',
        details: { fieldErrors: { cursor: ['invalid cursor'] } },
      })
  })
})
