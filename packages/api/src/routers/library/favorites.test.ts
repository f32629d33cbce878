import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../../test/errors.js'
import { createHarness, type Harness, type TestUser } from '../../../test/harness.js'

let harness: Harness

beforeAll(async () => {
  harness = await createHarness({ free: { dailyLimit: 1000, cooldownSeconds: 0 } })
})
afterAll(() => harness.close())

/** Generates one image per prompt, in order; returns their ids. */
async function images(user: TestUser, ...prompts: string[]): Promise<string[]> {
  const ids: string[] = []
  for (const prompt of prompts) {
    const { images } = await user.caller.generate.image({ prompt })
    ids.push(images[0]!.id)
  }
  return ids
}

async function favoriteIds(user: TestUser, input: { folderId?: string | null } = {}) {
  return (await user.caller.library.favorites.list({ limit: 100, ...input })).items.map((item) => item.id)
}

describe('library.favorites', () => {
  it('adds, lists newest first page by page, and removes favorites', async () => {
    const user = await harness.createUser()
    const [fox, whale, panda] = await images(user, 'fox', 'whale', 'panda')
    const added = await user.caller.library.favorites.add({ imageId: fox! })
    expect(added).toMatchObject({ id: fox, prompt: 'fox', folderId: null })
    expect(new Date(added.favoritedAt).toISOString()).toBe(added.favoritedAt)
    await user.caller.library.favorites.add({ imageId: panda! })
    await user.caller.library.favorites.add({ imageId: whale! })

    const first = await user.caller.library.favorites.list({ limit: 2 })
    expect(first.items.map((item) => item.prompt)).toEqual(['whale', 'panda'])
    expect(first.items[0]).toMatchObject({ mimeType: 'image/png', provider: 'local', folderId: null })
    const second = await user.caller.library.favorites.list({ limit: 2, cursor: first.nextCursor! })
    expect(second).toMatchObject({ items: [{ id: fox }], nextCursor: null })

    expect(await user.caller.library.favorites.remove({ imageId: panda! })).toEqual({
      ok: true,
      removed: true,
    })
    expect(await user.caller.library.favorites.remove({ imageId: panda! })).toEqual({
      ok: true,
      removed: false,
    })
    expect(await favoriteIds(user)).toEqual([whale, fox])
  })

  it('adds idempotently, keeping the first date, and moves only when a folder is given', async () => {
    const user = await harness.createUser()
    const [imageId] = await images(user, 'twice')
    const folder = await user.caller.library.favorites.folders.create({ name: 'Keep' })
    const first = await user.caller.library.favorites.add({ imageId: imageId!, folderId: folder.id })
    const again = await user.caller.library.favorites.add({ imageId: imageId! })
    expect(again).toEqual({ ...first, url: again.url })
    expect(again.folderId).toBe(folder.id)
    const out = await user.caller.library.favorites.add({ imageId: imageId!, folderId: null })
    expect(out).toMatchObject({ folderId: null, favoritedAt: first.favoritedAt })
    expect(await favoriteIds(user)).toEqual([imageId])
  })

  it('refuses a forged cursor and bad input as validation errors', async () => {
    const { caller } = await harness.createUser()
    expect(await expectAppError(caller.library.favorites.list({ cursor: 'nope' }))).toMatchObject({
      trpcCode: 'BAD_REQUEST',
      appCode: 'VALIDATION',
      details: { fieldErrors: { cursor: ['invalid cursor'] } },
    })
    const tooMany = Array.from({ length: 101 }, (_, index) => `img_${index}`)
    for (const [input, field] of [
      [{ action: 'add', imageIds: [] }, 'imageIds'],
      [{ action: 'add', imageIds: tooMany }, 'imageIds'],
      [{ action: 'copy', imageIds: ['img_1'] }, 'action'],
      [{ action: 'remove', imageIds: ['img_1'], folderId: 'fld_1' }, 'folderId'],
    ] as const) {
      const error = await expectAppError(caller.library.favorites.bulk(input as never))
      expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
      expect(Object.keys(error.details.fieldErrors ?? {})).toContain(field)
    }
  })

  it('treats another user’s image and folder as missing and changes nothing', async () => {
    const owner = await harness.createUser()
    const intruder = await harness.createUser()
    const [imageId] = await images(owner, 'private')
    const folder = await owner.caller.library.favorites.folders.create({ name: 'Private' })
    await owner.caller.library.favorites.add({ imageId: imageId!, folderId: folder.id })
    const [own] = await images(intruder, 'mine')

    for (const attempt of [
      intruder.caller.library.favorites.add({ imageId: imageId! }),
      intruder.caller.library.favorites.add({ imageId: own!, folderId: folder.id }),
      intruder.caller.library.favorites.remove({ imageId: imageId! }),
      intruder.caller.library.favorites.list({ folderId: folder.id }),
      intruder.caller.library.favorites.folders.delete({ folderId: folder.id }),
      intruder.caller.library.favorites.bulk({ action: 'remove', imageIds: [imageId!] }),
    ]) {
      expect(await expectAppError(attempt)).toMatchObject({ trpcCode: 'NOT_FOUND', appCode: 'NOT_FOUND' })
    }
    expect(await favoriteIds(intruder)).toEqual([])
    expect(await owner.caller.library.favorites.list({})).toMatchObject({
      items: [{ id: imageId, folderId: folder.id }],
    })
    expect((await owner.caller.library.favorites.folders.list({})).items).toMatchObject([
      { id: folder.id, favoriteCount: 1 },
    ])
  })

  it('drops an image from favorites and folder counts when the image is deleted', async () => {
    const user = await harness.createUser()
    const [kept, gone] = await images(user, 'kept', 'gone')
    const folder = await user.caller.library.favorites.folders.create({ name: 'Soon smaller' })
    await user.caller.library.favorites.bulk({ action: 'add', imageIds: [kept!, gone!], folderId: folder.id })
    await user.caller.library.history.delete({ imageId: gone! })
    expect(await favoriteIds(user)).toEqual([kept])
    expect((await user.caller.library.favorites.folders.list({})).items[0]?.favoriteCount).toBe(1)
    expect(await expectAppError(user.caller.library.favorites.add({ imageId: gone! }))).toMatchObject({
      appCode: 'NOT_FOUND',
    })
  })
})

