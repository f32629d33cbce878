import { chmod, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { countUsers, createDatabase, type DatabaseHandle, migrateToLatest } from '@nbl/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKeyAuthenticator } from './api-keys.js'
import { BOOTSTRAP_KEY_FILE, bootstrapAdmin } from './bootstrap.js'

let database: DatabaseHandle

beforeAll(async () => {
  database = await createDatabase({})
  await migrateToLatest(database.db)
})
afterAll(() => database.close())

describe('bootstrapAdmin', () => {
  it('creates one admin and a key file readable only by its owner, once, even when raced', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nbl-bootstrap-'))
    const results = await Promise.all([
      bootstrapAdmin(database.db, { dataDir }),
      bootstrapAdmin(database.db, { dataDir }),
    ])
    const created = results.filter((result) => result.admin)
    expect(created).toHaveLength(1)
    expect(await countUsers(database.db)).toBe(1)
    const admin = created[0]!.admin!
    expect((await stat(admin.keyFile!)).mode & 0o777).toBe(0o600)
    expect((await readFile(admin.keyFile!, 'utf8')).trim()).toBe(admin.secret)
    const user = await createApiKeyAuthenticator(database.db).authenticate(admin.secret)
    expect(user).toMatchObject({ role: 'admin', tier: 'unlimited' })
    expect(await bootstrapAdmin(database.db, { dataDir })).toEqual({})
  })

  it('uses BOOTSTRAP_ADMIN_KEY as the secret when given', async () => {
    const fresh = await createDatabase({})
    try {
      await migrateToLatest(fresh.db)
      const key = 'k'.repeat(40)
      const result = await bootstrapAdmin(fresh.db, { dataDir: '/nonexistent', bootstrapKey: key })
      expect(result.admin).toMatchObject({ secretFromConfig: true })
      expect(await createApiKeyAuthenticator(fresh.db).authenticate(key)).toMatchObject({ role: 'admin' })
    } finally {
      await fresh.close()
    }
  })

  it('creates no admin when the key file cannot be written, so the next start can', async () => {
    const fresh = await createDatabase({})
    try {
      await migrateToLatest(fresh.db)
      const dataDir = await mkdtemp(join(tmpdir(), 'nbl-bootstrap-'))
      // A directory where the file should go: writing it fails.
      await mkdir(join(dataDir, BOOTSTRAP_KEY_FILE))
      await expect(bootstrapAdmin(fresh.db, { dataDir })).rejects.toThrow()
      expect(await countUsers(fresh.db)).toBe(0)
      const retry = await bootstrapAdmin(fresh.db, { dataDir: join(dataDir, 'elsewhere') })
      expect(retry.admin?.keyFile).toBeDefined()
      expect(await countUsers(fresh.db)).toBe(1)
    } finally {
      await fresh.close()
    }
  })

  it('makes a key file left by an earlier run private before writing the new key', async () => {
    const fresh = await createDatabase({})
    try {
      await migrateToLatest(fresh.db)
      const dataDir = await mkdtemp(join(tmpdir(), 'nbl-bootstrap-'))
      const keyFile = join(dataDir, BOOTSTRAP_KEY_FILE)
      await writeFile(keyFile, 'an old, longer key from a database since wiped\n')
      await chmod(keyFile, 0o644)
      const { admin } = await bootstrapAdmin(fresh.db, { dataDir })
      expect(admin?.keyFile).toBe(keyFile)
      expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
      expect(await readFile(keyFile, 'utf8')).toBe(`${admin!.secret}\n`)
    } finally {
      await fresh.close()
    }
  })
})
