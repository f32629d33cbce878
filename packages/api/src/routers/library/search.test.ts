import { createId } from '@nbl/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../../test/errors.js'
import { createHarness, type Harness, type TestUser } from '../../../test/harness.js'

let harness: Harness
let alice: TestUser
let bob: TestUser
let clock = Date.parse('2026-03-01T00:00:00Z')

/** Distinct, increasing times, so "newest first" is certain. */
function later(): Date {
  clock += 60_000
  return new Date(clock)
}

async function seedPrompt(
  owner: TestUser,
  title: string,
  text: string,
  isPublic = false,
  category = 'general',
) {
  const id = createId('prm')
  const at = later()
  await harness.deps.db
    .insertInto('prompts')
    .values({
      id,
      user_id: owner.user.id,
      title,
      text,
      category,
      tags: JSON.stringify(['seeded']),
      is_public: isPublic,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

async function seedTemplate(owner: TestUser, name: string, prompt: string, isPublic = false) {
  const id = createId('tpl')
  const at = later()
  await harness.deps.db
    .insertInto('templates')
    .values({
      id,
      user_id: owner.user.id,
      name,
      description: 'seeded',
      prompt,
      variables: JSON.stringify([{ name: 'subject', required: true }]),
      is_public: isPublic,
      created_at: at,
      updated_at: at,
    })
    .execute()
  return id
}

async function generate(owner: TestUser, prompt: string) {
  const result = await owner.caller.generate.image({ prompt })
  return (result.images[0] as { id: string }).id
}

beforeAll(async () => {
  harness = await createHarness({ free: { dailyLimit: 1000, cooldownSeconds: 0 } })
  alice = await harness.createUser({ name: 'alice' })
  bob = await harness.createUser({ name: 'bob' })
})
afterAll(() => harness.close())

describe('library.search (acceptance)', () => {
  let closeFox: string
  let farFox: string
  let titlePrompt: string
  let bodyPrompt: string
  let bobPublicPrompt: string
  let aliceTemplate: string
  let bobPublicTemplate: string

  beforeAll(async () => {
    farFox = await generate(alice, 'a red barn on a hill and far away by the river a sleepy fox')
    closeFox = await generate(alice, 'red fox sitting in fresh snow')
    await generate(alice, 'golden sunset over the harbor')
    await generate(bob, 'red fox of bob, private image')
    bodyPrompt = await seedPrompt(alice, 'Evening harbor', 'a red fox crossing the harbor at dusk')
    titlePrompt = await seedPrompt(alice, 'Red fox portrait', 'close-up, soft light, shallow depth of field')
    bobPublicPrompt = await seedPrompt(bob, 'Fox in the forest', 'public prompt by bob', true)
    await seedPrompt(bob, 'Red fox secret', 'bob keeps this one private')
    aliceTemplate = await seedTemplate(alice, 'Fox family', 'a {{subject}} with a fox')
    bobPublicTemplate = await seedTemplate(bob, 'Sunset fox', 'a fox at sunset with {{subject}}', true)
    await seedTemplate(bob, 'Fox private template', 'bob only {{subject}}')
  })

  it('ranks the caller’s images, a close match above a scattered one, with HTML-safe highlights', async () => {
    const page = await alice.caller.library.search.images({ q: 'red fox' })
    expect(page.items.map((image) => image.id)).toEqual([closeFox, farFox])
    expect(page.items[0]!.rank).toBeGreaterThan(page.items[1]!.rank)
    expect(page.items[0]).toMatchObject({
      prompt: 'red fox sitting in fresh snow',
      provider: 'local',
      highlight: '<b>red</b> <b>fox</b> sitting in fresh snow',
      url: expect.stringContaining('/files/'),
    })
    expect(page.items[0]).not.toHaveProperty('search')
    expect(page.nextCursor).toBeNull()
    // While typing: the last word matches as a prefix.
    const typing = await alice.caller.library.search.images({ q: 'golden suns' })
    expect(typing.items.map((image) => image.prompt)).toEqual(['golden sunset over the harbor'])
  })

  it('ranks a title match above a body match, with the caller’s and public prompts only', async () => {
    const page = await alice.caller.library.search.prompts({ q: 'red fox' })
    expect(page.items.map((prompt) => prompt.id)).toEqual([titlePrompt, bodyPrompt])
    expect(page.items[0]).toMatchObject({
      isOwn: true,
      isPublic: false,
      tags: ['seeded'],
      titleHighlight: '<b>Red</b> <b>fox</b> portrait',
    })
    const fox = await alice.caller.library.search.prompts({ q: 'fox' })
    expect(new Set(fox.items.map((prompt) => prompt.id))).toEqual(
      new Set([titlePrompt, bodyPrompt, bobPublicPrompt]),
    )
    expect(fox.items.find((prompt) => prompt.id === bobPublicPrompt)).toMatchObject({ isOwn: false })
    expect(
      (await alice.caller.library.search.prompts({ q: 'fox', scope: 'public' })).items.map((item) => item.id),
    ).toEqual([bobPublicPrompt])
    expect(
      (await alice.caller.library.search.prompts({ q: 'fox', scope: 'mine' })).items.map((item) => item.id),
    ).toEqual([titlePrompt, bodyPrompt])
  })

  it('groups the best images, prompts and templates', async () => {
    const result = await alice.caller.library.search.global({ q: 'fox', limit: 2 })
    expect(result.images).toHaveLength(2)
    // Both titles hold "fox" once: equal ranks, newest first.
    expect(result.prompts.map((prompt) => prompt.id)).toEqual([bobPublicPrompt, titlePrompt])
    expect(new Set(result.templates.map((template) => template.id))).toEqual(
      new Set([aliceTemplate, bobPublicTemplate]),
    )
    expect(result.templates.find((template) => template.id === aliceTemplate)).toMatchObject({
      isOwn: true,
      nameHighlight: '<b>Fox</b> family',
      variables: [{ name: 'subject', required: true }],
    })
  })

  it('suggests prefix matches first, then close spellings', async () => {
    const suggestions = await alice.caller.library.search.suggestions({ q: 'red' })
    expect(
      suggestions
        .slice(0, 2)
        .map((suggestion) => suggestion.text)
        .sort(),
    ).toEqual(['Red fox portrait', 'red fox sitting in fresh snow'])
    expect(suggestions[0]!.score).toBeGreaterThanOrEqual(2)
    const typo = await alice.caller.library.search.suggestions({ q: 'sunst' })
    expect(typo.map((suggestion) => suggestion.text)).toEqual(
      expect.arrayContaining(['golden sunset over the harbor', 'Sunset fox']),
    )
    expect(typo.find((suggestion) => suggestion.text === 'Sunset fox')?.kind).toBe('template')
  })

  it('never returns another user’s private image, prompt or template', async () => {
    const marker = 'zanzibarquokka'
    await generate(bob, `${marker} private image`)
    await seedPrompt(bob, `${marker} private prompt`, `${marker} text`)
    await seedTemplate(bob, `${marker} private template`, `${marker} {{subject}}`)
    const search = alice.caller.library.search
    expect((await search.images({ q: marker })).items).toEqual([])
    expect((await search.prompts({ q: marker })).items).toEqual([])
    expect((await search.prompts({ q: marker, scope: 'public' })).items).toEqual([])
    expect(await search.global({ q: marker })).toEqual({ images: [], prompts: [], templates: [] })
    expect(await search.suggestions({ q: marker })).toEqual([])
    expect(await search.suggestions({ q: 'zanzibar' })).toEqual([])
    // Bob finds his own, so the searches above could have found them.
    const own = await bob.caller.library.search.global({ q: marker })
    expect([own.images.length, own.prompts.length, own.templates.length]).toEqual([1, 1, 1])
    expect((await bob.caller.library.search.suggestions({ q: marker })).length).toBe(3)
  })
})

describe('library.search (input)', () => {
  it.each([
    ['images', { q: '' }],
    ['images', { q: '   ' }],
    ['prompts', { q: '\t\n' }],
    ['global', { q: ' ' }],
    ['suggestions', { q: '' }],
    ['suggestions', { q: 'x'.repeat(101) }],
    ['images', { q: 'x'.repeat(201) }],
  ] as const)('%s rejects q=%j as a validation error', async (procedure, input) => {
    const error = await expectAppError(alice.caller.library.search[procedure](input))
    expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
    expect(error.details.fieldErrors?.q).toBeDefined()
  })

  it.each([
    ['suggestions', { q: 'a', limit: 21 }, 'limit'],
    ['global', { q: 'a', limit: 0 }, 'limit'],
    ['images', { q: 'a', limit: 101 }, 'limit'],
    ['prompts', { q: 'a', scope: 'everyone' }, 'scope'],
  ] as const)('%s rejects %j naming %s', async (procedure, input, field) => {
    const error = await expectAppError(
      (alice.caller.library.search[procedure] as (input: unknown) => Promise<unknown>)(input),
    )
    expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
    expect(error.details.fieldErrors?.[field]).toBeDefined()
  })

  it('pages with its cursor and rejects a forged one as a validation error', async () => {
    const user = await harness.createUser()
    for (let index = 0; index < 3; index++) await generate(user, `paper lantern number ${index}`)
    const first = await user.caller.library.search.images({ q: 'lantern', limit: 2 })
    expect(first.items).toHaveLength(2)
    const second = await user.caller.library.search.images({
      q: 'lantern',
      limit: 2,
      cursor: first.nextCursor!,
    })
    expect(second).toMatchObject({ items: [expect.anything()], nextCursor: null })
    expect(new Set([...first.items, ...second.items].map((image) => image.id)).size).toBe(3)
    for (const cursor of ['forged', Buffer.from('{"offset":-1}').toString('base64url')]) {
      for (const call of [
        user.caller.library.search.images({ q: 'lantern', cursor }),
        user.caller.library.search.prompts({ q: 'lantern', cursor }),
      ]) {
        const error = await expectAppError(call)
        expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
        expect(error.details.fieldErrors?.cursor).toEqual(['invalid cursor'])
      }
    }
  })

  it.each(['the of and', '!!!', '"', 'or', '-', '&:*|', "'"])(
    'finds nothing, without failing, for %j',
    async (q) => {
      const search = alice.caller.library.search
      expect((await search.images({ q })).items).toEqual([])
      expect((await search.prompts({ q })).items).toEqual([])
      expect(await search.global({ q })).toEqual({ images: [], prompts: [], templates: [] })
      await expect(search.suggestions({ q })).resolves.toBeInstanceOf(Array)
    },
  )
})
