/**
 * @module The object store conformance suite: the local folder and S3 (against a real S3-compatible server)
 * must both pass it.
 * @example runObjectStoreConformance('local', { create: async ({ now }) => ({ store, download, close }) })
 */
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ObjectStore } from './store.js'

export interface ObjectStoreUnderTest {
  store: ObjectStore
  /** GETs a URL the store signed, over HTTP (through the app for `/files` URLs). */
  download(url: string): Promise<Response>
  /** The lifetime a signed URL carries, in seconds, as its issuer encoded it. */
  lifetimeOf(url: URL): number
  close(): Promise<void>
}

export interface ObjectStoreFactory {
  /** One store for the suite; it must sign URLs with `now` (the suite moves it into the past). */
  create(options: { now: () => number }): Promise<ObjectStoreUnderTest>
}

const MIB = 1024 * 1024

export function runObjectStoreConformance(label: string, factory: ObjectStoreFactory): void {
  describe(`ObjectStore conformance: ${label}`, () => {
    let offsetMs = 0
    let subject: ObjectStoreUnderTest
    let store: ObjectStore
    const prefix = `conformance/${Math.random().toString(36).slice(2)}`
    const keyFor = (name: string) => `${prefix}/${name}`

    beforeAll(async () => {
      subject = await factory.create({ now: () => Date.now() + offsetMs })
      store = subject.store
    })
    afterAll(() => subject?.close())

    it('round-trips bytes and the content type', async () => {
      const data = new Uint8Array([137, 80, 78, 71, 0, 255, 1, 2])
      await store.put(keyFor('round/trip.png'), data, 'image/png')
      expect(plain(await store.read(keyFor('round/trip.png')))).toEqual(data)
      const object = await store.get(keyFor('round/trip.png'))
      expect(object).toMatchObject({ contentType: 'image/png', size: data.byteLength })
      expect(new Uint8Array(await new Response(object?.body).arrayBuffer())).toEqual(data)
    })

    it('round-trips a multi-megabyte buffer (a 4K image) byte for byte', async () => {
      const data = new Uint8Array(3 * MIB).map((_, index) => (index * 31) % 251)
      await store.put(keyFor('big/4k.png'), data, 'image/png')
      expect(Buffer.from(plain(await store.read(keyFor('big/4k.png'))) ?? []).equals(Buffer.from(data))).toBe(
        true,
      )
    })

    it('overwrites an object in place', async () => {
      await store.put(keyFor('overwrite.webp'), new Uint8Array([1]), 'image/webp')
      await store.put(keyFor('overwrite.webp'), new Uint8Array([2, 3]), 'image/webp')
      expect(plain(await store.read(keyFor('overwrite.webp')))).toEqual(new Uint8Array([2, 3]))
    })

    it('stores a multi-megabyte Node stream as it arrives', async () => {
      const size = 11 * MIB + 12_345
      await store.putStream(keyFor('videos/big.mp4'), Readable.from(patternChunks(size, 256 * 1024)), {
        contentType: 'video/mp4',
      })
      const stored = await store.read(keyFor('videos/big.mp4'))
      expect(stored?.byteLength).toBe(size)
      expect(sha256(stored ?? new Uint8Array())).toBe(sha256(concat(patternChunks(size, size))))
      expect(await store.get(keyFor('videos/big.mp4'))).toMatchObject({ contentType: 'video/mp4', size })
    })

    it('stores a web stream (a fetch body)', async () => {
      const body = new Response(new Uint8Array([9, 8, 7, 6])).body
      if (!body) throw new Error('no body')
      await store.putStream(keyFor('web/stream.mp4'), body, { contentType: 'video/mp4' })
      expect(plain(await store.read(keyFor('web/stream.mp4')))).toEqual(new Uint8Array([9, 8, 7, 6]))
    })

    it('leaves nothing behind when the stream fails part-way', async () => {
      // Past one 5 MiB part, so a multipart upload is under way when the source fails.
      async function* failing() {
        for (let index = 0; index < 4; index++) yield new Uint8Array(2 * MIB).fill(index)
        throw new Error('the provider hung up')
      }
      await expect(
        store.putStream(keyFor('videos/broken.mp4'), Readable.from(failing()), { contentType: 'video/mp4' }),
      ).rejects.toThrow()
      expect(await store.read(keyFor('videos/broken.mp4'))).toBeUndefined()
      expect(await store.get(keyFor('videos/broken.mp4'))).toBeUndefined()
    })

    it('answers undefined for a missing object', async () => {
      expect(await store.get(keyFor('missing/nothing.png'))).toBeUndefined()
      expect(await store.read(keyFor('missing/nothing.png'))).toBeUndefined()
    })

    it('deletes, and deleting again (or something never stored) is fine', async () => {
      await store.put(keyFor('delete/me.png'), new Uint8Array([1, 2]), 'image/png')
      await store.delete(keyFor('delete/me.png'))
      expect(await store.read(keyFor('delete/me.png'))).toBeUndefined()
      await expect(store.delete(keyFor('delete/me.png'))).resolves.toBeUndefined()
      await expect(store.delete(keyFor('delete/never.png'))).resolves.toBeUndefined()
    })

    it('keeps keys with slashes apart from their neighbours', async () => {
      await store.put(keyFor('a/b/c.png'), new Uint8Array([1]), 'image/png')
      await store.put(keyFor('a/b/c/d.png'), new Uint8Array([2]), 'image/png')
      await store.put(keyFor('a/b.c.png'), new Uint8Array([3]), 'image/png')
      expect(plain(await store.read(keyFor('a/b/c.png')))).toEqual(new Uint8Array([1]))
      expect(plain(await store.read(keyFor('a/b/c/d.png')))).toEqual(new Uint8Array([2]))
      expect(plain(await store.read(keyFor('a/b.c.png')))).toEqual(new Uint8Array([3]))
      await store.delete(keyFor('a/b/c.png'))
      expect(plain(await store.read(keyFor('a/b/c/d.png')))).toEqual(new Uint8Array([2]))
    })

    it('signs a URL that downloads the exact bytes over HTTP, with (about) the lifetime asked for', async () => {
      const data = new Uint8Array(300_000).map((_, index) => (index * 31) % 251)
      await store.put(keyFor('signed/image.png'), data, 'image/png')
      const url = store.signedUrl(keyFor('signed/image.png'), {
        origin: 'http://localhost',
        expiresInSeconds: 900,
      })
      // At least what was asked; a store may round it up by a little (so URLs stay stable a while).
      const lifetime = subject.lifetimeOf(new URL(url))
      expect(lifetime).toBeGreaterThanOrEqual(900)
      expect(lifetime).toBeLessThanOrEqual(990)
      const response = await subject.download(url)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('image/png')
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(data)
    })

    it('refuses a signed URL once its lifetime has passed', async () => {
      await store.put(keyFor('signed/old.png'), new Uint8Array([4, 5]), 'image/png')
      offsetMs = -2 * 3600_000
      let url: string
      try {
        url = store.signedUrl(keyFor('signed/old.png'), {
          origin: 'http://localhost',
          expiresInSeconds: 3600,
        })
      } finally {
        offsetMs = 0
      }
      const response = await subject.download(url)
      expect(response.status).toBe(403)
      await response.arrayBuffer()
    })

    it.each(['../escape.png', 'a/../../escape.png', '/etc/passwd', 'a\\b.png', 'a//b.png', '.hidden', ''])(
      'refuses the key %j everywhere',
      async (key) => {
        await expect(store.put(key, new Uint8Array([1]), 'image/png')).rejects.toThrow(/invalid object key/)
        await expect(
          store.putStream(key, Readable.from([new Uint8Array([1])]), { contentType: 'image/png' }),
        ).rejects.toThrow(/invalid object key/)
        await expect(store.get(key)).rejects.toThrow(/invalid object key/)
        await expect(store.read(key)).rejects.toThrow(/invalid object key/)
        await expect(store.delete(key)).rejects.toThrow(/invalid object key/)
        expect(() => store.signedUrl(key, { origin: 'http://localhost', expiresInSeconds: 60 })).toThrow(
          /invalid object key/,
        )
      },
    )
  })
}

/** Deterministic, non-repeating-per-chunk bytes, so a misplaced part changes the hash. */
function* patternChunks(size: number, chunkSize: number): Generator<Uint8Array> {
  for (let offset = 0; offset < size; offset += chunkSize) {
    const length = Math.min(chunkSize, size - offset)
    const chunk = new Uint8Array(length)
    for (let index = 0; index < length; index++) chunk[index] = ((offset + index) * 2654435761) >>> 24
    yield chunk
  }
}

/** Buffers compare unequal to Uint8Arrays in `toEqual`; compare the bytes. */
function plain(data: Uint8Array | undefined): Uint8Array | undefined {
  return data && new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

function concat(chunks: Iterable<Uint8Array>): Uint8Array {
  return Buffer.concat([...chunks])
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}
