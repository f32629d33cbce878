import { ProviderError } from '@nbl/providers'
import { createScriptedProvider } from '@nbl/providers/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { expectAppError } from '../../../test/errors.js'
import { createHarness, type Harness } from '../../../test/harness.js'
import { requestHash, settledGenerationForKey } from './idempotency.js'

let harness: Harness

beforeAll(async () => {
  harness = await createHarness({
    free: { dailyLimit: 3, cooldownSeconds: 0 },
  })
})
afterAll(() => harness.close())

const MINUTE = 60_000

/** The generations a user holds under an idempotency key. */
function rowsForKey(userId: string, key: string) {
  return harness.database.db
    .selectFrom('generations')
    .select(['id', 'status'])
    .where('user_id', '=', userId)
    .where('idempotency_key', '=', key)
    .execute()
}

/** Turns a finished generation back into the `running` claim a crashed process leaves, `ageMs` old. */
async function leaveRunning(id: string, ageMs: number) {
  await harness.database.db
    .updateTable('generations')
    .set({ status: 'running', finished_at: null, created_at: new Date(Date.now() - ageMs) })
    .where('id', '=', id)
    .execute()
}

describe('requestHash', () => {
  it('ignores key order and undefined fields, but not values', () => {
    expect(requestHash({ a: 1, b: { c: [1, 2], d: undefined } })).toBe(
      requestHash({ b: { c: [1, 2] }, a: 1 }),
    )
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }))
  })
})

