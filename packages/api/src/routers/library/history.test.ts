import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../../test/errors.js'
import { createHarness, type Harness } from '../../../test/harness.js'

let harness: Harness

beforeAll(async () => {
  harness = await createHarness({
    free: { dailyLimit: 100, cooldownSeconds: 0 },
  })
})
afterAll(() => harness.close())

describe('library.history', () => {
  it('lists the caller’s images newest first, page by page, filtered by text', async () => {
    const { caller } = await harness.createUser()
    for (const prompt of ['red fox', 'blue whale', 'red panda']) await caller.generate.image({ prompt })
    const first = await caller.library.history.list({ limit: 2 })
    expect(first.items.map((image) => image.prompt)).toEqual(['red panda', 'blue whale'])
    expect(first.nextCursor).not.toBeNull()
    const second = await caller.library.history.list({ limit: 2, cursor: first.nextCursor! })
    expect(second.items.map((image) => image.prompt)).toEqual(['red fox'])
    expect(second.nextCursor).toBeNull()
    const reds = await caller.library.history.list({ q: 'RED' })
    expect(reds.items.map((image) => image.prompt)).toEqual(['red panda', 'red fox'])
    expect((await caller.library.history.list({ provider: 'openai' })).items).toEqual([])
  })

  it.each([
    [{ from: '0000-01-01T00:00:00Z' }, 'from'],
    [{ to: '0000-12-31T23:59:59Z' }, 'to'],
    [{ from: '0001-01-01T00:30:00+01:00' }, 'from'],
    [{ to: '9999-12-31T23:00:00-05:00' }, 'to'],
  ])('rejects %j, outside the years 1..9999, naming %s', async (input, field) => {
    const { caller } = await harness.createUser()
    const error = await expectAppError(caller.library.history.list(input))
    expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
    expect(error.details.fieldErrors?.[field]).toEqual([expect.stringContaining(field)])
  })

  it('accepts the widest range PostgreSQL takes', async () => {
    const { caller } = await harness.createUser()
    await caller.generate.image({ prompt: 'timeless' })
    const page = await caller.library.history.list({
      from: '0001-01-01T00:00:00Z',
      to: '9999-12-31T23:59:59.999Z',
    })
    expect(page.items.map((image) => image.prompt)).toEqual(['timeless'])
  })

  it('filters by project, combined with the other filters and pages', async () => {
    const { caller } = await harness.createUser()
    const project = await caller.library.projects.create({ name: 'Filter' })
    const ids: string[] = []
    for (const prompt of ['red inside', 'red outside', 'blue inside']) {
      ids.push((await caller.generate.image({ prompt })).images[0]!.id)
    }
    const [inside, , alsoInside] = ids
    await caller.library.projects.images.add({ projectId: project.id, imageIds: [inside!, alsoInside!] })
    const listed = await caller.library.history.list({ projectId: project.id })
    expect(listed.items.map((image) => image.id)).toEqual([alsoInside, inside])
    const reds = await caller.library.history.list({ projectId: project.id, q: 'red' })
    expect(reds.items.map((image) => image.id)).toEqual([inside])
    const first = await caller.library.history.list({ projectId: project.id, limit: 1 })
    const second = await caller.library.history.list({
      projectId: project.id,
      limit: 1,
      cursor: first.nextCursor!,
    })
    expect([...first.items, ...second.items].map((image) => image.id)).toEqual([alsoInside, inside])
    expect(second.nextCursor).toBeNull()
  })

  it('says NOT_FOUND for a project filter naming no project of the caller’s', async () => {
    const owner = await harness.createUser()
    const { caller } = await harness.createUser()
    await caller.generate.image({ prompt: 'loose' })
    const foreign = await owner.caller.library.projects.create({ name: 'Theirs' })
    for (const projectId of ['prj_1', foreign.id]) {
      expect(await expectAppError(caller.library.history.list({ projectId }))).toMatchObject({
        trpcCode: 'NOT_FOUND',
        appCode: 'NOT_FOUND',
      })
    }
  })

  it('rejects a forged cursor as a validation error', async () => {
    const { caller } = await harness.createUser()
    const forged = Buffer.from(
      JSON.stringify({ createdAt: '-000001-01-01T00:00:00.000Z', id: 'img_1' }),
    ).toString('base64url')
    for (const cursor of ['not-a-cursor', forged]) {
      const error = await expectAppError(caller.library.history.list({ cursor }))
      expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
    }
  })

  it('gets and deletes an image, removing its file', async () => {
    const { caller } = await harness.createUser()
    const { images } = await caller.generate.image({ prompt: 'to delete' })
    const image = images[0]!
    expect(await caller.library.history.get({ imageId: image.id })).toMatchObject({ id: image.id })
    const key = decodeURIComponent(new URL(image.url).pathname.slice('/files/'.length))
    expect(await harness.deps.storage.read(key)).toBeDefined()
    expect(await caller.library.history.delete({ imageId: image.id })).toEqual({ ok: true })
    expect(await harness.deps.storage.read(key)).toBeUndefined()
    expect((await expectAppError(caller.library.history.get({ imageId: image.id }))).appCode).toBe(
      'NOT_FOUND',
    )
  })

  it('treats another user’s image as missing and changes nothing', async () => {
    const owner = await harness.createUser()
    const intruder = await harness.createUser()
    const { images } = await owner.caller.generate.image({ prompt: 'private' })
    const imageId = images[0]!.id
    for (const attempt of [
      intruder.caller.library.history.get({ imageId }),
      intruder.caller.library.history.delete({ imageId }),
    ]) {
      expect(await expectAppError(attempt)).toMatchObject({ trpcCode: 'NOT_FOUND', appCode: 'NOT_FOUND' })
    }
    expect((await intruder.caller.library.history.list({})).items).toEqual([])
    expect(await owner.caller.library.history.get({ imageId })).toMatchObject({ id: imageId })
  })
})
