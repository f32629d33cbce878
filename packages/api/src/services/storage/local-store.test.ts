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
    // 60 s asked, rounded up by at most a tenth: valid for a minute, gone after 66 s.
    expect(store.verify('images/u1/b.png', expires, signature, Date.now() + 59_000)).toBe(true)
    expect(store.verify('images/u1/b.png', expires, signature, Date.now() + 67_000)).toBe(false)
    expect(store.verify('images/u1/b.png', String(Number(expires) + 1), signature)).toBe(false)
  })
})

describe('signed URL stability', () => {
  it('gives the same URL for the same file within a step of a tenth of the lifetime', async () => {
    let clock = Date.UTC(2026, 0, 1, 12, 0, 0)
    const root = await mkdtemp(join(tmpdir(), 'nbl-objects-stable-'))
    const stable = createLocalObjectStore({
      root,
      secret: 'a-stability-secret-of-enough-length',
      now: () => clock,
    })
    const sign = () =>
      stable.signedUrl('images/u1/a.png', { origin: 'https://cdn.test', expiresInSeconds: 3600 })
    const first = sign()
    clock += 200
    expect(sign()).toBe(first)
    clock += 360_000
    expect(sign()).not.toBe(first)
    await rm(root, { recursive: true, force: true })
  })
})

describe('folders', () => {
  it('writes again after its folder was removed behind its back', async () => {
    const root = await mkdtemp(join(tmpdir(), 'nbl-objects-folders-'))
    const local = createLocalObjectStore({
      root,
      secret: 'a-folders-secret-of-enough-length',
      packedMaxBytes: 0,
    })
    await local.put('images/u9/a.png', new Uint8Array([1]), 'image/png')
    await rm(join(root, 'images', 'u9'), { recursive: true, force: true })
    await local.put('images/u9/b.png', new Uint8Array([2]), 'image/png')
    expect(Buffer.from((await local.read('images/u9/b.png'))!)).toEqual(Buffer.from([2]))
    await rm(root, { recursive: true, force: true })
  })
})
