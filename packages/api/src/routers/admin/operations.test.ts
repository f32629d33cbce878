/** admin.users list/get/setTier/adjustQuota, admin.quota.reset, admin.providers, admin.system. */
import { createLocalProvider, createProviderRouter } from '@nbl/providers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../../test/errors.js'
import { createHarness, type Harness } from '../../../test/harness.js'
import { followProviderControl } from '../../services/admin/provider-control.js'

let harness: Harness

beforeAll(async () => {
  harness = await createHarness({ free: { cooldownSeconds: 0, dailyLimit: 3 } })
})
afterAll(() => harness.close())

async function auditActions(targetId: string): Promise<string[]> {
  const rows = await harness.database.db
    .selectFrom('audit_log')
    .select('action')
    .where('target_id', '=', targetId)
    .orderBy('created_at')
    .execute()
  return rows.map((row) => row.action)
}

describe('admin.users', () => {
  it('lists users page by page and gets one with its quota', async () => {
    const admin = await harness.createUser({ role: 'admin', tier: 'unlimited' })
    for (let index = 0; index < 3; index++) await harness.createUser({ name: `listed-${index}` })
    const first = await admin.caller.admin.users.list({ limit: 2 })
    expect(first.items).toHaveLength(2)
    expect(first.nextCursor).not.toBeNull()
    const second = await admin.caller.admin.users.list({ limit: 2, cursor: first.nextCursor ?? undefined })
    expect(second.items.map((user) => user.id)).not.toContain(first.items[0]?.id)
    const { user } = await harness.createUser({ name: 'target' })
    expect(await admin.caller.admin.users.get({ userId: user.id })).toMatchObject({
      id: user.id,
      name: 'target',
      tier: 'free',
      quota: { limit: 3, used: 0 },
    })
    expect((await expectAppError(admin.caller.admin.users.get({ userId: 'usr_missing' }))).appCode).toBe(
      'NOT_FOUND',
    )
    const badCursor = await expectAppError(admin.caller.admin.users.list({ cursor: 'garbage' }))
    expect(badCursor.appCode).toBe('VALIDATION')
  })

  it('changes a tier, audited, and the new limit applies', async () => {
    const admin = await harness.createUser({ role: 'admin', tier: 'unlimited' })
    const { user } = await harness.createUser()
    expect(await admin.caller.admin.users.setTier({ userId: user.id, tier: 'pro' })).toMatchObject({
      tier: 'pro',
    })
    expect(await admin.caller.admin.users.get({ userId: user.id })).toMatchObject({ quota: { limit: 500 } })
    expect(await auditActions(user.id)).toEqual(['admin.users.setTier'])
  })

  it('adds a one-day adjustment to the daily limit, and reset clears the usage', async () => {
    const admin = await harness.createUser({ role: 'admin', tier: 'unlimited' })
    const { user, caller } = await harness.createUser()
    await caller.generate.image({ prompt: 'one', count: 3 })
    expect((await expectAppError(caller.generate.image({ prompt: 'two' }))).appCode).toBe('QUOTA_EXCEEDED')

    const adjusted = await admin.caller.admin.users.adjustQuota({ userId: user.id, units: 2 })
    expect(adjusted).toMatchObject({ adjustment: 2, quota: { limit: 5, used: 3, remaining: 2 } })
    expect((await caller.generate.image({ prompt: 'two', count: 2 })).quota).toMatchObject({
      limit: 5,
      used: 5,
    })
    expect((await expectAppError(caller.generate.image({ prompt: 'three' }))).appCode).toBe('QUOTA_EXCEEDED')

    expect(await admin.caller.admin.quota.reset({ userId: user.id })).toMatchObject({ used: 0, limit: 5 })
    expect((await caller.generate.image({ prompt: 'after reset' })).quota.used).toBe(1)
    expect(await auditActions(user.id)).toEqual(['admin.users.adjustQuota', 'admin.quota.reset'])
  })
})

describe('admin.providers and admin.system', () => {
  it('lists providers with breaker and health, and disabling one takes effect', async () => {
    const admin = await harness.createUser({ role: 'admin', tier: 'unlimited' })
    const { items } = await admin.caller.admin.providers.list()
    expect(items).toEqual([
      expect.objectContaining({
        name: 'local',
        enabled: true,
        breaker: { image: 'closed' },
        health: expect.any(Object),
      }),
    ])
    expect(await admin.caller.admin.providers.setEnabled({ provider: 'local', enabled: false })).toEqual({
      provider: 'local',
      enabled: false,
    })
    const { caller } = await harness.createUser()
    expect((await expectAppError(caller.generate.image({ prompt: 'off' }))).appCode).toBe(
      'NO_CAPABLE_PROVIDER',
    )
    await admin.caller.admin.providers.setEnabled({ provider: 'local', enabled: true })
    expect((await caller.generate.image({ prompt: 'on' })).provider).toBe('local')
    const unknown = await expectAppError(
      admin.caller.admin.providers.setEnabled({ provider: 'kling', enabled: true }),
    )
    expect(unknown.appCode).toBe('NOT_FOUND')
    expect(await auditActions('local')).toEqual(['admin.providers.setEnabled', 'admin.providers.setEnabled'])
  })

  it('propagates a provider change to another instance through the event bus', async () => {
    const other = createProviderRouter({ providers: [createLocalProvider()] })
    const stop = await followProviderControl({ providers: other, events: harness.deps.events })
    try {
      const admin = await harness.createUser({ role: 'admin', tier: 'unlimited' })
      await admin.caller.admin.providers.setEnabled({ provider: 'local', enabled: false })
      await expect.poll(() => other.listProviders()[0]?.enabled).toBe(false)
      await admin.caller.admin.providers.setEnabled({ provider: 'local', enabled: true })
      await expect.poll(() => other.listProviders()[0]?.enabled).toBe(true)
    } finally {
      await stop()
    }
  })

  it('reports readiness, queue depth and breaker states', async () => {
    const admin = await harness.createUser({ role: 'admin', tier: 'unlimited' })
    const before = await admin.caller.admin.system.status()
    expect(before).toMatchObject({
      ready: true,
      checks: { database: { ok: true } },
      providers: [{ name: 'local', enabled: true, breaker: { image: 'closed' } }],
    })
    // The harness's job scheduler is idle: submitted items stay queued.
    await admin.caller.generate.batch({ items: [{ prompt: 'a' }, { prompt: 'b' }] })
    const after = await admin.caller.admin.system.status()
    expect(after.queue.depth).toBe(before.queue.depth + 2)
  })
})
