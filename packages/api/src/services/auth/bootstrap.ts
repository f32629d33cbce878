/**
 * @module First start: when there are no users, create an admin and an API key for it (API.md
 * "Authentication"). Safe when several instances start at once: one advisory lock, one admin.
 */
import { mkdir, open } from 'node:fs/promises'
import { join } from 'node:path'
import { countUsers, createId, type Database, insertUser } from '@nbl/db'
import { type Kysely, sql } from 'kysely'
import { issueApiKey } from './api-keys.js'

export const BOOTSTRAP_KEY_FILE = 'bootstrap-admin-key'

export interface BootstrapResult {
  /** Set only when this call created the admin. */
  admin?: { userId: string; secret: string; keyFile?: string; secretFromConfig: boolean }
}

/**
 * Writes the secret to a file only its owner can read. The mode of `open` applies only when it
 * creates the file, so a file left by an earlier run is chmod-ed before the secret goes in.
 */
async function writeKeyFile(dataDir: string, secret: string): Promise<string> {
  await mkdir(dataDir, { recursive: true })
  const keyFile = join(dataDir, BOOTSTRAP_KEY_FILE)
  const handle = await open(keyFile, 'w', 0o600)
  try {
    await handle.chmod(0o600)
    await handle.writeFile(`${secret}\n`)
  } finally {
    await handle.close()
  }
  return keyFile
}

export async function bootstrapAdmin(
  db: Kysely<Database>,
  options: { dataDir: string; bootstrapKey?: string },
): Promise<BootstrapResult> {
  const created = await db.transaction().execute(async (trx): Promise<BootstrapResult['admin']> => {
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
    const admin = { userId: user.id, secret: key.secret }
    if (options.bootstrapKey) return { ...admin, secretFromConfig: true }
    // Before the commit: if the file cannot be written, the admin is rolled back and the next
    // start tries again, instead of an admin whose only key was never shown to anyone.
    const keyFile = await writeKeyFile(options.dataDir, key.secret)
    return { ...admin, keyFile, secretFromConfig: false }
  })
  return created ? { admin: created } : {}
}
