/**
 * @module PROVIDER_CATALOG_FILE: an operator's JSON overrides of the provider catalog (capabilities,
 * pricing and profile per provider), validated loosely here and merged over the adapters' defaults.
 * @example { "flux": { "pricing": { "perImageUsd": { "1K": 0.05, "2K": 0.05, "4K": 0.05 } } } }
 */
import { readFile } from 'node:fs/promises'
import { type CatalogOverrides, PROVIDER_NAMES, type ProviderName } from '@nbl/providers'
import { z } from 'zod'
import { ConfigError } from './config.js'

const section = z.record(z.string(), z.unknown()).optional()
const entrySchema = z.strictObject({
  capabilities: section,
  pricing: section,
  profile: section,
  videoCapabilities: section,
  videoPricing: section,
  videoProfile: section,
})
const catalogSchema = z.partialRecord(z.enum(PROVIDER_NAMES), entrySchema)

export async function loadProviderCatalog(
  file: string,
): Promise<Partial<Record<ProviderName, CatalogOverrides>>> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new ConfigError([
      `PROVIDER_CATALOG_FILE: cannot read ${file} as JSON (${(error as Error).message})`,
    ])
  }
  const parsed = catalogSchema.safeParse(raw)
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `PROVIDER_CATALOG_FILE: ${issue.path.join('.')}: ${issue.message}`),
    )
  }
  return parsed.data as Partial<Record<ProviderName, CatalogOverrides>>
}
