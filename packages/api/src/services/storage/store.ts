/**
 * @module The object store interface: local folder (embedded) or S3/R2 (networked).
 */
import { Readable } from 'node:stream'
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web'
export interface StoredObject {
  body: ReadableStream<Uint8Array>
  contentType: string
  size: number
}

/** A body that arrives over time: a provider's download (web stream) or a Node stream. */
export type ObjectStream = ReadableStream<Uint8Array> | Readable

export interface ObjectStore {
  put(key: string, data: Uint8Array, contentType: string): Promise<void>
  /**
   * Stores a body as it arrives, without holding it whole in memory (large clips). Nothing is visible
   * under `key` until the stream has ended; if it fails, the partial upload is discarded and the error
   * is rethrown.
   */
  putStream(
    key: string,
    stream: ObjectStream,
    options: { contentType: string; signal?: AbortSignal },
  ): Promise<void>
  get(key: string): Promise<StoredObject | undefined>
  /** Bytes of the object, for providers that need a reference image inline. */
  read(key: string): Promise<Uint8Array | undefined>
  /** Removes the object; removing a missing one is not an error. */
  delete(key: string): Promise<void>
  /** A URL a client can download the object from until it expires. */
  signedUrl(key: string, options: { origin: string; expiresInSeconds: number }): string
}

/** Keys are `segment/segment/name.ext` of safe characters: no `..`, no absolute paths, no backslashes. */
const KEY_PATTERN = /^(?!.*\.\.)[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/

export function isValidObjectKey(key: string): boolean {
  return key.length <= 512 && KEY_PATTERN.test(key)
}

/** Both stores consume Node streams; `fetch` bodies are web streams. */
export function toNodeReadable(stream: ObjectStream): Readable {
  return stream instanceof Readable ? stream : Readable.fromWeb(stream as NodeWebReadableStream<Uint8Array>)
}
