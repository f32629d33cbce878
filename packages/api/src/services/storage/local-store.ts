/**
 * @module The embedded object store: files under a folder, downloaded through HMAC-signed,
 * expiring `/files/:key` URLs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { openPackLog } from './pack-log.js'
import { isValidObjectKey, type ObjectStore, toNodeReadable } from './store.js'

/** Objects up to this size are appended to a pack (pack-log.ts); larger ones and streams get a file each. */
const DEFAULT_PACKED_MAX_BYTES = 8 * 1024 * 1024

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  mp4: 'video/mp4',
  gif: 'image/gif',
}

const errorCodeOf = (error: unknown) => (error as NodeJS.ErrnoException).code

export interface LocalObjectStore extends ObjectStore {
  /** Checks a `/files` request's signature and expiry; the key must also be well-formed. */
  verify(key: string, expires: string | undefined, signature: string | undefined, now?: number): boolean
}

export interface LocalObjectStoreOptions {
  /** The folder objects live under. */
  root: string
  /** Signs `/files` URLs (the server derives it from SECRET_KEY). */
  secret: string
  /** Milliseconds since the epoch, for signing; tests move it. @default Date.now */
  now?: () => number
  /** Larger objects get a file each; 0 gives every object a file. @default 8 MiB */
  packedMaxBytes?: number
}

export function createLocalObjectStore(options: LocalObjectStoreOptions): LocalObjectStore {
  const root = resolve(options.root)
  const now = options.now ?? Date.now
  const packedMaxBytes = options.packedMaxBytes ?? DEFAULT_PACKED_MAX_BYTES
  let temporaryCounter = 0
  const signingKey = createHmac('sha256', options.secret).update('nbl/files/v1').digest()
  // Keys never start with a dot, so `.packs` cannot collide with an object's folder.
  const packs = openPackLog(root)

  function pathOf(key: string): string {
    if (!isValidObjectKey(key)) throw new Error(`invalid object key: ${JSON.stringify(key)}`)
    const path = resolve(root, key)
    // Belt and braces on top of the key pattern: never step outside the root.
    if (!path.startsWith(root + sep)) throw new Error(`invalid object key: ${JSON.stringify(key)}`)
    return path
  }

  const sign = (key: string, expires: number): string =>
    createHmac('sha256', signingKey).update(`${key}\n${expires}`).digest('base64url')

  // Unique per write, so two writers of one key never share a temporary file.
  const temporaryPathFor = (path: string): string => `${path}.${process.pid}.${++temporaryCounter}.tmp`

  const contentTypeOf = (key: string): string =>
    CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream'

  // Folders already made: a generation writes into its owner's folder, so after the first image
  // the `mkdir` (a thread-pool round trip per write) is skipped. Bounded; forgetting is harmless.
  const knownDirectories = new Set<string>()
  async function ensureDirectory(directory: string): Promise<void> {
    if (knownDirectories.has(directory)) return
    await mkdir(directory, { recursive: true })
    if (knownDirectories.size >= 10_000) knownDirectories.clear()
    knownDirectories.add(directory)
  }

  return {
    async put(key, data, contentType) {
      const path = pathOf(key)
      if (data.byteLength <= packedMaxBytes) {
        await packs.append(key, data, contentType)
        return
      }
      // A file replaces a packed object of the same key: the pack would be read first.
      await packs.remove(key)
      await ensureDirectory(dirname(path))
      // A new key is written in place: nobody can ask for it before `put` returns (its URL is handed
      // out after), so no reader sees half a file, and the rename (another metadata write) is saved.
      // An existing key is replaced through a temporary file and a rename, so readers see either.
      const write = async () => {
        try {
          // `wx`: only a new file; an existing one fails with EEXIST.
          await writeFile(path, data, { flag: 'wx' })
        } catch (error) {
          if (errorCodeOf(error) !== 'EEXIST') throw error
          const temporary = temporaryPathFor(path)
          await writeFile(temporary, data)
          await rename(temporary, path)
        }
      }
      try {
        await write()
      } catch (error) {
        // The folder went away behind our back (cleaned up by hand): make it again, once.
        if (errorCodeOf(error) !== 'ENOENT') throw error
        knownDirectories.delete(dirname(path))
        await ensureDirectory(dirname(path))
        await write()
      }
    },

    async putStream(key, stream, { signal }) {
      const path = pathOf(key)
      await ensureDirectory(dirname(path))
      const temporary = temporaryPathFor(path)
      try {
        await pipeline(toNodeReadable(stream), createWriteStream(temporary), signal ? { signal } : {})
        await packs.remove(key)
        await rename(temporary, path)
      } catch (error) {
        await rm(temporary, { force: true })
        throw error
      }
    },

    async get(key) {
      const path = pathOf(key)
      const packed = await packs.read(key)
      if (packed) {
        const { data, contentType } = packed
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(data)
            controller.close()
          },
        })
        return { body, contentType, size: data.byteLength }
      }
      const info = await stat(path).catch(() => undefined)
      if (!info?.isFile()) return undefined
      const body = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>
      return { body, contentType: contentTypeOf(key), size: info.size }
    },

    async read(key) {
      const path = pathOf(key)
      const packed = await packs.read(key)
      return packed ? packed.data : readFile(path).catch(() => undefined)
    },

    async delete(key) {
      const path = pathOf(key)
      await packs.remove(key)
      // Large objects, and objects written before packs existed, are files.
      await rm(path, { force: true })
    },

    signedUrl(key, { origin, expiresInSeconds }) {
      pathOf(key)
      // Rounded up to a step of a tenth of the lifetime: the same file gets the same URL for a while,
      // so browsers and CDNs can cache it, and a page that lists images twice renders the same links.
      const step = Math.min(600, Math.max(1, Math.floor(expiresInSeconds / 10)))
      const expires = Math.ceil((Math.floor(now() / 1000) + expiresInSeconds) / step) * step
      const path = key.split('/').map(encodeURIComponent).join('/')
      return `${origin}/files/${path}?expires=${expires}&signature=${sign(key, expires)}`
    },

    verify(key, expires, signature, at = now()) {
      if (!isValidObjectKey(key) || !expires || !signature || !/^\d{1,12}$/.test(expires)) return false
      if (Number(expires) * 1000 < at) return false
      const expected = Buffer.from(sign(key, Number(expires)))
      const given = Buffer.from(signature)
      return expected.length === given.length && timingSafeEqual(expected, given)
    },
  }
}
