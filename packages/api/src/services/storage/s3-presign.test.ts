import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { describe, expect, it } from 'vitest'
import { createS3ObjectStore } from './s3-store.js'

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
}
const signingDate = new Date('2026-03-04T05:06:07Z')

function parameters(url: URL): Record<string, string> {
  return Object.fromEntries([...url.searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
}

describe('presigned GET URLs', () => {
  it.each([
    { label: 'a custom endpoint, path style', endpoint: 'http://127.0.0.1:4568', region: 'us-east-1' },
    { label: 'R2', endpoint: 'https://0123abcd.r2.cloudflarestorage.com', region: 'auto' },
    { label: 'AWS, virtual-hosted', region: 'eu-west-1' },
    { label: 'AWS us-east-1', region: 'us-east-1' },
  ])('match the AWS SDK presigner for $label', async ({ endpoint, region }) => {
    const bucket = 'nbl-media'
    const key = 'videos/usr_1/job_2-0.mp4'
    const store = createS3ObjectStore({
      bucket,
      region,
      ...credentials,
      ...(endpoint ? { endpoint } : {}),
      now: () => signingDate.getTime(),
    })
    const client = new S3Client({
      region,
      credentials,
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
    try {
      const ours = new URL(store.signedUrl(key, { origin: 'http://ignored', expiresInSeconds: 900 }))
      const sdk = new URL(
        await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
          expiresIn: 900,
          signingDate,
        }),
      )
      expect(ours.origin + ours.pathname).toBe(sdk.origin + sdk.pathname)
      expect(parameters(ours)).toEqual(parameters(sdk))
      expect(ours.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/)
    } finally {
      store.destroy()
      client.destroy()
    }
  })

  it('signs differently for another key, secret or time', () => {
    const sign = (options: { key?: string; secret?: string; at?: number }) =>
      new URL(
        createS3ObjectStore({
          bucket: 'b',
          region: 'auto',
          endpoint: 'https://x.r2.cloudflarestorage.com',
          accessKeyId: 'id',
          secretAccessKey: options.secret ?? 'secret',
          now: () => options.at ?? signingDate.getTime(),
        }).signedUrl(options.key ?? 'a/b.png', { origin: 'http://ignored', expiresInSeconds: 60 }),
      ).searchParams.get('X-Amz-Signature')
    const base = sign({})
    expect(sign({ key: 'a/c.png' })).not.toBe(base)
    expect(sign({ secret: 'other' })).not.toBe(base)
    expect(sign({ at: signingDate.getTime() + 1000 })).not.toBe(base)
    expect(sign({})).toBe(base)
  })
})
