import { createScriptedProvider } from '@nbl/providers/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../../test/errors.js'
import { createHarness, type Harness, type TestUser } from '../../../test/harness.js'
import { createJobRunner, type JobRunner } from '../../services/jobs/job-runner.js'

let harness: Harness
let runner: JobRunner

beforeAll(async () => {
  harness = await createHarness({
    // The local provider does not ground: a scripted one serves generate.search.
    providers: [createScriptedProvider({ name: 'google', kinds: ['image'] })],
    free: { dailyLimit: 1000, cooldownSeconds: 0 },
  })
  runner = createJobRunner(harness.deps, { pollIntervalMs: 30, concurrency: 4 })
  harness.deps.jobs = runner
  runner.start()
})
afterAll(async () => {
  await runner.stop()
  await harness.close()
})

async function images(user: TestUser, ...prompts: string[]): Promise<string[]> {
  const ids: string[] = []
  for (const prompt of prompts) {
    const { images } = await user.caller.generate.image({ prompt })
    ids.push(images[0]!.id)
  }
  return ids
}

async function projectImageIds(user: TestUser, projectId: string) {
  return (await user.caller.library.projects.images.list({ projectId, limit: 100 })).items.map(
    (item) => item.id,
  )
}

describe('library.projects', () => {
  it('creates, gets, lists, updates and deletes projects', async () => {
    const user = await harness.createUser()
    const projects = user.caller.library.projects
    const first = await projects.create({ name: ' Launch ', description: 'spring campaign' })
    expect(first).toMatchObject({ name: 'Launch', description: 'spring campaign', imageCount: 0 })
    expect(first.updatedAt).toBe(first.createdAt)
    const second = await projects.create({ name: 'Moodboard' })
    expect(second.description).toBeNull()
    expect(await projects.get({ projectId: first.id })).toEqual(first)

    const page = await projects.list({ limit: 1 })
    expect(page.items.map((project) => project.id)).toEqual([second.id])
    const rest = await projects.list({ limit: 1, cursor: page.nextCursor! })
    expect(rest).toMatchObject({ items: [{ id: first.id }], nextCursor: null })

    const renamed = await projects.update({ projectId: first.id, name: 'Launch v2', description: null })
    expect(renamed).toMatchObject({ id: first.id, name: 'Launch v2', description: null })
    expect(Date.parse(renamed.updatedAt)).toBeGreaterThanOrEqual(Date.parse(first.updatedAt))
    // The most recently updated comes first.
    expect((await projects.list({})).items.map((project) => project.id)).toEqual([first.id, second.id])

    expect(await projects.delete({ projectId: first.id })).toEqual({ ok: true })
    expect(await expectAppError(projects.get({ projectId: first.id }))).toMatchObject({
      appCode: 'NOT_FOUND',
    })
    expect(await expectAppError(projects.delete({ projectId: first.id }))).toMatchObject({
      appCode: 'NOT_FOUND',
    })
    expect((await projects.list({})).items.map((project) => project.id)).toEqual([second.id])
  })

  it('validates names, descriptions, updates and cursors', async () => {
    const { caller } = await harness.createUser()
    const project = await caller.library.projects.create({ name: 'Valid' })
    for (const [attempt, field] of [
      [caller.library.projects.create({ name: '  ' }), 'name'],
      [caller.library.projects.create({ name: 'x'.repeat(201) }), 'name'],
      [caller.library.projects.create({ name: 'ok', description: 'x'.repeat(2001) }), 'description'],
      [caller.library.projects.update({ projectId: project.id }), 'name'],
      [caller.library.projects.list({ cursor: 'forged' }), 'cursor'],
      [caller.library.projects.images.list({ projectId: project.id, cursor: 'forged' }), 'cursor'],
      [caller.library.projects.images.add({ projectId: project.id, imageIds: [] }), 'imageIds'],
    ] as const) {
      const error = await expectAppError(attempt)
      expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
      expect(Object.keys(error.details.fieldErrors ?? {})).toContain(field)
    }
  })

  it('treats another user’s project as missing and changes nothing', async () => {
    const owner = await harness.createUser()
    const intruder = await harness.createUser()
    const project = await owner.caller.library.projects.create({ name: 'Secret' })
    const [ownerImage] = await images(owner, 'owner image')
    await owner.caller.library.projects.images.add({ projectId: project.id, imageIds: [ownerImage!] })
    const before = await owner.caller.library.projects.get({ projectId: project.id })
    const [intruderImage] = await images(intruder, 'intruder image')
    const own = await intruder.caller.library.projects.create({ name: 'Own' })
    const projectId = project.id

    for (const attempt of [
      intruder.caller.library.projects.get({ projectId }),
      intruder.caller.library.projects.update({ projectId, name: 'Hacked' }),
      intruder.caller.library.projects.delete({ projectId }),
      intruder.caller.library.projects.images.list({ projectId }),
      intruder.caller.library.projects.images.add({ projectId, imageIds: [intruderImage!] }),
      intruder.caller.library.projects.images.remove({ projectId, imageIds: [ownerImage!] }),
      // Their own project, someone else's image.
      intruder.caller.library.projects.images.add({ projectId: own.id, imageIds: [ownerImage!] }),
      intruder.caller.library.history.list({ projectId }),
    ]) {
      expect(await expectAppError(attempt)).toMatchObject({ trpcCode: 'NOT_FOUND', appCode: 'NOT_FOUND' })
    }
    expect(await owner.caller.library.projects.get({ projectId })).toEqual(before)
    expect(await projectImageIds(owner, projectId)).toEqual([ownerImage])
    expect(await projectImageIds(intruder, own.id)).toEqual([])
    expect((await intruder.caller.library.projects.list({})).items.map((item) => item.id)).toEqual([own.id])
  })
})

