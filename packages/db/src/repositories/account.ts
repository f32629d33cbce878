/**
 * @module Account preferences (user_settings) and admins' one-day quota adjustments.
 */
import type { UserSettingsRow } from '../schema.js'
import type { Executor } from './executor.js'

export interface UserSettingsPatch {
  resolution?: string | null
  aspect_ratio?: string | null
  strategy?: string | null
  output_format?: string | null
  provider_order?: string[]
  provider_exclude?: string[]
}

export async function findUserSettings(db: Executor, userId: string): Promise<UserSettingsRow | undefined> {
  return db.selectFrom('user_settings').selectAll().where('user_id', '=', userId).executeTakeFirst()
}

/** Creates the row or changes only the given columns. */
export async function upsertUserSettings(
  db: Executor,
  userId: string,
  patch: UserSettingsPatch,
): Promise<UserSettingsRow> {
  const { provider_order, provider_exclude, ...plain } = patch
  const values = {
    ...plain,
    ...(provider_order ? { provider_order: JSON.stringify(provider_order) } : {}),
    ...(provider_exclude ? { provider_exclude: JSON.stringify(provider_exclude) } : {}),
  }
  return db
    .insertInto('user_settings')
    .values({ user_id: userId, ...values })
    .onConflict((conflict) =>
      conflict.column('user_id').doUpdateSet((eb) => ({ ...values, updated_at: eb.fn<Date>('now') })),
    )
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Adds `units` (may be negative) to the user's adjustment for `day`; returns the day's total. */
export async function addQuotaAdjustment(
  db: Executor,
  userId: string,
  day: string,
  units: number,
): Promise<number> {
  const row = await db
    .insertInto('quota_adjustments')
    .values({ user_id: userId, day, units })
    .onConflict((conflict) =>
      conflict.columns(['user_id', 'day']).doUpdateSet((eb) => ({
        units: eb('quota_adjustments.units', '+', eb.ref('excluded.units')),
        updated_at: eb.fn<Date>('now'),
      })),
    )
    .returning('units')
    .executeTakeFirstOrThrow()
  return row.units
}

/** The user's adjustment for `day`, 0 when there is none. */
export async function findQuotaAdjustment(db: Executor, userId: string, day: string): Promise<number> {
  const row = await db
    .selectFrom('quota_adjustments')
    .select('units')
    .where('user_id', '=', userId)
    .where('day', '=', day)
    .executeTakeFirst()
  return row?.units ?? 0
}
