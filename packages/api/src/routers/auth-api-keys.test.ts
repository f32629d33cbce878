import { listAuditEntries } from '@nbl/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../test/errors.js'
import { anonymousCaller, createHarness, type Harness } from '../../test/harness.js'
import { authenticate } from '../context.js'

let harness: Harness

beforeAll(async () => {
  harness = await createHarness()
})
afterAll(() => harness.close())

describe('auth.apiKeys', () => {
  it('creates a key whose secret is shown once and works at once', async () => {
    const owner = await harness.createUser({ name: 'alice' })
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString()
    const key = await owner.caller.auth.apiKeys.create({ name: 'laptop', expiresAt })
    expect(key.secret).toMatch(/^nbl_/)
    expect(key.secret.startsWith(key.prefix)).toBe(true)
    expect(key.expiresAt).toBe(expiresAt)
    expect(await authenticate(harness.deps, key.secret)).toMatchObject({
      id: owner.user.id,
      apiKeyId: key.id,
    })

    const { items } = await owner.caller.auth.apiKeys.list()
    const listed = items.find((item) => item.id === key.id)
    expect(listed).toEqual({
      id: key.id,
      name: 'laptop',
      prefix: key.prefix,
      createdAt: key.createdAt,
      lastUsedAt: expect.any(String),
      expiresAt,
      revokedAt: null,
    })
    const serialized = JSON.stringify(items)
    expect(serialized).not.toContain(key.secret)
    expect(serialized).not.toContain('hash')
  })

  it('refuses an expiry in the past', async () => {
    const { caller } = await harness.createUser()
    const error = await expectAppError(
      caller.auth.apiKeys.create({ name: 'old', expiresAt: new Date(Date.now() - 1000).toISOString() }),
    )
    expect(error.appCode).toBe('VALIDATION')
  })

  it('revokes a key, which stops authenticating at once', async () => {
    const owner = await harness.createUser()
    const key = await owner.caller.auth.apiKeys.create({ name: 'ci' })
    expect(await authenticate(harness.deps, key.secret)).not.toBeNull()
    expect(await owner.caller.auth.apiKeys.revoke({ keyId: key.id })).toEqual({ ok: true })
    expect(await authenticate(harness.deps, key.secret)).toBeNull()
    const { items } = await owner.caller.auth.apiKeys.list()
    expect(items.find((item) => item.id === key.id)?.revokedAt).toEqual(expect.any(String))
  })

  it("answers NOT_FOUND for another user's key and changes nothing", async () => {
    const alice = await harness.createUser({ name: 'alice' })
    const bob = await harness.createUser({ name: 'bob' })
    const key = await alice.caller.auth.apiKeys.create({ name: 'mine' })
    const error = await expectAppError(bob.caller.auth.apiKeys.revoke({ keyId: key.id }))
    expect(error).toMatchObject({ trpcCode: 'NOT_FOUND', appCode: 'NOT_FOUND' })
    expect(await authenticate(harness.deps, key.secret)).toMatchObject({ id: alice.user.id })
    expect((await bob.caller.auth.apiKeys.list()).items.map((item) => item.id)).not.toContain(key.id)
    const missing = await expectAppError(bob.caller.auth.apiKeys.revoke({ keyId: 'key_missing' }))
    expect(missing.appCode).toBe('NOT_FOUND')
  })

  it('audits creation and revocation without secrets', async () => {
    const owner = await harness.createUser()
    const key = await owner.caller.auth.apiKeys.create({ name: 'audited' })
    await owner.caller.auth.apiKeys.revoke({ keyId: key.id })
    const entries = await listAuditEntries(harness.database.db, { actorId: owner.user.id })
    // Same-millisecond entries have no defined order: compare as sorted lists.
    expect(entries.map((entry) => [entry.action, entry.target_type, entry.target_id]).sort()).toEqual([
      ['auth.apiKeys.create', 'api_key', key.id],
      ['auth.apiKeys.revoke', 'api_key', key.id],
    ])
    expect(JSON.stringify(entries)).not.toContain(key.secret)
  })

  it('needs a caller', async () => {
    const error = await expectAppError(anonymousCaller(harness).auth.apiKeys.list())
    expect(error).toMatchObject({ trpcCode: 'UNAUTHORIZED', appCode: 'UNAUTHENTICATED' })
  })
})

describe('auth.me', () => {
  it('describes the caller', async () => {
    const { caller, user } = await harness.createUser({ name: 'carol' })
    expect(await caller.auth.me()).toMatchObject({
      id: user.id,
      name: 'carol',
      role: 'user',
      tier: 'free',
      authMethod: 'apiKey',
    })
  })
})

describe('admin audit', () => {
  it('records admin.users.create and admin.users.issueApiKey', async () => {
    const admin = await harness.createUser({ role: 'admin', tier: 'unlimited' })
    const account = await admin.caller.admin.users.create({ name: 'bot' })
    const key = await admin.caller.admin.users.issueApiKey({ userId: account.id, name: 'pipeline' })
    const entries = await listAuditEntries(harness.database.db, { actorId: admin.user.id })
    expect(entries.map((entry) => [entry.action, entry.target_id]).sort()).toEqual([
      ['admin.users.create', account.id],
      ['admin.users.issueApiKey', key.id],
    ])
    expect(JSON.stringify(entries)).not.toContain(key.secret)
  })
})