describe('library.favorites.bulk', () => {
  it('adds, moves and removes many at once, counting what changed', async () => {
    const user = await harness.createUser()
    const ids = await images(user, 'a', 'b', 'c')
    const folder = await user.caller.library.favorites.folders.create({ name: 'Bulk' })
    const favorites = user.caller.library.favorites

    expect(await favorites.bulk({ action: 'add', imageIds: [ids[0]!, ids[1]!, ids[0]!] })).toEqual({
      count: 2,
    })
    expect(await favorites.bulk({ action: 'add', imageIds: ids })).toEqual({ count: 1 })
    expect(
      await favorites.bulk({ action: 'move', imageIds: [ids[0]!, ids[2]!], folderId: folder.id }),
    ).toEqual({
      count: 2,
    })
    expect(await favorites.bulk({ action: 'move', imageIds: [ids[0]!], folderId: folder.id })).toEqual({
      count: 0,
    })
    expect((await favoriteIds(user, { folderId: folder.id })).sort()).toEqual([ids[0], ids[2]].sort())
    expect(await favoriteIds(user, { folderId: null })).toEqual([ids[1]])
    // Without a folder, move takes them out of theirs.
    expect(await favorites.bulk({ action: 'move', imageIds: [ids[2]!] })).toEqual({ count: 1 })
    expect(await favoriteIds(user, { folderId: folder.id })).toEqual([ids[0]])
    expect(await favorites.bulk({ action: 'remove', imageIds: ids })).toEqual({ count: 3 })
    expect(await favoriteIds(user)).toEqual([])
  })

  it('changes nothing when one image or the folder is not the caller’s', async () => {
    const owner = await harness.createUser()
    const other = await harness.createUser()
    const mine = await images(owner, 'one', 'two')
    const [theirs] = await images(other, 'theirs')
    const otherFolder = await other.caller.library.favorites.folders.create({ name: 'Theirs' })
    const folder = await owner.caller.library.favorites.folders.create({ name: 'Mine' })
    await owner.caller.library.favorites.add({ imageId: mine[0]! })
    const before = await owner.caller.library.favorites.list({})

    const attempts: Parameters<typeof owner.caller.library.favorites.bulk>[0][] = [
      { action: 'add', imageIds: [mine[1]!, theirs!] },
      { action: 'add', imageIds: [mine[1]!], folderId: otherFolder.id },
      { action: 'move', imageIds: [mine[0]!, theirs!], folderId: folder.id },
      { action: 'move', imageIds: [mine[0]!], folderId: otherFolder.id },
      { action: 'remove', imageIds: [mine[0]!, 'img_missing'] },
      // mine[1] is the caller's but no favorite: nothing to move, so nothing moves.
      { action: 'move', imageIds: [mine[0]!, mine[1]!], folderId: folder.id },
    ]
    for (const input of attempts) {
      expect(await expectAppError(owner.caller.library.favorites.bulk(input))).toMatchObject({
        trpcCode: 'NOT_FOUND',
        appCode: 'NOT_FOUND',
      })
    }
    const after = await owner.caller.library.favorites.list({})
    expect(after.items.map(({ url: _, ...rest }) => rest)).toEqual(
      before.items.map(({ url: _, ...rest }) => rest),
    )
    expect(await favoriteIds(other)).toEqual([])
  })
})

