/**
 * The security matrix: every procedure of the real router tree has an entry saying who may call it.
 * A procedure without an entry fails the test, by path: add one when you add a procedure.
 *
 * - `public`: callable without credentials.
 * - `admin`: a non-admin gets FORBIDDEN and nothing in the database changes.
 * - `owned`: user A creates a resource; user B calling with A's id gets NOT_FOUND and A's resource
 *   is unchanged.
 * - `authed-no-resource`: needs a caller, names no resource of another user.
 * Every entry but `public` also answers UNAUTHORIZED to a caller without credentials.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appErrorOf } from '../test/errors.js'
import { anonymousCaller, createHarness, type Harness, type TestUser } from '../test/harness.js'
import { analyticsMatrix } from '../test/security-matrix/analytics.js'
import { type Entry, ownedChat, ownedImage, ownedJob } from '../test/security-matrix/entries.js'
import { libraryCollectionsMatrix } from '../test/security-matrix/library-collections.js'
import { libraryContentMatrix } from '../test/security-matrix/library-content.js'
import { librarySearchMatrix } from '../test/security-matrix/library-search.js'
import { notificationsAdminMatrix } from '../test/security-matrix/notifications-admin.js'
import { appRouter } from './routers/_app.js'

type Caller = TestUser['caller']

const MATRIX: Record<string, Entry> = {
  // The generation procedures take A's image as a reference (video: as its first frame).
  'generate.image': {
    kind: 'owned',
    setup: async (owner) => {
      const { imageId, snapshot } = await ownedImage(owner)
      return { input: { prompt: 'steal', referenceImages: [{ imageId }] }, snapshot }
    },
  },
  'generate.search': {
    kind: 'owned',
    setup: async (owner) => {
      const { imageId, snapshot } = await ownedImage(owner)
      return { input: { prompt: 'steal', referenceImages: [{ imageId }] }, snapshot }
    },
  },
  'generate.video': {
    kind: 'owned',
    setup: async (owner) => {
      const { imageId, snapshot } = await ownedImage(owner)
      return { input: { prompt: 'steal', imageId }, snapshot }
    },
  },
  // Batch items' references are resolved by the worker as the job's owner, not at submission.
  'generate.batch': { kind: 'authed-no-resource' },
  'generate.jobs.get': {
    kind: 'owned',
    setup: async (owner) => {
      const { jobId, snapshot } = await ownedJob(owner)
      return { input: { jobId }, snapshot }
    },
  },
  'generate.jobs.cancel': {
    kind: 'owned',
    setup: async (owner) => {
      const { jobId, snapshot } = await ownedJob(owner)
      return { input: { jobId }, snapshot }
    },
  },
  'generate.jobs.events': {
    kind: 'owned',
    setup: async (owner) => {
      const { jobId, snapshot } = await ownedJob(owner)
      return { input: { jobId }, snapshot }
    },
  },
  'generate.jobs.list': { kind: 'authed-no-resource' },
  'quota.status': { kind: 'authed-no-resource' },
  'quota.check': { kind: 'authed-no-resource' },
  'quota.config': { kind: 'public' },
  'library.history.list': { kind: 'authed-no-resource' },
  'library.history.get': {
    kind: 'owned',
    setup: async (owner) => {
      const { imageId, snapshot } = await ownedImage(owner)
      return { input: { imageId }, snapshot }
    },
  },
  'library.history.delete': {
    kind: 'owned',
    setup: async (owner) => {
      const { imageId, snapshot } = await ownedImage(owner)
      return { input: { imageId }, snapshot }
    },
  },
  'notifications.list': { kind: 'authed-no-resource' },
  'notifications.stream': { kind: 'authed-no-resource' },
  'health.live': { kind: 'public' },
  'health.ready': { kind: 'public' },
  'health.detailed': { kind: 'public' },
  'auth.loginUrl': { kind: 'public' },
  'auth.callback': { kind: 'public' },
  // Refresh and logout authenticate by the refresh token in the input, not by a caller.
  'auth.refresh': { kind: 'public' },
  'auth.logout': { kind: 'public' },
  'auth.me': { kind: 'authed-no-resource' },
  'auth.apiKeys.list': { kind: 'authed-no-resource' },
  'auth.apiKeys.create': { kind: 'authed-no-resource' },
  'auth.apiKeys.revoke': {
    kind: 'owned',
    setup: async (owner) => {
      const key = await owner.caller.auth.apiKeys.create({ name: 'owned by A' })
      return { input: { keyId: key.id }, snapshot: () => owner.caller.auth.apiKeys.list() }
    },
  },
  'admin.users.create': { kind: 'admin', input: () => ({ name: 'sneaky', role: 'admin' }) },
  'admin.users.issueApiKey': {
    kind: 'admin',
    input: ({ self }) => ({ userId: self.user.id, name: 'sneaky' }),
  },
  'admin.users.list': { kind: 'admin', input: () => ({}) },
  'admin.users.get': { kind: 'admin', input: ({ self }) => ({ userId: self.user.id }) },
  'admin.users.setTier': {
    kind: 'admin',
    input: ({ self }) => ({ userId: self.user.id, tier: 'unlimited' }),
  },
  'admin.users.adjustQuota': { kind: 'admin', input: ({ self }) => ({ userId: self.user.id, units: 1000 }) },
  'admin.quota.reset': { kind: 'admin', input: ({ self }) => ({ userId: self.user.id }) },
  'admin.providers.list': { kind: 'admin', input: () => undefined },
  'admin.providers.setEnabled': { kind: 'admin', input: () => ({ provider: 'local', enabled: false }) },
  'admin.system.status': { kind: 'admin', input: () => undefined },
  'account.settings.get': { kind: 'authed-no-resource' },
  'account.settings.update': { kind: 'authed-no-resource' },
  'account.providers.get': { kind: 'authed-no-resource' },
  'account.providers.update': { kind: 'authed-no-resource' },
  'chat.create': { kind: 'authed-no-resource' },
  'chat.list': { kind: 'authed-no-resource' },
  'chat.get': {
    kind: 'owned',
    setup: async (owner) => {
      const { sessionId, snapshot } = await ownedChat(owner)
      return { input: { sessionId }, snapshot }
    },
  },
  'chat.send': {
    kind: 'owned',
    setup: async (owner) => {
      const { sessionId, snapshot } = await ownedChat(owner)
      return { input: { sessionId, message: 'steal' }, snapshot }
    },
  },
  'chat.delete': {
    kind: 'owned',
    setup: async (owner) => {
      const { sessionId, snapshot } = await ownedChat(owner)
      return { input: { sessionId }, snapshot }
    },
  },
  ...libraryCollectionsMatrix,
  ...libraryContentMatrix,
  ...librarySearchMatrix,
  ...notificationsAdminMatrix,
  ...analyticsMatrix,
}

// At run time `_def.procedures` is flat, keyed by the full dotted path.
const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>
const paths = Object.keys(procedures).sort()

/** Calls `path` on a createCaller caller; a subscription's stream is closed at once. */
async function call(caller: Caller, path: string, input: unknown): Promise<unknown> {
  let target: unknown = caller
  for (const part of path.split('.')) target = (target as Record<string, unknown>)[part]
  const result = await (target as (input: unknown) => Promise<unknown>)(input)
  if (procedures[path]?._def.type === 'subscription') {
    await (result as AsyncIterable<unknown>)[Symbol.asyncIterator]().return?.()
  }
  return result
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    return appErrorOf(error)
  }
  return undefined
}

