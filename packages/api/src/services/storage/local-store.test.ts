import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalObjectStore, type LocalObjectStore } from './local-store.js'
import { isValidObjectKey } from './store.js'

let root: string
let store: LocalObjectStore

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nbl-objects-'))
  store = createLocalObjectStore({ root, secret: 'a-test-secret-of-enough-length-xx' })
})
afterAll(() => rm(root, { recursive: true, force: true }))

describe('local object store', () => {
  it('stores, reads, streams and deletes objects', async () => {
    await store.put('images/u1/a.png', new Uint8Array([1, 2, 3]), 'image/png')
    expect([...((await store.read('images/u1/a.png')) ?? [])]).toEqual([1, 2, 3])
    const object = await store.get('images/u1/a.png')
    expect(object).toMatchObject({ contentType: 'image/png', size: 3 })
    await store.delete('images/u1/a.png')
    expect(await store.get('images/u1/a.png')).toBeUndefined()
  })

  it.each(['../x', 'a/../../x', '/etc/passwd', 'a\\b', 'a//b', '.hidden', 'a/./b', ''])(
    'refuses the key %j',
    (key) => {
      expect(isValidObjectKey(key)).toBe(false)
    },
  )

  it('signs URLs that verify until they expire, for that key only', () => {
    const url = new URL(
      store.signedUrl('images/u1/b.png', { origin: 'https://cdn.test', expiresInSeconds: 60 }),
    )
    const expires = url.searchParams.get('expires') ?? undefined
    const signature = url.searchParams.get('signature') ?? undefined
    expect(store.verify('images/u1/b.png', expires, signature)).toBe(true)
    expect(store.verify('images/u1/c.png', expires, signature)).toBe(false)
    expect(store.verify('images/u1/b.png', expires, signature, Date.now() + 61_000)).toBe(false)
    expect(store.verify('images/u1/b.png', String(Number(expires) + 1), signature)).toBe(false)
  })
})
