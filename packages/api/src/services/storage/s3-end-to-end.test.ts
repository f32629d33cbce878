import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../../../test/harness.js'
import { createS3ObjectStore, type S3ObjectStore } from './s3-store.js'
import { S3RVER_CREDENTIALS, type S3rverFixture, startS3rver } from './s3rver-fixture.js'

describe('images in an S3 bucket (s3rver)', () => {
  let server: S3rverFixture
  let bucket: S3ObjectStore
  let harness: Harness

  beforeAll(async () => {
    server = await startS3rver()
    bucket = createS3ObjectStore({
      bucket: server.bucket,
      endpoint: server.endpoint,
      region: 'us-east-1',
      ...S3RVER_CREDENTIALS,
    })
    harness = await createHarness({ storage: { objects: bucket } })
  })
  afterAll(async () => {
    await harness?.close()
    bucket?.destroy()
    await server?.stop()
  })

  it('serves a generated image at a presigned URL and deletes the object with the image', async () => {
    expect(harness.deps.localFiles).toBeUndefined()
    const { caller, user } = await harness.createUser()
    const result = await caller.generate.image({ prompt: 'a lighthouse at dusk', aspectRatio: '1:1' })
    const image = result.images[0]!
    const url = new URL(image.url)
    expect(url.origin).toBe(server.endpoint)
    expect(url.pathname).toBe(`/${server.bucket}/images/${user.id}/${image.id}.png`)
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(harness.deps.config.signedUrlTtlSeconds))

    const response = await fetch(url)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/png')
    const bytes = new Uint8Array(await response.arrayBuffer())
    expect(bytes.byteLength).toBe(image.bytes)
    expect(await sharp(bytes).metadata()).toMatchObject({
      format: 'png',
      width: image.width,
      height: image.height,
    })

    // Listing signs fresh URLs for the same object.
    const listed = await caller.library.history.get({ imageId: image.id })
    expect(new URL(listed.url).pathname).toBe(url.pathname)

    expect(await caller.library.history.delete({ imageId: image.id })).toEqual({ ok: true })
    expect(await bucket.read(`images/${user.id}/${image.id}.png`)).toBeUndefined()
    const gone = await fetch(url)
    expect(gone.status).toBe(404)
    await gone.arrayBuffer()
  })
})
