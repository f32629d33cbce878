/**
 * @module The caller's saved preferences (account.settings / account.providers) and how a
 * generation request is completed from them: `input ?? saved ?? built-in default`.
 */
import { type Executor, findUserSettings, type UserSettingsRow } from '@nbl/db'
import {
  ASPECT_RATIOS,
  type AspectRatio,
  OUTPUT_FORMATS,
  type OutputFormat,
  PROVIDER_NAMES,
  type ProviderName,
  RESOLUTIONS,
  type Resolution,
  STRATEGIES,
  type Strategy,
} from '@nbl/providers'
import type { AppDeps } from '../../deps.js'

export interface AccountSettings {
  resolution: Resolution | null
  aspectRatio: AspectRatio | null
  strategy: Strategy | null
  outputFormat: OutputFormat | null
}

export interface ProviderPreferences {
  order: ProviderName[]
  exclude: ProviderName[]
}

export interface SavedPreferences {
  settings: AccountSettings
  providers: ProviderPreferences
}

/** Only values still valid today survive (a stored value that was since dropped reads as unset). */
function oneOf<T extends string>(values: readonly T[], value: string | null | undefined): T | null {
  return value != null && (values as readonly string[]).includes(value) ? (value as T) : null
}

function providerList(value: unknown): ProviderName[] {
  return Array.isArray(value)
    ? value.filter((name): name is ProviderName => (PROVIDER_NAMES as readonly unknown[]).includes(name))
    : []
}

export function settingsFromRow(row: UserSettingsRow | undefined): SavedPreferences {
  return {
    settings: {
      resolution: oneOf(RESOLUTIONS, row?.resolution),
      aspectRatio: oneOf(ASPECT_RATIOS, row?.aspect_ratio),
      strategy: oneOf(STRATEGIES, row?.strategy),
      outputFormat: oneOf(OUTPUT_FORMATS, row?.output_format),
    },
    providers: { order: providerList(row?.provider_order), exclude: providerList(row?.provider_exclude) },
  }
}

export async function loadPreferences(db: Executor, userId: string): Promise<SavedPreferences> {
  return settingsFromRow(await findUserSettings(db, userId))
}

/**
 * What a generation reads: the preferences through this instance's account cache, so a busy user
 * costs one read per cache lifetime. The returned object is shared: never mutate it.
 */
export async function cachedPreferences(
  deps: Pick<AppDeps, 'db' | 'accountCache'>,
  userId: string,
): Promise<SavedPreferences> {
  const { preferences } = deps.accountCache
  const found =
    preferences.get(userId) ??
    (await preferences.load(userId, async () => ({ userId, value: await loadPreferences(deps.db, userId) })))
  return found ?? settingsFromRow(undefined)
}
