/**
 * @module A real S3-compatible server for tests: s3rver on 127.0.0.1 (a free port), its data in a
 * temporary folder, one bucket; `stop()` closes it and removes the folder.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** s3rver's built-in account. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const

export interface S3rverFixture {
  endpoint: string
  bucket: string
  stop(): Promise<void>
}

// The parts of s3rver's (untyped, CommonJS) API we use.
interface S3rverInstance {
  run(): Promise<AddressInfo>
  close(): Promise<void>
}
type S3rverConstructor = new (options: {
  address: string
  port: number
  silent: boolean
  directory: string
  vhostBuckets: boolean
  configureBuckets: { name: string }[]
}) => S3rverInstance

export async function startS3rver(bucket = 'nbl-test'): Promise<S3rverFixture> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor
  const directory = await mkdtemp(join(tmpdir(), 'nbl-s3rver-'))
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  })
  const address = await server.run()
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    async stop() {
      await server.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}
