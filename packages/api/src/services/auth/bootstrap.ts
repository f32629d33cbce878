/**
 * @module First start: when there are no users, create an admin and an API key for it (API.md
 * "Authentication"). Safe when several instances start at once: one advisory lock, one admin.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { countUsers, createId, type Database, insertUser } from '@nbl/db'
import { type Kysely, sql } from 'kysely'
import { issueApiKey } from './api-keys.js'

export const BOOTSTRAP_KEY_FILE = 'bootstrap-admin-key'

export interface BootstrapResult {
  /** Set only when this call created the admin. */
  admin?: { userId: string; secret: string; keyFile?: string; secretFromConfig: boolean }
}

export async function bootstrapAdmin(
  db: Kysely<Database>,
  options: { dataDir: string; bootstrapKey?: string },
): Promise<BootstrapResult> {
  const created = await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(4242001)`.execute(trx)
    if ((await countUsers(trx)) > 0) return undefined
    const user = await insertUser(trx, {
      id: createId('usr'),
      name: 'admin',
      email: null,
      role: 'admin',
      tier: 'unlimited',
    })
    const key = await issueApiKey(trx, {
      userId: user.id,
      name: 'bootstrap',
      ...(options.bootstrapKey ? { secret: options.bootstrapKey } : {}),
    })
    return { userId: user.id, secret: key.secret }
  })
  if (!created) return {}
  if (options.bootstrapKey) return { admin: { ...created, secretFromConfig: true } }
  await mkdir(options.dataDir, { recursive: true })
  const keyFile = join(options.dataDir, BOOTSTRAP_KEY_FILE)
  await writeFile(keyFile, `${created.secret}\n`, { mode: 0o600 })
  return { admin: { ...created, keyFile, secretFromConfig: false } }
}
