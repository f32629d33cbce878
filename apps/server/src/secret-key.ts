/**
 * @module The server secret (signs file URLs): from SECRET_KEY, or in development generated once
 * and kept in DATA_DIR so signed URLs survive restarts.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const SECRET_KEY_FILE = 'secret-key'

export async function resolveSecretKey(options: { secretKey?: string; dataDir: string }): Promise<string> {
  if (options.secretKey) return options.secretKey
  const file = join(options.dataDir, SECRET_KEY_FILE)
  const existing = await readFile(file, 'utf8').catch(() => undefined)
  if (existing && existing.trim().length >= 32) return existing.trim()
  await mkdir(options.dataDir, { recursive: true })
  const generated = randomBytes(48).toString('base64url')
  // `wx`: if another process won the race, use its key.
  await writeFile(file, `${generated}\n`, { mode: 0o600, flag: 'wx' }).catch(() => undefined)
  return (await readFile(file, 'utf8')).trim()
}
