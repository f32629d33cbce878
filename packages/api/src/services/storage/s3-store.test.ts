import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runObjectStoreConformance } from './conformance.js'
import { createS3ObjectStore, type S3ObjectStore } from './s3-store.js'
import { S3RVER_CREDENTIALS, type S3rverFixture, startS3rver } from './s3rver-fixture.js'

runObjectStoreConformance('s3 (s3rver)', {
  async create({ now }) {
    const server = await startS3rver()
    const store = createS3ObjectStore({
      bucket: server.bucket,
      endpoint: server.endpoint,
      region: 'us-east-1',
      ...S3RVER_CREDENTIALS,
      // The smallest part S3 allows, so the multi-megabyte stream goes up in several parts.
      partSizeBytes: 5 * 1024 * 1024,
      now,
    })
    return {
      store,
      download: (url) => fetch(url),
      lifetimeOf: (url) => Number(url.searchParams.get('X-Amz-Expires')),
      async close() {
        store.destroy()
        await server.stop()
      },
    }
  },
})

describe('S3 object store settings', () => {
  let server: S3rverFixture
  const stores: S3ObjectStore[] = []
  const storeWith = (options: { presignTtlSeconds?: number; publicUrl?: string }) => {
    const store = createS3ObjectStore({
      bucket: server.bucket,
      endpoint: server.endpoint,
      region: 'us-east-1',
      ...S3RVER_CREDENTIALS,
      ...options,
    })
    stores.push(store)
    return store
  }
  beforeAll(async () => {
    server = await startS3rver()
  })
  afterAll(async () => {
    for (const store of stores) store.destroy()
    await server.stop()
  })

  it('presigns with its own lifetime when one is configured, capped at seven days', async () => {
    const store = storeWith({ presignTtlSeconds: 120 })
    await store.put('images/u1/ttl.png', new Uint8Array([1]), 'image/png')
    const url = new URL(store.signedUrl('images/u1/ttl.png', { origin: 'http://x', expiresInSeconds: 600 }))
    expect(url.searchParams.get('X-Amz-Expires')).toBe('120')
    expect(url.origin).toBe(server.endpoint)
    expect(url.pathname).toBe(`/${server.bucket}/images/u1/ttl.png`)
    expect((await fetch(url)).status).toBe(200)
    const long = storeWith({ presignTtlSeconds: 30 * 86_400 })
    const capped = new URL(long.signedUrl('images/u1/ttl.png', { origin: 'http://x', expiresInSeconds: 600 }))
    expect(capped.searchParams.get('X-Amz-Expires')).toBe('604800')
  })

  it('links to the public base URL, unsigned, when one is configured', () => {
    const store = storeWith({ publicUrl: 'https://cdn.example.com/media/' })
    expect(store.signedUrl('images/u1/a.png', { origin: 'http://x', expiresInSeconds: 60 })).toBe(
      'https://cdn.example.com/media/images/u1/a.png',
    )
  })
})