describe('library.projects.images', () => {
  it('adds, lists (most recent first, page by page) and removes images, counting changes', async () => {
    const user = await harness.createUser()
    const project = await user.caller.library.projects.create({ name: 'Album' })
    const [a, b, c] = await images(user, 'a', 'b', 'c')
    const projectImages = user.caller.library.projects.images
    expect(await projectImages.add({ projectId: project.id, imageIds: [c!] })).toEqual({ count: 1 })
    expect(await projectImages.add({ projectId: project.id, imageIds: [a!, c!, a!] })).toEqual({ count: 1 })
    expect(await projectImages.add({ projectId: project.id, imageIds: [b!] })).toEqual({ count: 1 })
    const updated = await user.caller.library.projects.get({ projectId: project.id })
    expect(updated.imageCount).toBe(3)
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(project.updatedAt))

    const first = await projectImages.list({ projectId: project.id, limit: 2 })
    expect(first.items.map((item) => item.id)).toEqual([b, a])
    expect(first.items[0]).toMatchObject({ prompt: 'b', mimeType: 'image/png' })
    expect(typeof first.items[0]!.addedAt).toBe('string')
    const second = await projectImages.list({ projectId: project.id, limit: 2, cursor: first.nextCursor! })
    expect(second).toMatchObject({ items: [{ id: c }], nextCursor: null })

    expect(await projectImages.remove({ projectId: project.id, imageIds: [a!, b!] })).toEqual({ count: 2 })
    expect(await projectImages.remove({ projectId: project.id, imageIds: [a!] })).toEqual({ count: 0 })
    expect(await projectImageIds(user, project.id)).toEqual([c])
    // Removed from the project, still in the library.
    expect(await user.caller.library.history.get({ imageId: a! })).toMatchObject({ id: a })
  })

  it('adds nothing when one image is not the caller’s', async () => {
    const user = await harness.createUser()
    const other = await harness.createUser()
    const project = await user.caller.library.projects.create({ name: 'All or nothing' })
    const [mine] = await images(user, 'mine')
    const [theirs] = await images(other, 'theirs')
    for (const imageIds of [
      [mine!, theirs!],
      [mine!, 'img_missing'],
    ]) {
      expect(
        await expectAppError(user.caller.library.projects.images.add({ projectId: project.id, imageIds })),
      ).toMatchObject({ appCode: 'NOT_FOUND' })
    }
    expect(await user.caller.library.projects.get({ projectId: project.id })).toEqual(project)
  })

  it('drops a deleted image from its projects and keeps images when a project is deleted', async () => {
    const user = await harness.createUser()
    const project = await user.caller.library.projects.create({ name: 'Cascade' })
    const [kept, gone] = await images(user, 'kept', 'gone')
    await user.caller.library.projects.images.add({ projectId: project.id, imageIds: [kept!, gone!] })
    await user.caller.library.history.delete({ imageId: gone! })
    expect(await projectImageIds(user, project.id)).toEqual([kept])
    expect((await user.caller.library.projects.get({ projectId: project.id })).imageCount).toBe(1)

    await user.caller.library.projects.delete({ projectId: project.id })
    expect(await user.caller.library.history.get({ imageId: kept! })).toMatchObject({ id: kept })
    const rows = await harness.deps.db
      .selectFrom('project_images')
      .selectAll()
      .where('image_id', '=', kept!)
      .execute()
    expect(rows).toEqual([])
  })
})

