/**
 * End to end through the SDK only: the real server process on a fresh DATA_DIR (embedded defaults).
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, getAppError, isAppError, type NanoBananaClient } from '@nbl/sdk'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer, startServerExpectingFailure } from './server-process.js'

let dataDir: string
let server: RunningServer
let admin: NanoBananaClient

const env = () => ({ DATA_DIR: dataDir, QUOTA_FREE_DAILY_LIMIT: '10', QUOTA_FREE_COOLDOWN_SECONDS: '0' })

async function failureOf(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the call to fail')
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'nbl-e2e-'))
  server = await startServer(env())
  expect(server.adminKey).toMatch(/^nbl_/)
  admin = createClient({ url: server.url, apiKey: server.adminKey! })
})

afterAll(async () => {
  await server?.stop()
  await rm(dataDir, { recursive: true, force: true })
})

describe('the server on embedded defaults, through the SDK', () => {
  it('is ready and wrote the admin key to DATA_DIR with mode 0600', async () => {
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200)
    const file = join(dataDir, 'bootstrap-admin-key')
    expect((await readFile(file, 'utf8')).trim()).toBe(server.adminKey)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
  })

  it('generates a 1K 16:9 PNG that is really 1376x768, lists it and counts its unit', async () => {
    const before = await admin.quota.status.query()
    const result = await admin.generate.image.mutate({ prompt: 'a banana lighthouse', aspectRatio: '16:9' })
    const image = result.images[0]!
    expect(image).toMatchObject({ width: 1376, height: 768, mimeType: 'image/png' })

    const download = await fetch(image.url)
    expect(download.status).toBe(200)
    const metadata = await sharp(Buffer.from(await download.arrayBuffer())).metadata()
    expect(metadata).toMatchObject({ format: 'png', width: 1376, height: 768 })

    const history = await admin.library.history.list.query({})
    expect(history.items.map((item) => item.id)).toContain(image.id)
    expect((await admin.quota.status.query()).used).toBe(before.used + 1)
  })

  it('answers UNAUTHORIZED without a key', async () => {
    const anonymous = createClient({ url: server.url })
    const error = await failureOf(anonymous.quota.status.query())
    expect(getAppError(error)).toMatchObject({ appCode: 'UNAUTHENTICATED', httpStatus: 401 })
  })

  it('answers NOT_FOUND for another user’s image', async () => {
    const { images } = await admin.generate.image.mutate({ prompt: 'admin only' })
    const account = await admin.admin.users.create.mutate({ name: 'bob' })
    const key = await admin.admin.users.issueApiKey.mutate({ userId: account.id, name: 'bob laptop' })
    const bob = createClient({ url: server.url, apiKey: key.secret })
    const error = await failureOf(bob.library.history.get.query({ imageId: images[0]!.id }))
    expect(isAppError(error, 'NOT_FOUND')).toBe(true)
  })

  it('answers BAD_REQUEST naming the field for resolution 8K', async () => {
    // @ts-expect-error: '8K' is not a Resolution; the server must say so too.
    const error = await failureOf(admin.generate.image.mutate({ prompt: 'x', resolution: '8K' }))
    const info = getAppError(error)
    expect(info).toMatchObject({ appCode: 'VALIDATION', httpStatus: 400 })
    expect(Object.keys(info?.fieldErrors ?? {})).toEqual(['resolution'])
    expect(info?.message).toContain('resolution')
  })

  it('grants exactly 10 of 200 concurrent generations to a user with 10 units left', async () => {
    const account = await admin.admin.users.create.mutate({ name: 'carol', tier: 'free' })
    const key = await admin.admin.users.issueApiKey.mutate({ userId: account.id, name: 'burst' })
    const carol = createClient({ url: server.url, apiKey: key.secret })
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, index) => carol.generate.image.mutate({ prompt: `burst ${index}` })),
    )
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(10)
    const rejected = outcomes.filter(
      (outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected',
    )
    expect(rejected.every((outcome) => isAppError(outcome.reason, 'QUOTA_EXCEEDED'))).toBe(true)
    expect(getAppError(rejected[0]?.reason)?.retryAfterMs).toBeGreaterThan(0)
    expect(await carol.quota.status.query()).toMatchObject({ used: 10, limit: 10, remaining: 0 })
  })

  it('keeps data and today’s usage across a restart, without a second admin key', async () => {
    const usedBefore = (await admin.quota.status.query()).used
    await server.stop()
    server = await startServer(env())
    expect(server.adminKey).toBeUndefined()
    admin = createClient({
      url: server.url,
      apiKey: (await readFile(join(dataDir, 'bootstrap-admin-key'), 'utf8')).trim(),
    })
    expect((await admin.quota.status.query()).used).toBe(usedBefore)
    expect((await admin.library.history.list.query({})).items.length).toBeGreaterThan(0)
  })

  it('keeps every generation it answered when killed, and charges each once', async () => {
    const usedBefore = (await admin.quota.status.query()).used
    // Answered, then killed at once: the rows may still be in the journal, not yet in the database.
    const answered = await Promise.all(
      ['killed one', 'killed two', 'killed three'].map((prompt) =>
        admin.generate.image.mutate({ prompt, resolution: '1K' }),
      ),
    )
    server.process.kill('SIGKILL')
    await new Promise((resolve) => server.process.once('exit', resolve))
    server = await startServer(env())
    admin = createClient({
      url: server.url,
      apiKey: (await readFile(join(dataDir, 'bootstrap-admin-key'), 'utf8')).trim(),
    })
    const listed = (await admin.library.history.list.query({ limit: 50 })).items.map((image) => image.id)
    for (const result of answered) expect(listed).toContain(result.images[0]?.id)
    expect((await admin.quota.status.query()).used).toBe(usedBefore + 3)
  })

  it('writes at start what a journal of an ended process still holds', async () => {
    const me = await admin.auth.me.query()
    await server.stop()
    // A process (pid that cannot exist) answered this generation and died before committing it.
    const generationId = 'gen_journaled_before_a_crash'
    const imageId = 'img_journaled_before_a_crash'
    const finishedAt = new Date()
    const entry = {
      generation: {
        id: generationId,
        user_id: me.id,
        kind: 'image',
        status: 'running',
        prompt: 'from the journal',
        request: { prompt: 'from the journal' },
        provider: null,
        model: null,
        units_reserved: 1,
        latency_ms: null,
        error_code: null,
        error_message: null,
        finished_at: null,
        created_at: finishedAt,
      },
      outcome: {
        status: 'succeeded',
        provider: 'local',
        model: 'local-1',
        attempts: [],
        unitsCharged: 1,
        costUsd: 0,
        latencyMs: 5,
        finishedAt,
        response: { imageIds: [imageId], warnings: [] },
      },
      images: [
        {
          id: imageId,
          user_id: me.id,
          generation_id: generationId,
          storage_key: `images/${me.id}/${imageId}.png`,
          mime_type: 'image/png',
          width: 1024,
          height: 1024,
          bytes: 100,
          prompt: 'from the journal',
          provider: 'local',
          model: 'local-1',
        },
      ],
    }
    await mkdir(join(dataDir, 'journal'), { recursive: true })
    const file = join(dataDir, 'journal', 'generations-99999999-crashed-1.jsonl')
    await writeFile(file, `${JSON.stringify(entry)}\n`)
    server = await startServer(env())
    admin = createClient({
      url: server.url,
      apiKey: (await readFile(join(dataDir, 'bootstrap-admin-key'), 'utf8')).trim(),
    })
    const listed = (await admin.library.history.list.query({ q: 'journal' })).items.map((image) => image.id)
    expect(listed).toEqual([imageId])
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('configuration', () => {
  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ BOOTSTRAP_ADMIN_KEY: 'short' }, 'BOOTSTRAP_ADMIN_KEY'],
    [{ BOOTSTRAP_ADMIN_KEY: 'k'.repeat(257) }, 'BOOTSTRAP_ADMIN_KEY'],
    [{ NODE_ENV: 'production' }, 'SECRET_KEY'],
  ])('refuses to start with %j, naming %s', async (values, variable) => {
    const { code, stderr } = await startServerExpectingFailure({
      DATA_DIR: join(tmpdir(), 'nbl-never-used'),
      ...values,
    })
    expect(code).toBe(1)
    expect(stderr).toContain(variable)
  })
})