describe('library.favorites.folders', () => {
  it('creates folders with unique names per user and lists them with counts', async () => {
    const user = await harness.createUser()
    const other = await harness.createUser()
    const folders = user.caller.library.favorites.folders
    const travel = await folders.create({ name: '  Travel ' })
    expect(travel).toMatchObject({ name: 'Travel', favoriteCount: 0 })
    const error = await expectAppError(folders.create({ name: 'Travel' }))
    expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
    expect(error.details.fieldErrors?.name).toEqual([expect.stringContaining('already')])
    // Another user may use the same name.
    await other.caller.library.favorites.folders.create({ name: 'Travel' })
    expect(await expectAppError(folders.create({ name: '   ' }))).toMatchObject({ appCode: 'VALIDATION' })

    const food = await folders.create({ name: 'Food' })
    const ids = await images(user, 'x', 'y', 'z')
    await user.caller.library.favorites.bulk({ action: 'add', imageIds: ids.slice(0, 2), folderId: food.id })
    await user.caller.library.favorites.add({ imageId: ids[2]!, folderId: travel.id })
    const first = await folders.list({ limit: 1 })
    expect(first.items).toMatchObject([{ id: food.id, name: 'Food', favoriteCount: 2 }])
    const second = await folders.list({ limit: 1, cursor: first.nextCursor! })
    expect(second).toMatchObject({ items: [{ id: travel.id, favoriteCount: 1 }], nextCursor: null })
  })

  it('deletes a folder, moving its favorites to no folder by default', async () => {
    const user = await harness.createUser()
    const ids = await images(user, 'p', 'q')
    const folder = await user.caller.library.favorites.folders.create({ name: 'Temp' })
    await user.caller.library.favorites.bulk({ action: 'add', imageIds: ids, folderId: folder.id })
    expect(await user.caller.library.favorites.folders.delete({ folderId: folder.id })).toEqual({
      ok: true,
      favorites: 2,
    })
    expect((await user.caller.library.favorites.folders.list({})).items).toEqual([])
    expect((await favoriteIds(user, { folderId: null })).sort()).toEqual([...ids].sort())
    expect(
      await expectAppError(user.caller.library.favorites.folders.delete({ folderId: folder.id })),
    ).toMatchObject({ appCode: 'NOT_FOUND' })
    expect(await expectAppError(user.caller.library.favorites.list({ folderId: folder.id }))).toMatchObject({
      appCode: 'NOT_FOUND',
    })
  })

  it('deletes a folder with its favorites when asked, leaving the images and other favorites', async () => {
    const user = await harness.createUser()
    const [inside, outside] = await images(user, 'inside', 'outside')
    const folder = await user.caller.library.favorites.folders.create({ name: 'Gone' })
    await user.caller.library.favorites.add({ imageId: inside!, folderId: folder.id })
    await user.caller.library.favorites.add({ imageId: outside! })
    expect(
      await user.caller.library.favorites.folders.delete({ folderId: folder.id, deleteFavorites: true }),
    ).toEqual({ ok: true, favorites: 1 })
    expect(await favoriteIds(user)).toEqual([outside])
    expect(await user.caller.library.history.get({ imageId: inside! })).toMatchObject({ id: inside })
  })
})
