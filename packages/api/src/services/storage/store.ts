/**
 * @module The object store interface: local folder (embedded) or S3/R2 (networked).
 */
export interface StoredObject {
  body: ReadableStream<Uint8Array>
  contentType: string
  size: number
}

export interface ObjectStore {
  put(key: string, data: Uint8Array, contentType: string): Promise<void>
  get(key: string): Promise<StoredObject | undefined>
  /** Bytes of the object, for providers that need a reference image inline. */
  read(key: string): Promise<Uint8Array | undefined>
  delete(key: string): Promise<void>
  /** A URL a client can download the object from until it expires. */
  signedUrl(key: string, options: { origin: string; expiresInSeconds: number }): string
}

/** Keys are `segment/segment/name.ext` of safe characters: no `..`, no absolute paths, no backslashes. */
const KEY_PATTERN = /^(?!.*\.\.)[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/

export function isValidObjectKey(key: string): boolean {
  return key.length <= 512 && KEY_PATTERN.test(key)
}
