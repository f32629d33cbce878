/**
 * The published package, as a stranger gets it: `pnpm pack`, `npm install <tarball>` into an empty
 * project outside the workspace, type-check usage files with the installed types only, and run the
 * compiled usage against a real server.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './server.js'

const run = promisify(execFile)
const SDK_DIR = resolve(import.meta.dirname, '..')
const TSC = resolve(SDK_DIR, '..', '..', 'node_modules', '.bin', 'tsc')

const USAGE = `
declare const process: { env: Record<string, string | undefined> }
import { createClient, isAppError, watchJob, type GenerationResult } from '@nbl/sdk'

const client = createClient({ url: process.env.NBL_URL!, apiKey: process.env.NBL_API_KEY })
const result: GenerationResult = await client.generate.image.mutate({
  prompt: 'a banana in a tarball',
  resolution: '1K',
  aspectRatio: '16:9',
})
const width: number = result.images[0]!.width
const { jobId } = await client.generate.batch.mutate({ items: [{ prompt: 'one' }, { prompt: 'two' }] })
let done = ''
for await (const event of watchJob(client, jobId)) if (event.type === 'done') done = event.status
try {
  await client.library.history.get.query({ imageId: 'img_missing' })
} catch (error) {
  if (!isAppError(error, 'NOT_FOUND')) throw error
  const status: number = error.data.httpStatus
  console.log(JSON.stringify({ width, provider: result.provider, done, notFound: status }))
}
`

// The same call with a resolution the API does not have.
const WRONG = `
import { createClient } from '@nbl/sdk'
const client = createClient({ url: 'http://127.0.0.1:1', apiKey: 'nbl_x' })
await client.generate.image.mutate({ prompt: 'too big', resolution: '8K' })
`

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023', 'ESNext.Disposable', 'DOM'],
    types: [],
    strict: true,
    skipLibCheck: true,
    outDir: 'out',
  },
}

let project: string
let server: TestServer

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'nbl-sdk-pack-'))
  const [tarballs] = await Promise.all([
    (async () => {
      // turbo builds before testing; build here only when run alone. `pnpm pack` applies publishConfig.
      if (!existsSync(join(SDK_DIR, 'dist', 'api-shape.d.ts')))
        await run('pnpm', ['run', 'build'], { cwd: SDK_DIR })
      await run('pnpm', ['pack', '--pack-destination', project], {
        cwd: SDK_DIR,
        env: { ...process.env, npm_config_ignore_scripts: 'true' },
      })
      return readdirSync(project).filter((name) => name.endsWith('.tgz'))
    })(),
    startTestServer().then((started) => {
      server = started
    }),
  ])
  expect(tarballs).toHaveLength(1)
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  )
  await run(
    'npm',
    ['install', `./${tarballs[0]}`, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
    { cwd: project },
  )
}, 180_000)

afterAll(async () => {
  await server?.stop()
  if (project) rmSync(project, { recursive: true, force: true })
})

function typecheck(file: string, source: string) {
  writeFileSync(join(project, file), source)
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, files: [file] }))
  return run(TSC, ['-p', 'tsconfig.json'], { cwd: project }).then(
    () => ({ ok: true, output: '' }),
    (error: { stdout?: string; stderr?: string }) => ({
      ok: false,
      output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
    }),
  )
}

describe('the packed @nbl/sdk', () => {
  it('installs outside the workspace with nothing from the server', () => {
    const installed = join(project, 'node_modules')
    expect(existsSync(join(installed, '@nbl', 'sdk', 'dist', 'index.js'))).toBe(true)
    expect(existsSync(join(installed, '@nbl', 'sdk', 'src'))).toBe(false)
    for (const serverOnly of ['@nbl/api', '@nbl/db', 'kysely', 'ioredis', 'hono']) {
      expect(existsSync(join(installed, ...serverOnly.split('/')))).toBe(false)
    }
  })

  it('type-checks a correct usage file with full inference', async () => {
    const result = await typecheck('usage.ts', USAGE)
    expect(result.output).toBe('')
    expect(result.ok).toBe(true)
  })

  it('rejects a wrong input at compile time', async () => {
    const result = await typecheck('wrong.ts', WRONG)
    expect(result.ok).toBe(false)
    expect(result.output).toMatch(
      /wrong\.ts.*error TS2322: Type '"8K"' is not assignable to type '"1K" \| "2K" \| "4K"/,
    )
  })

  it('runs the compiled usage file against a real server', async () => {
    await typecheck('usage.ts', USAGE)
    const { stdout } = await run(process.execPath, [join('out', 'usage.js')], {
      cwd: project,
      env: { ...process.env, NBL_URL: server.url, NBL_API_KEY: server.adminKey },
    })
    expect(JSON.parse(stdout.trim())).toEqual({
      width: 1376,
      provider: 'local',
      done: 'succeeded',
      notFound: 404,
    })
  })
})