let harness: Harness

/** Row counts of every table: "nothing changed" for admin refusals. */
async function fingerprint(): Promise<Record<string, number>> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(harness.deps.db)
  const counts: Record<string, number> = {}
  for (const { table_name } of tables.rows) {
    const { rows } = await sql<{
      n: string | number
    }>`select count(*) as n from ${sql.table(table_name)}`.execute(harness.deps.db)
    counts[table_name] = Number(rows[0]?.n)
  }
  return counts
}

beforeAll(async () => {
  harness = await createHarness({ free: { cooldownSeconds: 0, dailyLimit: 10_000 } })
})
afterAll(() => harness.close())

describe('security matrix', () => {
  it('has an entry for every procedure of the router tree', () => {
    expect(paths.length).toBeGreaterThan(0)
    const missing = paths.filter((path) => !(path in MATRIX))
    expect(missing, `procedures without a security-matrix entry: ${missing.join(', ')}`).toEqual([])
    // And no stale entries for procedures that are gone.
    expect(Object.keys(MATRIX).filter((path) => !paths.includes(path))).toEqual([])
  })

  it.each(paths)('%s', async (path) => {
    const entry = MATRIX[path]
    if (!entry) throw new Error(`${path} has no security-matrix entry: add one`)
    const anonymous = anonymousCaller(harness)

    if (entry.kind === 'public') {
      const error = await failure(call(anonymous, path, undefined))
      expect(error?.trpcCode).not.toBe('UNAUTHORIZED')
      return
    }

    const withoutCredentials = await failure(call(anonymous, path, {}))
    expect(withoutCredentials, `${path} without credentials`).toMatchObject({
      trpcCode: 'UNAUTHORIZED',
      appCode: 'UNAUTHENTICATED',
    })

    if (entry.kind === 'admin') {
      const self = await harness.createUser()
      const before = await fingerprint()
      const refused = await failure(call(self.caller, path, entry.input({ self })))
      expect(refused, `${path} as a non-admin`).toMatchObject({ trpcCode: 'FORBIDDEN', appCode: 'FORBIDDEN' })
      expect(await fingerprint()).toEqual(before)
      return
    }

    if (entry.kind === 'owned') {
      const a = await harness.createUser({ name: 'A' })
      const b = await harness.createUser({ name: 'B' })
      const owned = await entry.setup(a)
      const before = await owned.snapshot()
      const refused = await failure(call(b.caller, path, owned.input))
      expect(refused, `${path} as B with A's id`).toMatchObject({
        trpcCode: 'NOT_FOUND',
        appCode: 'NOT_FOUND',
      })
      expect(await owned.snapshot()).toEqual(before)
    }
  })
})
