import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../../test/errors.js'
import { createHarness, type Harness } from '../../../test/harness.js'

let harness: Harness

beforeAll(async () => {
  harness = await createHarness()
})
afterAll(() => harness.close())

describe('admin.users', () => {
  it('creates a service account and issues it a working key, shown once and stored hashed', async () => {
    const { caller } = await harness.createUser({ role: 'admin', tier: 'unlimited' })
    const account = await caller.admin.users.create({ name: 'ci-bot', tier: 'pro' })
    expect(account).toMatchObject({ name: 'ci-bot', role: 'user', tier: 'pro', isServiceAccount: true })
    const key = await caller.admin.users.issueApiKey({ userId: account.id, name: 'pipeline' })
    expect(key.secret).toMatch(/^nbl_/)
    expect(key.secret.startsWith(key.prefix)).toBe(true)
    const stored = await harness.database.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow()
    expect(stored.secret_hash).not.toContain(key.secret)
    expect(JSON.stringify(stored)).not.toContain(key.secret)
    expect(await harness.deps.apiKeys.authenticate(key.secret)).toMatchObject({ id: account.id, tier: 'pro' })
  })

  it('makes admins unlimited by default', async () => {
    const { caller } = await harness.createUser({ role: 'admin', tier: 'unlimited' })
    expect(await caller.admin.users.create({ name: 'ops', role: 'admin' })).toMatchObject({
      role: 'admin',
      tier: 'unlimited',
    })
  })

  it('answers NOT_FOUND for a key for a user that does not exist', async () => {
    const { caller } = await harness.createUser({ role: 'admin', tier: 'unlimited' })
    const error = await expectAppError(caller.admin.users.issueApiKey({ userId: 'usr_missing', name: 'x' }))
    expect(error.appCode).toBe('NOT_FOUND')
  })

  it('refuses every admin procedure to a non-admin with FORBIDDEN', async () => {
    const { caller, user } = await harness.createUser()
    for (const attempt of [
      caller.admin.users.create({ name: 'sneaky', role: 'admin' }),
      caller.admin.users.issueApiKey({ userId: user.id, name: 'x' }),
    ]) {
      expect(await expectAppError(attempt)).toMatchObject({ trpcCode: 'FORBIDDEN', appCode: 'FORBIDDEN' })
    }
    const count = await harness.database.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('name', '=', 'sneaky')
      .executeTakeFirstOrThrow()
    expect(Number(count.n)).toBe(0)
  })
})
