/**
 * @module Users: insert, look up, count, change tier, list.
 */
import type { NewUserRow, UserRow, UserTier } from '../schema.js'
import { assertPageLimit, decodeCursor, toPage } from './cursor.js'
import type { Executor } from './executor.js'

export async function insertUser(db: Executor, row: NewUserRow): Promise<UserRow> {
  return db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function countUsers(db: Executor): Promise<number> {
  const { count } = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow()
  return Number(count)
}

/** Returns the updated user, or `undefined` when there is no such user. */
export async function updateUserTier(db: Executor, id: string, tier: UserTier): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set((eb) => ({ tier, updated_at: eb.fn<Date>('now') }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

/**
 * Newest first, keyset-paginated.
 * @throws {InvalidCursorError}
 */
export async function listUsers(
  db: Executor,
  options: { limit: number; cursor?: string | undefined },
): Promise<{ items: UserRow[]; nextCursor: string | null }> {
  assertPageLimit(options.limit)
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .$if(after !== undefined, (query) =>
      query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after!.createdAt, after!.id))),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute()
  return toPage(rows, options.limit)
}

/** The user signed in with this GitHub account, if any. */
export async function findUserByGithubId(db: Executor, githubId: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('github_id', '=', githubId).executeTakeFirst()
}

/**
 * Creates the GitHub user or refreshes its profile (login, name, email, avatar) on every sign-in.
 * Role and tier of an existing user are left alone.
 */
export async function upsertGithubUser(
  db: Executor,
  profile: {
    id: string
    githubId: string
    login: string
    name: string
    email: string | null
    avatarUrl: string | null
  },
): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({
      id: profile.id,
      name: profile.name,
      email: profile.email,
      role: 'user',
      tier: 'free',
      github_id: profile.githubId,
      login: profile.login,
      avatar_url: profile.avatarUrl,
    })
    .onConflict((conflict) =>
      conflict.column('github_id').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        email: eb.ref('excluded.email'),
        login: eb.ref('excluded.login'),
        avatar_url: eb.ref('excluded.avatar_url'),
        updated_at: eb.fn<Date>('now'),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow()
}
