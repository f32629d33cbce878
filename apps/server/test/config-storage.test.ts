import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '@nbl/api'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'
import { buildDeps } from '../src/deps.js'

const load = (env: Record<string, string>) => loadConfig(env, { dataDir: '/tmp/nbl-config-test' })

describe('object storage configuration', () => {
  it('keeps objects in the data folder unless a bucket is set', () => {
    expect(load({}).s3).toBeUndefined()
  })

  it('reads an S3-compatible bucket', () => {
    expect(
      load({
        S3_BUCKET: 'media',
        S3_ENDPOINT: 'http://127.0.0.1:9000/',
        S3_ACCESS_KEY_ID: 'id',
        S3_SECRET_ACCESS_KEY: 'secret',
        S3_FORCE_PATH_STYLE: 'true',
        S3_PUBLIC_URL: 'https://cdn.example.com/media/',
        S3_PRESIGN_TTL_SECONDS: '900',
      }).s3,
    ).toEqual({
      bucket: 'media',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      forcePathStyle: true,
      publicUrl: 'https://cdn.example.com/media',
      presignTtlSeconds: 900,
    })
  })

  it('accepts Cloudflare R2 names, with the account endpoint and region auto', () => {
    expect(
      load({
        R2_ACCOUNT_ID: 'abc123',
        R2_BUCKET: 'media',
        R2_ACCESS_KEY_ID: 'id',
        R2_SECRET_ACCESS_KEY: 'secret',
      }).s3,
    ).toEqual({
      bucket: 'media',
      endpoint: 'https://abc123.r2.cloudflarestorage.com',
      region: 'auto',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
    })
  })

  it.each([
    [{ S3_BUCKET: 'media' }, /S3_ACCESS_KEY_ID/],
    [{ S3_ENDPOINT: 'https://s3.example.com' }, /S3_BUCKET/],
    [
      {
        S3_BUCKET: 'media',
        S3_ACCESS_KEY_ID: 'id',
        S3_SECRET_ACCESS_KEY: 's',
        S3_PRESIGN_TTL_SECONDS: '999999',
      },
      /S3_PRESIGN_TTL_SECONDS/,
    ],
    [{ R2_ACCOUNT_ID: 'not/an/id' }, /R2_ACCOUNT_ID/],
  ])('refuses %j', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError)
    expect(() => load(env)).toThrow(message)
  })

  it('builds the S3 store instead of the local one: no /files, presigned links to the bucket', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nbl-storage-deps-'))
    const config = loadConfig(
      {
        S3_BUCKET: 'media',
        R2_ACCOUNT_ID: 'abc123',
        S3_ACCESS_KEY_ID: 'id',
        S3_SECRET_ACCESS_KEY: 'secret',
        S3_PRESIGN_TTL_SECONDS: '300',
      },
      { dataDir },
    )
    const built = await buildDeps({
      config,
      secretKey: 'test-secret-test-secret-test-secret',
      logger: silentLogger,
      version: 'test',
    })
    try {
      expect(built.deps.localFiles).toBeUndefined()
      const url = new URL(
        built.deps.storage.signedUrl('images/u1/a.png', { origin: 'http://x', expiresInSeconds: 60 }),
      )
      expect(url.origin + url.pathname).toBe('https://abc123.r2.cloudflarestorage.com/media/images/u1/a.png')
      expect(url.searchParams.get('X-Amz-Expires')).toBe('300')
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^id\/\d{8}\/auto\/s3\/aws4_request$/)
    } finally {
      await built.close()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