describe('idempotencyKey on generate.image', () => {
  it('replays the first outcome without generating or charging again', async () => {
    const { caller } = await harness.createUser()
    const first = await caller.generate.image({ prompt: 'once', idempotencyKey: 'req-1' })
    const again = await caller.generate.image({ prompt: 'once', idempotencyKey: 'req-1' })
    expect(first.replayed).toBe(false)
    expect(again).toMatchObject({ id: first.id, replayed: true, provider: first.provider })
    expect(again.images.map((image) => image.id)).toEqual(first.images.map((image) => image.id))
    expect((await caller.quota.status()).used).toBe(1)
    expect((await caller.library.history.list({})).items).toHaveLength(1)
  })

  it('generates once for concurrent calls with one key', async () => {
    const { caller } = await harness.createUser()
    const results = await Promise.all(
      Array.from({ length: 8 }, () => caller.generate.image({ prompt: 'racing', idempotencyKey: 'race' })),
    )
    expect(new Set(results.map((result) => result.id)).size).toBe(1)
    expect(results.filter((result) => !result.replayed)).toHaveLength(1)
    expect((await caller.quota.status()).used).toBe(1)
  })

  it('answers CONFLICT when the key comes back with a different input', async () => {
    const { caller } = await harness.createUser()
    await caller.generate.image({ prompt: 'first input', idempotencyKey: 'k' })
    const error = await expectAppError(caller.generate.image({ prompt: 'other input', idempotencyKey: 'k' }))
    expect(error).toMatchObject({ trpcCode: 'CONFLICT', appCode: 'IDEMPOTENCY_CONFLICT' })
    expect((await caller.quota.status()).used).toBe(1)
  })

  it('keys are per user', async () => {
    const alice = await harness.createUser()
    const bob = await harness.createUser()
    const a = await alice.caller.generate.image({ prompt: 'mine', idempotencyKey: 'shared' })
    const b = await bob.caller.generate.image({ prompt: 'theirs', idempotencyKey: 'shared' })
    expect(b.id).not.toBe(a.id)
  })

  it('does not hold a key that was refused by the quota', async () => {
    const { caller, user } = await harness.createUser()
    await caller.generate.image({ prompt: 'big', count: 3 })
    const error = await expectAppError(caller.generate.image({ prompt: 'over', idempotencyKey: 'later' }))
    expect(error.appCode).toBe('QUOTA_EXCEEDED')
    const held = await harness.database.db
      .selectFrom('generations')
      .select('id')
      .where('user_id', '=', user.id)
      .where('idempotency_key', '=', 'later')
      .execute()
    expect(held).toEqual([])
  })

  it('replays a provider failure without calling the provider again', async () => {
    const provider = createScriptedProvider({
      name: 'openai',
      outcomes: [
        new ProviderError({ provider: 'openai', errorClass: 'auth', message: 'bad key', status: 401 }),
      ],
    })
    const failing = await createHarness({ includeLocal: false, providers: [provider] })
    try {
      const { caller } = await failing.createUser()
      const first = await expectAppError(caller.generate.image({ prompt: 'x', idempotencyKey: 'f' }))
      const second = await expectAppError(caller.generate.image({ prompt: 'x', idempotencyKey: 'f' }))
      expect(first.appCode).toBe('PROVIDERS_FAILED')
      expect(second).toMatchObject({ appCode: 'PROVIDERS_FAILED', message: first.message })
      expect(provider.calls).toHaveLength(1)
      expect((await caller.quota.status()).used).toBe(0)
    } finally {
      await failing.close()
    }
  })

  it('releases the claim when the quota store throws, so a retry can run', async () => {
    const { caller, user } = await harness.createUser()
    const reserve = vi
      .spyOn(harness.deps.quota, 'reserve')
      .mockRejectedValueOnce(new Error('quota store unavailable'))
    try {
      const error = await expectAppError(
        caller.generate.image({ prompt: 'retry me', idempotencyKey: 'down' }),
      )
      expect(error.appCode).toBe('INTERNAL')
      expect(await rowsForKey(user.id, 'down')).toEqual([])
    } finally {
      reserve.mockRestore()
    }
    const retried = await caller.generate.image({ prompt: 'retry me', idempotencyKey: 'down' })
    expect(retried.replayed).toBe(false)
    expect((await caller.quota.status()).used).toBe(1)
  })

  it('runs again when the key is held by a running claim a crash left behind', async () => {
    const { caller, user } = await harness.createUser()
    const first = await caller.generate.image({ prompt: 'crashed', idempotencyKey: 'stale' })
    await leaveRunning(first.id, 11 * MINUTE)
    const again = await caller.generate.image({ prompt: 'crashed', idempotencyKey: 'stale' })
    expect(again.replayed).toBe(false)
    expect(again.id).not.toBe(first.id)
    expect(await rowsForKey(user.id, 'stale')).toEqual([{ id: again.id, status: 'succeeded' }])
  })

  it('waits for a running claim younger than the stale threshold, and keeps it', async () => {
    const { caller, user } = await harness.createUser()
    const first = await caller.generate.image({ prompt: 'busy', idempotencyKey: 'busy' })
    await leaveRunning(first.id, 2 * MINUTE)
    const { request_hash: hash } = await harness.database.db
      .selectFrom('generations')
      .select('request_hash')
      .where('id', '=', first.id)
      .executeTakeFirstOrThrow()
    const wait = (staleAfterMs?: number) =>
      settledGenerationForKey(harness.deps, user.id, 'busy', hash ?? '', {
        pollMs: 1,
        timeoutMs: 20,
        ...(staleAfterMs === undefined ? {} : { staleAfterMs }),
      })
    expect(await wait().catch((caught: unknown) => caught)).toMatchObject({ appCode: 'IDEMPOTENCY_CONFLICT' })
    expect(await rowsForKey(user.id, 'busy')).toEqual([{ id: first.id, status: 'running' }])
    expect(await wait(MINUTE)).toBeUndefined()
    expect(await rowsForKey(user.id, 'busy')).toEqual([])
  })

  it('answers QUOTA_EXCEEDED to every concurrent call with one key when no quota is left', async () => {
    const { caller, user } = await harness.createUser()
    await caller.generate.image({ prompt: 'big', count: 3 })
    const errors = await Promise.all(
      Array.from({ length: 8 }, () =>
        expectAppError(caller.generate.image({ prompt: 'denied', idempotencyKey: 'empty' })),
      ),
    )
    expect(errors.map((error) => error.appCode)).toEqual(Array(8).fill('QUOTA_EXCEEDED'))
    expect(await rowsForKey(user.id, 'empty')).toEqual([])
  })
})
