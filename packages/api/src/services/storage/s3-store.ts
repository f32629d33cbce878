/**
 * @module The networked object store: an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO), downloaded
 * through presigned GET URLs (or a public CDN base) and written with streaming multipart uploads.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { MAX_PRESIGN_SECONDS, type PresignTarget, presignGetUrl } from './s3-presign.js'
import { isValidObjectKey, type ObjectStore, toNodeReadable } from './store.js'

export interface S3ObjectStoreOptions {
  bucket: string
  /** An S3-compatible endpoint origin (R2: `https://<account>.r2.cloudflarestorage.com`); AWS when unset. */
  endpoint?: string
  /** `auto` for R2; an AWS region otherwise. */
  region: string
  accessKeyId: string
  secretAccessKey: string
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`. @default true with a custom endpoint */
  forcePathStyle?: boolean
  /** A public base URL (CDN, R2 custom domain) serving the bucket: links become `publicUrl/key`, unsigned. */
  publicUrl?: string
  /** Lifetime of presigned URLs; overrides the caller's, capped at 7 days. @default the caller's */
  presignTtlSeconds?: number
  /** Part size of streaming uploads (S3's minimum is 5 MiB). @default 8 MiB */
  partSizeBytes?: number
  /** Milliseconds since the epoch, for signing; tests move it. @default Date.now */
  now?: () => number
}

export interface S3ObjectStore extends ObjectStore {
  readonly bucket: string
  /** Closes the client's sockets (tests; shutdown). */
  destroy(): void
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024

/**
 * @example createS3ObjectStore({ bucket: 'images', endpoint: 'https://acc.r2.cloudflarestorage.com',
 *   region: 'auto', accessKeyId, secretAccessKey })
 */
export function createS3ObjectStore(options: S3ObjectStoreOptions): S3ObjectStore {
  const { bucket, region } = options
  const now = options.now ?? Date.now
  const forcePathStyle = options.forcePathStyle ?? options.endpoint !== undefined
  const credentials = { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
  const client = new S3Client({
    region,
    credentials,
    forcePathStyle,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    // R2, MinIO and s3rver do not all speak the SDK's default CRC trailers; checksums only where required.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
  const endpoint = new URL(options.endpoint ?? `https://s3.${region}.amazonaws.com`)
  const publicUrl = options.publicUrl?.replace(/\/+$/, '')

  function checkKey(key: string): string {
    if (!isValidObjectKey(key)) throw new Error(`invalid object key: ${JSON.stringify(key)}`)
    return key
  }

  // An endpoint may carry a path (a gateway mounted under a prefix): the SDK keeps it, so must we.
  const basePath = endpoint.pathname.replace(/\/+$/, '')

  function presignTarget(key: string): PresignTarget {
    const origin = forcePathStyle ? endpoint.origin : `${endpoint.protocol}//${bucket}.${endpoint.host}`
    const path = forcePathStyle ? `${basePath}/${bucket}/${key}` : `${basePath}/${key}`
    return { origin, path, region, ...credentials }
  }

  async function getObject(key: string): Promise<GetObjectCommandOutput | undefined> {
    try {
      return await client.send(new GetObjectCommand({ Bucket: bucket, Key: checkKey(key) }))
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
  }

  return {
    bucket,

    async put(key, data, contentType) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: checkKey(key),
          Body: data,
          ContentType: contentType,
          ContentLength: data.byteLength,
        }),
      )
    },

    async putStream(key, stream, { contentType, signal }) {
      signal?.throwIfAborted()
      // Parts are buffered one at a time per queue slot, so memory stays near queueSize × partSize
      // whatever the clip's length; a body shorter than one part becomes a single PutObject.
      const upload = new Upload({
        client,
        params: {
          Bucket: bucket,
          Key: checkKey(key),
          Body: toNodeReadable(stream),
          ContentType: contentType,
        },
        partSize: options.partSizeBytes ?? DEFAULT_PART_SIZE,
        queueSize: 2,
        leavePartsOnError: false,
      })
      const abort = () => void upload.abort().catch(() => undefined)
      signal?.addEventListener('abort', abort, { once: true })
      try {
        await upload.done()
      } finally {
        signal?.removeEventListener('abort', abort)
      }
    },

    async get(key) {
      const object = await getObject(key)
      if (!object?.Body) return undefined
      return {
        body: object.Body.transformToWebStream() as ReadableStream<Uint8Array>,
        contentType: object.ContentType ?? 'application/octet-stream',
        size: object.ContentLength ?? 0,
      }
    },

    async read(key) {
      const object = await getObject(key)
      return object?.Body ? object.Body.transformToByteArray() : undefined
    },

    async delete(key) {
      // S3 answers 204 for a missing key too, so deleting twice is fine.
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: checkKey(key) }))
    },

    signedUrl(key, { expiresInSeconds }) {
      checkKey(key)
      if (publicUrl) return `${publicUrl}/${key}`
      const lifetime = Math.min(MAX_PRESIGN_SECONDS, options.presignTtlSeconds ?? expiresInSeconds)
      return presignGetUrl(presignTarget(key), lifetime, now())
    },

    destroy() {
      client.destroy()
    },
  }
}

function isMissing(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404
}
