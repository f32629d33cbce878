/**
 * @module The repository conformance suite: every dialect must pass it after the real migrations.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  addImagesToProject,
  appendJobEvents,
  cancelJobForOwner,
  claimJobItems,
  countUsers,
  createId,
  type DatabaseHandle,
  deleteFavoriteFolderForOwner,
  deleteFavorites,
  deleteGenerationForOwner,
  deleteImageForOwner,
  deleteProjectForOwner,
  findActiveApiKeyByHash,
  findFavoritedImageIds,
  findFavoriteForOwner,
  findGenerationByIdempotencyKey,
  findGenerationForOwner,
  findImageForOwner,
  findImagesForGeneration,
  findProjectForOwner,
  findUserById,
  finishGeneration,
  finishJobItem,
  InvalidCursorError,
  insertApiKey,
  insertFavoriteFolder,
  insertFinishedGenerations,
  insertGeneration,
  insertImages,
  insertJobWithItems,
  insertNotification,
  insertProject,
  insertUser,
  isUniqueViolation,
  listApiKeysForOwner,
  listFavoriteFoldersForOwner,
  listFavoritesForOwner,
  listImagesForOwner,
  listJobEventsAfter,
  listNotificationsAfter,
  listNotificationsForOwner,
  listProjectImagesForOwner,
  listProjectsForOwner,
  listUsers,
  lockImageIdsForOwner,
  migrateToLatest,
  moveFavorites,
  type NewGeneration,
  type NewImageRow,
  type NewUserRow,
  removeImagesFromProject,
  renewJobItemLease,
  revokeApiKeyForOwner,
  summarizeJobEvents,
  sumUnitsChargedSince,
  sumUnitsUsedSince,
  touchApiKeyLastUsed,
  type UserRole,
  updateProjectForOwner,
  updateUserTier,
  upsertFavorites,
} from '../src/index.js'

export interface DatabaseConformanceOptions {
  /** Opens a fresh, empty database; `close()` must release everything it created. */
  create: () => Promise<DatabaseHandle>
}

const MINUTE = 60_000

export function newUser(overrides: Partial<NewUserRow> = {}): NewUserRow {
  return { id: createId('usr'), name: 'Ada', email: null, role: 'user', tier: 'free', ...overrides }
}

/** A generation as written when its call starts: running, nothing charged yet. */
export function newRunningGeneration(userId: string, overrides: Partial<NewGeneration> = {}): NewGeneration {
  return {
    id: createId('gen'),
    user_id: userId,
    kind: 'image',
    status: 'running',
    prompt: 'p',
    request: {},
    provider: null,
    model: null,
    units_reserved: 1,
    latency_ms: null,
    error_code: null,
    error_message: null,
    finished_at: null,
    ...overrides,
  }
}

export function newImage(userId: string, overrides: Partial<NewImageRow> = {}): NewImageRow {
  const id = createId('img')
  return {
    id,
    user_id: userId,
    generation_id: null,
    storage_key: `images/${id}.png`,
    mime_type: 'image/png',
    width: 1024,
    height: 1024,
    bytes: 1234,
    prompt: 'a banana',
    provider: 'local',
    model: 'local-1',
    ...overrides,
  }
}