describe('generating into a project', () => {
  it('adds the images of generate.image and generate.search to the project', async () => {
    const user = await harness.createUser()
    const project = await user.caller.library.projects.create({ name: 'Generated' })
    const plain = await user.caller.generate.image({
      prompt: 'into project',
      count: 2,
      projectId: project.id,
    })
    const grounded = await user.caller.generate.search({ prompt: 'grounded', projectId: project.id })
    await images(user, 'elsewhere')
    const expected = [...plain.images, ...grounded.images].map((image) => image.id).sort()
    expect((await projectImageIds(user, project.id)).sort()).toEqual(expected)
    expect((await user.caller.library.projects.get({ projectId: project.id })).imageCount).toBe(3)
  })

  it('refuses a project that is not the caller’s before charging anything', async () => {
    const owner = await harness.createUser()
    const intruder = await harness.createUser()
    const project = await owner.caller.library.projects.create({ name: 'Not yours' })
    for (const attempt of [
      intruder.caller.generate.image({ prompt: 'x', projectId: project.id }),
      intruder.caller.generate.image({ prompt: 'x', projectId: project.id, idempotencyKey: 'k1' }),
      intruder.caller.generate.search({ prompt: 'x', projectId: project.id }),
      intruder.caller.generate.batch({ items: [{ prompt: 'x' }, { prompt: 'y', projectId: project.id }] }),
    ]) {
      expect(await expectAppError(attempt)).toMatchObject({ trpcCode: 'NOT_FOUND', appCode: 'NOT_FOUND' })
    }
    expect((await intruder.caller.quota.status()).used).toBe(0)
    expect((await intruder.caller.library.history.list({})).items).toEqual([])
    expect((await intruder.caller.generate.jobs.list({})).items).toEqual([])
    expect((await owner.caller.library.projects.get({ projectId: project.id })).imageCount).toBe(0)
  })

  it('adds a batch’s images to the project of each item', async () => {
    const user = await harness.createUser()
    const project = await user.caller.library.projects.create({ name: 'Batch' })
    const { jobId } = await user.caller.generate.batch({
      items: [
        { prompt: 'in', projectId: project.id },
        { prompt: 'out' },
        { prompt: 'in too', projectId: project.id },
      ],
    })
    await runner.idle()
    const job = await user.caller.generate.jobs.get({ jobId })
    expect(job.status).toBe('succeeded')
    const expected = [job.items[0]!, job.items[2]!].flatMap((item) => item.imageIds).sort()
    expect(expected).toHaveLength(2)
    expect((await projectImageIds(user, project.id)).sort()).toEqual(expected)
  })

  it('fails (and refunds) a batch item whose project was deleted after submission', async () => {
    const user = await harness.createUser()
    const project = await user.caller.library.projects.create({ name: 'Short-lived' })
    await runner.stop()
    try {
      const { jobId } = await user.caller.generate.batch({
        items: [{ prompt: 'orphan', projectId: project.id }],
      })
      expect((await user.caller.quota.status()).used).toBe(1)
      await user.caller.library.projects.delete({ projectId: project.id })
      runner.start()
      await runner.idle()
      const job = await user.caller.generate.jobs.get({ jobId })
      expect(job).toMatchObject({
        status: 'failed',
        items: [{ status: 'failed', error: { appCode: 'NOT_FOUND' } }],
      })
      expect((await user.caller.quota.status()).used).toBe(0)
    } finally {
      runner.start()
    }
  })
})
