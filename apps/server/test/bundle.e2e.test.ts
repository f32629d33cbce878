/**
 * @module The production build, which `pnpm start` and the benchmarks run and the other suites (on the
 * sources, through tsx) do not: built here, then started on embedded defaults and used.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILT_MAIN, type RunningServer, startServer } from './server-process.js'

const serverDir = fileURLToPath(new URL('..', import.meta.url))
const adminKey = `nbl_bundle_test_${'k'.repeat(32)}`
let server: RunningServer
let dataDir: string

beforeAll(async () => {
  const build = spawnSync('pnpm', ['exec', 'tsdown'], { cwd: serverDir, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`the build failed:\n${build.stdout}\n${build.stderr}`)
  dataDir = await mkdtemp(join(tmpdir(), 'nbl-bundle-'))
  server = await startServer(
    { DATA_DIR: dataDir, BOOTSTRAP_ADMIN_KEY: adminKey, MODERATION_BLOCKLIST: 'acme' },
    90_000,
    [BUILT_MAIN],
  )
}, 120_000)
afterAll(async () => {
  await server?.stop()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

const generate = (prompt: string) =>
  fetch(`${server.url}/trpc/generate.image`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt }),
  })

describe('the production bundle', () => {
  it('holds Latin-1 characters only, so V8 keeps its source one byte a character', async () => {
    const dist = dirname(BUILT_MAIN)
    const chunks = (await readdir(dist)).filter((name) => name.endsWith('.js'))
    expect(chunks).toContain('main.js')
    for (const chunk of chunks) {
      const source = await readFile(join(dist, chunk), 'utf8')
      expect({ chunk, beyondLatin1: source.match(/[\u0100-\uffff]/g) ?? [] }).toEqual({
        chunk,
        beyondLatin1: [],
      })
    }
  })

  it('generates an image on embedded defaults', async () => {
    const response = await generate('a ripe banana on a lab bench')
    expect(response.status).toBe(200)
    const body = (await response.json()) as { result: { data: { images: { url: string }[] } } }
    const [image] = body.result.data.images
    expect((await fetch(image?.url ?? '')).headers.get('content-type')).toBe('image/png')
  })

  it('still reads escaped characters as themselves: a Cyrillic homoglyph of a blocked word is refused', async () => {
    const response = await generate('a poster for \u0430cme corporation')
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { data: { appCode: 'CONTENT_BLOCKED' } } })
  })
})