export function runDatabaseConformance({ create }: DatabaseConformanceOptions): void {
  let handle: DatabaseHandle
  let appliedAtStart: string[]
  const db = () => handle.db

  beforeAll(async () => {
    handle = await create()
    appliedAtStart = await migrateToLatest(handle.db)
  })

  afterAll(async () => {
    await handle?.close()
  })

  beforeEach(async () => {
    // Every other table cascades from users.
    await db().deleteFrom('users').execute()
  })

  describe('migrations', () => {
    it('apply once and are idempotent', async () => {
      expect(appliedAtStart).toEqual([
        '0001_initial',
        '0002_generation_idempotency',
        '0003_jobs',
        '0004_job_events_notifications',
        '0005_auth_sessions_audit',
        '0006_chat',
        '0007_account_admin',
        '0008_library',
      ])
      expect(await migrateToLatest(db())).toEqual([])
      expect(await migrateToLatest(db())).toEqual([])
    })

    it('enforce the role and tier check constraints', async () => {
      await expect(insertUser(db(), newUser({ role: 'root' as UserRole }))).rejects.toThrow()
      await expect(insertUser(db(), newUser({ tier: 'gold' as NewUserRow['tier'] }))).rejects.toThrow()
    })

    it('return int8 as number and timestamptz as Date', async () => {
      const { rows } = await sql<{
        total: unknown
        at: unknown
      }>`select count(*) as total, now() as at`.execute(db())
      expect(typeof rows[0]!.total).toBe('number')
      expect(rows[0]!.at).toBeInstanceOf(Date)
    })
  })

  describe('users', () => {
    it('inserts, finds, counts and changes tier', async () => {
      const inserted = await insertUser(db(), newUser({ email: 'ada@example.com' }))
      expect(inserted.created_at).toBeInstanceOf(Date)
      expect(inserted.is_service_account).toBe(false)
      expect(await findUserById(db(), inserted.id)).toEqual(inserted)
      expect(await findUserById(db(), 'usr_missing')).toBeUndefined()
      expect(await countUsers(db())).toBe(1)

      const updated = await updateUserTier(db(), inserted.id, 'pro')
      expect(updated?.tier).toBe('pro')
      expect(updated!.updated_at.getTime()).toBeGreaterThanOrEqual(inserted.updated_at.getTime())
      expect(await updateUserTier(db(), 'usr_missing', 'pro')).toBeUndefined()
    })

    it('lists users newest first across pages', async () => {
      const base = Date.parse('2026-01-01T00:00:00Z')
      for (let index = 0; index < 5; index++) {
        await insertUser(db(), newUser({ id: `usr_${index}`, created_at: new Date(base + index * MINUTE) }))
      }
      const first = await listUsers(db(), { limit: 3 })
      expect(first.items.map((user) => user.id)).toEqual(['usr_4', 'usr_3', 'usr_2'])
      const second = await listUsers(db(), { limit: 3, cursor: first.nextCursor! })
      expect(second.items.map((user) => user.id)).toEqual(['usr_1', 'usr_0'])
      expect(second.nextCursor).toBeNull()
    })
  })

  describe('api keys', () => {
    async function keyFor(userId: string, overrides: Partial<Parameters<typeof insertApiKey>[1]> = {}) {
      const id = createId('key')
      return insertApiKey(db(), {
        id,
        user_id: userId,
        name: 'cli',
        prefix: 'nbl_abcd',
        secret_hash: `hash-${id}`,
        expires_at: null,
        last_used_at: null,
        revoked_at: null,
        ...overrides,
      })
    }

    it('finds an active key together with its user', async () => {
      const user = await insertUser(db(), newUser({ role: 'admin', tier: 'unlimited' }))
      const key = await keyFor(user.id)
      const found = await findActiveApiKeyByHash(db(), key.secret_hash)
      expect(found).toEqual({ key, user })
      expect(await findActiveApiKeyByHash(db(), 'hash-unknown')).toBeUndefined()
    })

    it('excludes revoked and expired keys', async () => {
      const user = await insertUser(db(), newUser())
      const now = new Date('2026-03-01T12:00:00Z')
      const revoked = await keyFor(user.id, { revoked_at: new Date(now.getTime() - MINUTE) })
      const expired = await keyFor(user.id, { expires_at: new Date(now.getTime() - 1) })
      const expiringLater = await keyFor(user.id, { expires_at: new Date(now.getTime() + MINUTE) })

      expect(await findActiveApiKeyByHash(db(), revoked.secret_hash, now)).toBeUndefined()
      expect(await findActiveApiKeyByHash(db(), expired.secret_hash, now)).toBeUndefined()
      expect((await findActiveApiKeyByHash(db(), expiringLater.secret_hash, now))?.key.id).toBe(
        expiringLater.id,
      )
      expect(
        await findActiveApiKeyByHash(db(), expiringLater.secret_hash, new Date(now.getTime() + 2 * MINUTE)),
      ).toBeUndefined()
    })

    it('rejects a duplicate secret hash', async () => {
      const user = await insertUser(db(), newUser())
      await keyFor(user.id, { secret_hash: 'same' })
      await expect(keyFor(user.id, { secret_hash: 'same' })).rejects.toThrow()
    })

    it('throttles last-used updates', async () => {
      const user = await insertUser(db(), newUser())
      const key = await keyFor(user.id)
      const now = new Date('2026-03-01T12:00:00Z')

      expect(await touchApiKeyLastUsed(db(), key.id, now, MINUTE)).toBe(true)
      expect(await touchApiKeyLastUsed(db(), key.id, new Date(now.getTime() + 1000), MINUTE)).toBe(false)
      const later = new Date(now.getTime() + MINUTE + 1)
      expect(await touchApiKeyLastUsed(db(), key.id, later, MINUTE)).toBe(true)
      expect((await listApiKeysForOwner(db(), user.id))[0]?.last_used_at).toEqual(later)
      expect(await touchApiKeyLastUsed(db(), 'key_missing', later, MINUTE)).toBe(false)
    })

    it('lists and revokes only the owner’s keys', async () => {
      const alice = await insertUser(db(), newUser({ name: 'Alice' }))
      const bob = await insertUser(db(), newUser({ name: 'Bob' }))
      const key = await keyFor(alice.id)

      expect(await listApiKeysForOwner(db(), bob.id)).toEqual([])
      expect(await revokeApiKeyForOwner(db(), bob.id, key.id, new Date())).toBe(false)
      expect(await findActiveApiKeyByHash(db(), key.secret_hash)).toBeDefined()

      expect(await revokeApiKeyForOwner(db(), alice.id, key.id, new Date())).toBe(true)
      expect(await revokeApiKeyForOwner(db(), alice.id, key.id, new Date())).toBe(false)
      expect(await findActiveApiKeyByHash(db(), key.secret_hash)).toBeUndefined()
      expect((await listApiKeysForOwner(db(), alice.id)).map((row) => row.id)).toEqual([key.id])
    })
  })

  describe('images', () => {
    it('hides another user’s image from find, delete and list', async () => {
      const alice = await insertUser(db(), newUser({ name: 'Alice' }))
      const bob = await insertUser(db(), newUser({ name: 'Bob' }))
      const [image] = await insertImages(db(), [newImage(alice.id)])

      expect(await findImageForOwner(db(), bob.id, image!.id)).toBeUndefined()
      expect(await deleteImageForOwner(db(), bob.id, image!.id)).toBeUndefined()
      expect(await listImagesForOwner(db(), bob.id, { limit: 10 })).toEqual({ items: [], nextCursor: null })

      expect(await findImageForOwner(db(), alice.id, image!.id)).toEqual(image)
      expect(await deleteImageForOwner(db(), alice.id, image!.id)).toEqual(image)
      expect(await findImageForOwner(db(), alice.id, image!.id)).toBeUndefined()
    })

    it('pages 25 images with distinct timestamps as 10/10/5, newest first', async () => {
      const user = await insertUser(db(), newUser())
      const base = Date.parse('2026-02-01T00:00:00Z')
      const rows = Array.from({ length: 25 }, (_, index) =>
        newImage(user.id, { created_at: new Date(base + ((index * 7) % 25) * 1000) }),
      )
      await insertImages(db(), rows)
      const expected = [...rows]
        .sort((a, b) => (b.created_at as Date).getTime() - (a.created_at as Date).getTime())
        .map((row) => row.id)

      const seen = await collectPages(user.id, 10)
      expect(seen.sizes).toEqual([10, 10, 5])
      expect(seen.ids).toEqual(expected)
    })

    it('pages images sharing one timestamp by id, without losing or repeating any', async () => {
      const user = await insertUser(db(), newUser())
      // One statement: every row gets the same now(), so only the id orders them.
      await insertImages(
        db(),
        Array.from({ length: 25 }, () => newImage(user.id)),
      )
      const seen = await collectPages(user.id, 10)
      expect(seen.sizes).toEqual([10, 10, 5])
      expect(new Set(seen.ids).size).toBe(25)
      expect(seen.ids).toEqual([...seen.ids].sort().reverse())
    })

    async function collectPages(userId: string, limit: number) {
      const ids: string[] = []
      const sizes: number[] = []
      let cursor: string | undefined
      do {
        const page = await listImagesForOwner(db(), userId, { limit, cursor })
        sizes.push(page.items.length)
        ids.push(...page.items.map((item) => item.id))
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined)
      return { ids, sizes }
    }

    it('filters by provider, prompt text (wildcards literal) and time range', async () => {
      const user = await insertUser(db(), newUser())
      const at = (day: number) => new Date(Date.UTC(2026, 0, day))
      const [cotton, hundred, underscore, other] = await insertImages(db(), [
        newImage(user.id, { prompt: 'Shirt, 100% COTTON', provider: 'openai', created_at: at(1) }),
        newImage(user.id, { prompt: '1000 bananas', provider: 'google', created_at: at(2) }),
        newImage(user.id, { prompt: 'snake_case banana', provider: 'google', created_at: at(3) }),
        newImage(user.id, { prompt: 'snakeXcase banana', provider: 'local', created_at: at(4) }),
      ])
      const ids = async (options: Omit<Parameters<typeof listImagesForOwner>[2], 'limit'>) =>
        (await listImagesForOwner(db(), user.id, { limit: 10, ...options })).items.map((item) => item.id)

      expect(await ids({ provider: 'google' })).toEqual([underscore!.id, hundred!.id])
      expect(await ids({ q: '0%' })).toEqual([cotton!.id])
      expect(await ids({ q: 'cotton' })).toEqual([cotton!.id])
      expect(await ids({ q: 'e_c' })).toEqual([underscore!.id])
      expect(await ids({ q: 'BANANA' })).toEqual([other!.id, underscore!.id, hundred!.id])
      expect(await ids({ from: at(2), to: at(4) })).toEqual([underscore!.id, hundred!.id])
      expect(await ids({ from: at(2), provider: 'local', q: 'banana' })).toEqual([other!.id])
    })

    it('rejects an invalid cursor with InvalidCursorError', async () => {
      const user = await insertUser(db(), newUser())
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
      for (const cursor of [
        'not a cursor',
        encode({}),
        encode({ createdAt: 'yesterday', id: 'img_1' }),
        encode({ createdAt: '-000001-01-01T00:00:00.000Z', id: 'img_1' }),
        encode({ createdAt: '+010000-01-01T00:00:00.000Z', id: 'img_1' }),
        encode(7),
      ]) {
        await expect(listImagesForOwner(db(), user.id, { limit: 10, cursor })).rejects.toBeInstanceOf(
          InvalidCursorError,
        )
      }
    })
  })

  describe('generations', () => {
    it('inserts, finishes for the owner only, and sums charged units', async () => {
      const alice = await insertUser(db(), newUser({ name: 'Alice' }))
      const bob = await insertUser(db(), newUser({ name: 'Bob' }))
      const since = new Date('2026-04-02T00:00:00Z')
      const base = newRunningGeneration(alice.id, {
        prompt: 'a banana',
        request: { prompt: 'a banana', resolution: '2K', nested: { count: 2 } },
        units_reserved: 2,
      })
      const running = await insertGeneration(db(), { ...base, id: createId('gen'), created_at: since })
      expect(running.request).toEqual(base.request)
      expect(running.attempts).toEqual([])
      expect(running.units_charged).toBe(0)
      expect(running.cost_usd).toBe(0)

      const attempts = [
        {
          provider: 'openai',
          model: 'gpt-image-1',
          outcome: 'failed' as const,
          errorClass: 'transient',
          latencyMs: 120,
        },
        { provider: 'google', model: 'gemini-3', outcome: 'succeeded' as const, latencyMs: 900 },
      ]
      const patch = {
        status: 'succeeded' as const,
        provider: 'google',
        model: 'gemini-3',
        attempts,
        unitsCharged: 2,
        costUsd: 0.039,
        latencyMs: 1020,
        finishedAt: new Date('2026-04-02T00:00:02Z'),
      }
      expect(await finishGeneration(db(), bob.id, running.id, patch)).toBeUndefined()
      expect(await findGenerationForOwner(db(), bob.id, running.id)).toBeUndefined()

      const finished = await finishGeneration(db(), alice.id, running.id, patch)
      expect(finished).toMatchObject({
        status: 'succeeded',
        provider: 'google',
        model: 'gemini-3',
        attempts,
        units_charged: 2,
        cost_usd: 0.039,
        latency_ms: 1020,
        error_code: null,
        finished_at: patch.finishedAt,
      })
      expect(await findGenerationForOwner(db(), alice.id, running.id)).toEqual(finished)

      await insertGeneration(db(), {
        ...base,
        id: createId('gen'),
        units_charged: 4,
        created_at: new Date(since.getTime() + 1),
      })
      await insertGeneration(db(), {
        ...base,
        id: createId('gen'),
        units_charged: 8,
        created_at: new Date(since.getTime() - 1),
      })
      await insertGeneration(db(), {
        ...base,
        id: createId('gen'),
        user_id: bob.id,
        units_charged: 16,
        created_at: since,
      })

      expect(await sumUnitsChargedSince(db(), alice.id, since)).toBe(6)
      expect(await sumUnitsChargedSince(db(), bob.id, since)).toBe(16)
      expect(await sumUnitsChargedSince(db(), bob.id, new Date(since.getTime() + 1))).toBe(0)
    })

    it('writes a finished generation with its images in one statement, or neither', async () => {
      const user = await insertUser(db(), newUser())
      const started = newRunningGeneration(user.id, { request: { prompt: 'p' }, units_reserved: 2 })
      const generationId = started.id
      const outcome = {
        status: 'succeeded' as const,
        provider: 'local',
        model: 'local-1',
        attempts: [{ provider: 'local', model: 'local-1', outcome: 'succeeded' as const, latencyMs: 3 }],
        unitsCharged: 2,
        costUsd: 0.01,
        latencyMs: 3,
        finishedAt: new Date('2026-04-02T00:00:02Z'),
        response: { imageIds: ['img_a', 'img_b'], warnings: [] },
      }
      const images = [
        newImage(user.id, { id: 'img_a', generation_id: generationId }),
        newImage(user.id, { id: 'img_b', generation_id: generationId }),
      ]
      const inserted = await insertFinishedGenerations(db(), [{ generation: started, outcome, images }])
      expect(inserted.map((row) => [row.id, row.generation_id])).toEqual([
        ['img_a', generationId],
        ['img_b', generationId],
      ])
      // What it answers is what is stored, to the millisecond: no read back needed.
      expect(await findImageForOwner(db(), user.id, 'img_a')).toEqual(inserted[0])
      const stored = await findGenerationForOwner(db(), user.id, generationId)
      expect(stored?.created_at).toEqual(inserted[0]?.created_at)

      // Written again with skipExisting (a journal replayed twice): nothing changes, nothing fails.
      const again = { generation: started, outcome: { ...outcome, latencyMs: 99 }, images }
      await insertFinishedGenerations(db(), [again], { skipExisting: true })
      expect((await findGenerationForOwner(db(), user.id, generationId))?.latency_ms).toBe(3)
      expect(await findImagesForGeneration(db(), user.id, generationId)).toHaveLength(2)
      // A creation time given (the time the call finished, replayed later) is kept.
      const late = { ...started, id: createId('gen'), created_at: new Date('2026-04-01T23:59:59.123Z') }
      await insertFinishedGenerations(db(), [{ generation: late, outcome, images: [] }])
      expect((await findGenerationForOwner(db(), user.id, late.id))?.created_at).toEqual(late.created_at)
      expect(await findGenerationForOwner(db(), user.id, generationId)).toMatchObject({
        status: 'succeeded',
        provider: 'local',
        request: { prompt: 'p' },
        attempts: outcome.attempts,
        units_reserved: 2,
        units_charged: 2,
        latency_ms: 3,
        response: outcome.response,
        finished_at: outcome.finishedAt,
      })

      // An image that cannot be written (its id is taken) takes the generation down with it.
      // In a batch, one bad row fails them all.
      const second = { ...started, id: createId('gen') }
      const third = { ...started, id: createId('gen') }
      const clash = await insertFinishedGenerations(db(), [
        { generation: third, outcome, images: [newImage(user.id, { generation_id: third.id })] },
        {
          generation: second,
          outcome,
          images: [newImage(user.id, { id: 'img_a', generation_id: second.id })],
        },
      ]).catch((error: unknown) => error)
      expect(isUniqueViolation(clash)).toBe(true)
      expect(await findGenerationForOwner(db(), user.id, second.id)).toBeUndefined()
      expect(await findGenerationForOwner(db(), user.id, third.id)).toBeUndefined()

      // A batch of several: every generation, and the images in the order given.
      const batch = [0, 1, 2].map(() => {
        const generation = { ...started, id: createId('gen') }
        const images = [newImage(user.id, { generation_id: generation.id })]
        return { generation, outcome, images }
      })
      const written = await insertFinishedGenerations(db(), batch)
      expect(written.map((row) => row.generation_id)).toEqual(batch.map((entry) => entry.generation.id))

      // A failure has no images: the generation alone.
      const failed = { ...started, id: createId('gen') }
      const failure = {
        ...outcome,
        status: 'failed' as const,
        unitsCharged: 0,
        errorCode: 'PROVIDERS_FAILED',
      }
      expect(
        await insertFinishedGenerations(db(), [{ generation: failed, outcome: failure, images: [] }]),
      ).toEqual([])
      expect(await findGenerationForOwner(db(), user.id, failed.id)).toMatchObject({
        status: 'failed',
        units_charged: 0,
        error_code: 'PROVIDERS_FAILED',
      })
    })

    it('keeps images when their generation is deleted', async () => {
      const user = await insertUser(db(), newUser())
      const generation = await insertGeneration(
        db(),
        newRunningGeneration(user.id, {
          status: 'succeeded',
          provider: 'local',
          model: 'local-1',
          latency_ms: 1,
          finished_at: new Date(),
        }),
      )
      const [image] = await insertImages(db(), [newImage(user.id, { generation_id: generation.id })])
      await db().deleteFrom('generations').where('id', '=', generation.id).execute()
      expect((await findImageForOwner(db(), user.id, image!.id))?.generation_id).toBeNull()
    })
  })

  describe('idempotency keys', () => {
    const running = (userId: string, key: string) =>
      newRunningGeneration(userId, { idempotency_key: key, request_hash: 'h1' })

    it('allow one generation per user and key, found again with its response and images', async () => {
      const alice = await insertUser(db(), newUser())
      const bob = await insertUser(db(), newUser())
      const first = await insertGeneration(db(), running(alice.id, 'k1'))
      const duplicate = await insertGeneration(db(), running(alice.id, 'k1')).catch((error: unknown) => error)
      expect(isUniqueViolation(duplicate)).toBe(true)
      await insertGeneration(db(), running(bob.id, 'k1'))
      const [image] = await insertImages(db(), [newImage(alice.id, { generation_id: first.id })])
      await finishGeneration(db(), alice.id, first.id, {
        status: 'succeeded',
        attempts: [],
        unitsCharged: 1,
        costUsd: 0,
        latencyMs: 5,
        finishedAt: new Date(),
        response: { imageIds: [image!.id], text: 'hi' },
      })
      const found = await findGenerationByIdempotencyKey(db(), alice.id, 'k1')
      expect(found).toMatchObject({
        id: first.id,
        request_hash: 'h1',
        response: { imageIds: [image!.id], text: 'hi' },
      })
      expect((await findImagesForGeneration(db(), alice.id, first.id)).map((row) => row.id)).toEqual([
        image!.id,
      ])
      expect(await findImagesForGeneration(db(), bob.id, first.id)).toEqual([])
      expect(await findGenerationByIdempotencyKey(db(), alice.id, 'k2')).toBeUndefined()
    })

    it('free a key when its generation is deleted by the owner only', async () => {
      const alice = await insertUser(db(), newUser())
      const bob = await insertUser(db(), newUser())
      const generation = await insertGeneration(db(), running(alice.id, 'k1'))
      expect(await deleteGenerationForOwner(db(), bob.id, generation.id)).toBe(false)
      expect(await deleteGenerationForOwner(db(), alice.id, generation.id)).toBe(true)
      await insertGeneration(db(), running(alice.id, 'k1'))
    })
  })

  describe('jobs', () => {
    async function newJob(userId: string, total: number) {
      return insertJobWithItems(
        db(),
        {
          id: createId('job'),
          user_id: userId,
          kind: 'batch',
          status: 'queued',
          total,
          request: {},
          idempotency_key: null,
          request_hash: null,
        },
        Array.from({ length: total }, (_, index) => ({ index, input: { prompt: `p${index}` }, units: 2 })),
      )
    }

    it('leases each item to one worker at a time, and lets another take it over once the lease expires', async () => {
      const user = await insertUser(db(), newUser())
      const job = await newJob(user.id, 3)
      const now = new Date('2026-11-25T12:00:00Z')
      const [a, b] = await Promise.all([
        claimJobItems(db(), { owner: 'a', leaseMs: 1000, limit: 2, now }),
        claimJobItems(db(), { owner: 'b', leaseMs: 1000, limit: 2, now }),
      ])
      const claimed = [...a!, ...b!].map((item) => item.index).sort()
      expect(claimed).toEqual([0, 1, 2])
      expect(await claimJobItems(db(), { owner: 'c', leaseMs: 1000, limit: 5, now })).toEqual([])
      expect(await renewJobItemLease(db(), job.id, a![0]!.index, { owner: 'a', leaseMs: 1000, now })).toBe(
        true,
      )
      expect(await renewJobItemLease(db(), job.id, a![0]!.index, { owner: 'b', leaseMs: 1000, now })).toBe(
        false,
      )
      const later = new Date(now.getTime() + 5000)
      const takenOver = await claimJobItems(db(), { owner: 'c', leaseMs: 1000, limit: 5, now: later })
      expect(takenOver.map((item) => item.lease_owner)).toEqual(['c', 'c', 'c'])
      // The old owner can no longer finish (or be charged for) an item it lost.
      expect(await finishJobItem(db(), job.id, a![0]!.index, 'a', { status: 'succeeded' })).toBeUndefined()
    })

    it('counts finished items and settles the job status', async () => {
      const user = await insertUser(db(), newUser())
      const job = await newJob(user.id, 2)
      const items = await claimJobItems(db(), { owner: 'w', leaseMs: 60_000, limit: 2 })
      const first = await finishJobItem(db(), job.id, items[0]!.index, 'w', {
        status: 'succeeded',
        imageIds: ['img_1'],
      })
      expect(first).toMatchObject({ status: 'running', done: 1, failed: 0, finished_at: null })
      const second = await finishJobItem(db(), job.id, items[1]!.index, 'w', {
        status: 'failed',
        errorCode: 'X',
      })
      expect(second).toMatchObject({ status: 'partial', done: 1, failed: 1 })
      expect(second?.finished_at).toBeInstanceOf(Date)
    })

    it('cancels the owner’s unfinished items only, and counts reserved units as used', async () => {
      const alice = await insertUser(db(), newUser())
      const bob = await insertUser(db(), newUser())
      const job = await newJob(alice.id, 3)
      const since = new Date(Date.now() - 60_000)
      expect(await sumUnitsUsedSince(db(), alice.id, since)).toBe(6)
      expect(await cancelJobForOwner(db(), bob.id, job.id)).toBeUndefined()
      const canceled = await cancelJobForOwner(db(), alice.id, job.id)
      expect(canceled?.job.status).toBe('canceled')
      expect(canceled?.canceled).toHaveLength(3)
      expect(await sumUnitsUsedSince(db(), alice.id, since)).toBe(0)
      expect(await claimJobItems(db(), { owner: 'w', leaseMs: 1000, limit: 5 })).toEqual([])
    })
  })

  describe('job events', () => {
    async function newJob(userId: string) {
      return insertJobWithItems(
        db(),
        {
          id: createId('job'),
          user_id: userId,
          kind: 'batch',
          status: 'queued',
          total: 1,
          request: {},
          idempotency_key: null,
          request_hash: null,
        },
        [],
      )
    }

    it('gives 20 concurrent appends distinct, consecutive seqs, each batch in one run', async () => {
      const user = await insertUser(db(), newUser())
      const job = await newJob(user.id)
      const appended = await Promise.all(
        Array.from({ length: 20 }, (_, writer) =>
          appendJobEvents(db(), job.id, [
            { type: 'item', payload: { writer, part: 0 } },
            { type: 'progress', payload: { writer, part: 1 } },
          ]),
        ),
      )
      const seqs = appended.flat().map((row) => row.seq)
      expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1))
      for (const rows of appended) {
        expect(rows.map((row) => row.payload)).toEqual([
          { writer: rows[0]!.payload.writer, part: 0 },
          { writer: rows[0]!.payload.writer, part: 1 },
        ])
        expect(rows[1]!.seq).toBe(rows[0]!.seq + 1)
      }
      const listed = await listJobEventsAfter(db(), job.id, 0)
      expect(listed.map((row) => row.seq)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1))
      expect((await listJobEventsAfter(db(), job.id, 37)).map((row) => row.seq)).toEqual([38, 39, 40])
      expect(listed[0]!.created_at).toBeInstanceOf(Date)
    })

    it('appends inside the caller’s transaction, and rolls back with it', async () => {
      const user = await insertUser(db(), newUser())
      const job = await newJob(user.id)
      await expect(
        db()
          .transaction()
          .execute(async (trx) => {
            await appendJobEvents(trx, job.id, [{ type: 'item', payload: { index: 0, status: 'failed' } }])
            throw new Error('roll back')
          }),
      ).rejects.toThrow('roll back')
      expect(await listJobEventsAfter(db(), job.id, 0)).toEqual([])
      await appendJobEvents(db(), job.id, [{ type: 'item', payload: { index: 0, status: 'succeeded' } }])
      await appendJobEvents(db(), job.id, [{ type: 'item', payload: { index: 1, status: 'failed' } }])
      expect(await summarizeJobEvents(db(), job.id)).toEqual({
        lastSeq: 2,
        succeeded: 1,
        failed: 1,
        finished: false,
      })
      await appendJobEvents(db(), job.id, [{ type: 'done', payload: { status: 'partial' } }])
      expect(await summarizeJobEvents(db(), job.id)).toMatchObject({ lastSeq: 3, finished: true })
      expect(await summarizeJobEvents(db(), 'job_missing')).toEqual({
        lastSeq: 0,
        succeeded: 0,
        failed: 0,
        finished: false,
      })
      await expect(appendJobEvents(db(), 'job_missing', [{ type: 'done', payload: {} }])).rejects.toThrow()
    })
  })

  describe('notifications', () => {
    it('lists only the owner’s, after a given one, oldest first; and pages newest first', async () => {
      const alice = await insertUser(db(), newUser())
      const bob = await insertUser(db(), newUser())
      const base = Date.parse('2026-03-01T00:00:00Z')
      const ids: string[] = []
      for (let index = 0; index < 5; index++) {
        const row = await insertNotification(db(), {
          id: `ntf_${index}`,
          user_id: alice.id,
          type: 'job.finished',
          title: `t${index}`,
          body: 'b',
          data: { index },
          read_at: null,
          created_at: new Date(base + index * MINUTE),
        })
        ids.push(row.id)
      }
      const other = await insertNotification(db(), {
        id: createId('ntf'),
        user_id: bob.id,
        type: 'x',
        title: 'bob',
        body: '',
        read_at: null,
      })
      expect(other.data).toEqual({})

      const all = await listNotificationsAfter(db(), alice.id)
      expect(all.map((row) => row.id)).toEqual(ids)
      expect(all[2]!.data).toEqual({ index: 2 })
      expect((await listNotificationsAfter(db(), alice.id, 'ntf_2')).map((row) => row.id)).toEqual([
        'ntf_3',
        'ntf_4',
      ])
      expect(await listNotificationsAfter(db(), alice.id, other.id)).toEqual([])
      expect(await listNotificationsAfter(db(), bob.id, 'ntf_0')).toEqual([])

      const first = await listNotificationsForOwner(db(), alice.id, { limit: 3 })
      expect(first.items.map((row) => row.id)).toEqual(['ntf_4', 'ntf_3', 'ntf_2'])
      const second = await listNotificationsForOwner(db(), alice.id, { limit: 3, cursor: first.nextCursor! })
      expect(second.items.map((row) => row.id)).toEqual(['ntf_1', 'ntf_0'])
      expect(second.nextCursor).toBeNull()
      await db().updateTable('notifications').set({ read_at: new Date() }).where('id', '=', 'ntf_4').execute()
      const unread = await listNotificationsForOwner(db(), alice.id, { limit: 10, unreadOnly: true })
      expect(unread.items.map((row) => row.id)).toEqual(['ntf_3', 'ntf_2', 'ntf_1', 'ntf_0'])
    })
  })

  describe('transactions', () => {
    it('keeps exactly the committed rows of 20 interleaved transactions', async () => {
      const user = await insertUser(db(), newUser())
      const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 5))
      const outcomes = await Promise.allSettled([
        ...Array.from({ length: 20 }, (_, index) =>
          db()
            .transaction()
            .execute(async (trx) => {
              await insertImages(trx, [newImage(user.id, { id: `img_tx_${index}_a` })])
              await pause()
              await insertImages(trx, [newImage(user.id, { id: `img_tx_${index}_b` })])
              if (index % 2 === 1) throw new Error(`roll back ${index}`)
            }),
        ),
        // Plain statements racing the transactions must neither wait forever nor be rolled back with them.
        ...Array.from({ length: 10 }, (_, index) =>
          pause().then(() => insertImages(db(), [newImage(user.id, { id: `img_plain_${index}` })])),
        ),
      ])
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(10)

      const stored = await db().selectFrom('images').select('id').where('user_id', '=', user.id).execute()
      const expected = [
        ...Array.from({ length: 10 }, (_, half) => [`img_tx_${half * 2}_a`, `img_tx_${half * 2}_b`]).flat(),
        ...Array.from({ length: 10 }, (_, index) => `img_plain_${index}`),
      ]
      expect(stored.map((row) => row.id).sort()).toEqual(expected.sort())
    })

    it('reports affected row counts', async () => {
      const user = await insertUser(db(), newUser())
      const inserted = await db()
        .insertInto('images')
        .values([newImage(user.id), newImage(user.id), newImage(user.id)])
        .executeTakeFirstOrThrow()
      expect(inserted.numInsertedOrUpdatedRows).toBe(3n)

      const updated = await db()
        .updateTable('images')
        .set({ provider: 'openai' })
        .where('user_id', '=', user.id)
        .executeTakeFirstOrThrow()
      expect(updated.numUpdatedRows).toBe(3n)

      const none = await db()
        .updateTable('images')
        .set({ provider: 'x' })
        .where('id', '=', 'img_missing')
        .executeTakeFirst()
      expect(none.numUpdatedRows).toBe(0n)

      const deleted = await db().deleteFrom('images').where('user_id', '=', user.id).executeTakeFirstOrThrow()
      expect(deleted.numDeletedRows).toBe(3n)
    })
  })

  describe('favorites and projects', () => {
    it('keeps favorites per owner, pages them by favorite date and files them in folders', async () => {
      const alice = await insertUser(db(), newUser({ name: 'Alice' }))
      const bob = await insertUser(db(), newUser({ name: 'Bob' }))
      const base = Date.parse('2026-03-01T00:00:00Z')
      const images = await insertImages(
        db(),
        Array.from({ length: 5 }, (_, index) =>
          newImage(alice.id, { created_at: new Date(base + index * 1000) }),
        ),
      )
      const ids = images.map((image) => image.id)
      const folder = await insertFavoriteFolder(db(), {
        id: createId('fld'),
        user_id: alice.id,
        name: 'Best',
      })
      await expect(
        insertFavoriteFolder(db(), { id: createId('fld'), user_id: alice.id, name: 'Best' }),
      ).rejects.toSatisfy(isUniqueViolation)
      await insertFavoriteFolder(db(), { id: createId('fld'), user_id: bob.id, name: 'Best' })

      expect(await upsertFavorites(db(), alice.id, ids.slice(0, 3))).toBe(3)
      expect(await upsertFavorites(db(), alice.id, ids.slice(0, 3))).toBe(0)
      expect(await upsertFavorites(db(), alice.id, [ids[0]!], folder.id)).toBe(1)
      expect(await moveFavorites(db(), alice.id, [ids[1]!, ids[0]!], folder.id)).toBe(1)
      expect(await findFavoritedImageIds(db(), alice.id, ids)).toHaveLength(3)
      expect(await findFavoritedImageIds(db(), bob.id, ids)).toEqual([])
      expect(await findFavoriteForOwner(db(), bob.id, ids[0]!)).toBeUndefined()
      expect(await findFavoriteForOwner(db(), alice.id, ids[0]!)).toMatchObject({
        id: ids[0],
        folder_id: folder.id,
      })
      expect((await listFavoritesForOwner(db(), bob.id, { limit: 10 })).items).toEqual([])

      // One statement gave them one favorite date: the image id orders them, across pages.
      const first = await listFavoritesForOwner(db(), alice.id, { limit: 2 })
      const second = await listFavoritesForOwner(db(), alice.id, { limit: 2, cursor: first.nextCursor! })
      expect(second.nextCursor).toBeNull()
      expect([...first.items, ...second.items].map((row) => row.id)).toEqual(ids.slice(0, 3).sort().reverse())
      expect(first.items[0]).not.toHaveProperty('search')
      const filed = await listFavoritesForOwner(db(), alice.id, { limit: 10, folderId: folder.id })
      expect(filed.items.map((row) => row.id).sort()).toEqual([ids[0], ids[1]].sort())
      const loose = await listFavoritesForOwner(db(), alice.id, { limit: 10, folderId: null })
      expect(loose.items.map((row) => row.id)).toEqual([ids[2]])
      expect((await listFavoriteFoldersForOwner(db(), alice.id, { limit: 10 })).items).toMatchObject([
        { id: folder.id, favorite_count: 2 },
      ])

      // An image deleted leaves the favorites; a folder deleted leaves its favorites in no folder.
      await deleteImageForOwner(db(), alice.id, ids[1]!)
      expect(
        await deleteFavoriteFolderForOwner(db(), bob.id, folder.id, { deleteFavorites: true }),
      ).toBeUndefined()
      expect(await deleteFavoriteFolderForOwner(db(), alice.id, folder.id, { deleteFavorites: false })).toBe(
        1,
      )
      expect(await findFavoriteForOwner(db(), alice.id, ids[0]!)).toMatchObject({ folder_id: null })
      expect(await deleteFavorites(db(), bob.id, ids)).toBe(0)
      expect(await deleteFavorites(db(), alice.id, ids)).toBe(2)
    })

    it('adds only the owner’s images to the owner’s projects and filters the library by project', async () => {
      const alice = await insertUser(db(), newUser({ name: 'Alice' }))
      const bob = await insertUser(db(), newUser({ name: 'Bob' }))
      const [a, b, c] = await insertImages(db(), [newImage(alice.id), newImage(alice.id), newImage(alice.id)])
      const [bobs] = await insertImages(db(), [newImage(bob.id)])
      const project = await insertProject(db(), {
        id: createId('prj'),
        user_id: alice.id,
        name: 'Launch',
        description: null,
      })
      expect(await lockImageIdsForOwner(db(), alice.id, [a!.id, bobs!.id])).toEqual([a!.id])
      expect(await addImagesToProject(db(), bob.id, project.id, [bobs!.id])).toBe(0)
      expect(await addImagesToProject(db(), alice.id, project.id, [a!.id, b!.id, bobs!.id])).toBe(2)
      expect(await addImagesToProject(db(), alice.id, project.id, [a!.id])).toBe(0)
      expect(await findProjectForOwner(db(), bob.id, project.id)).toBeUndefined()
      expect(await findProjectForOwner(db(), alice.id, project.id)).toMatchObject({ image_count: 2 })
      expect((await listProjectsForOwner(db(), alice.id, { limit: 10 })).items).toMatchObject([
        { id: project.id, image_count: 2 },
      ])
      const listed = await listProjectImagesForOwner(db(), alice.id, project.id, { limit: 1 })
      const rest = await listProjectImagesForOwner(db(), alice.id, project.id, {
        limit: 1,
        cursor: listed.nextCursor!,
      })
      expect([...listed.items, ...rest.items].map((row) => row.id).sort()).toEqual([a!.id, b!.id].sort())
      expect((await listProjectImagesForOwner(db(), bob.id, project.id, { limit: 10 })).items).toEqual([])
      const inProject = await listImagesForOwner(db(), alice.id, { limit: 10, projectId: project.id })
      expect(inProject.items.map((row) => row.id).sort()).toEqual([a!.id, b!.id].sort())
      expect((await listImagesForOwner(db(), bob.id, { limit: 10, projectId: project.id })).items).toEqual([])

      expect(await updateProjectForOwner(db(), bob.id, project.id, { name: 'Hacked' })).toBeUndefined()
      expect(
        await updateProjectForOwner(db(), alice.id, project.id, { description: 'Spring' }),
      ).toMatchObject({
        name: 'Launch',
        description: 'Spring',
      })
      expect(await removeImagesFromProject(db(), alice.id, project.id, [a!.id, c!.id])).toBe(1)
      await deleteImageForOwner(db(), alice.id, b!.id)
      expect(await findProjectForOwner(db(), alice.id, project.id)).toMatchObject({ image_count: 0 })
      expect(await deleteProjectForOwner(db(), bob.id, project.id)).toBe(false)
      expect(await deleteProjectForOwner(db(), alice.id, project.id)).toBe(true)
      expect(await findImageForOwner(db(), alice.id, c!.id)).toBeDefined()
    })
  })
}
