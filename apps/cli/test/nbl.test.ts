/**
 * The built `nbl` binary (node dist/nbl.js) as a child process against the real server on embedded
 * defaults: files, progress, summaries and exit codes.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createClient } from '@nbl/sdk'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../../../packages/sdk/test/server.js'

const BIN = resolve(import.meta.dirname, '..', 'dist', 'nbl.js')
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

let server: TestServer
let work: string

beforeAll(async () => {
  server = await startTestServer({ QUOTA_FREE_DAILY_LIMIT: '2', QUOTA_FREE_COOLDOWN_SECONDS: '0' })
  work = mkdtempSync(join(tmpdir(), 'nbl-cli-test-'))
}, 120_000)

afterAll(async () => {
  await server?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

interface Run {
  code: number
  stdout: string
  stderr: string
}

function nbl(args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: work,
        // No inherited NBL_* and no home config: only what the test passes.
        env: {
          PATH: process.env.PATH ?? '',
          HOME: work,
          NBL_URL: server.url,
          NBL_API_KEY: server.adminKey,
          ...env,
        },
      },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 70) : 0, stdout, stderr }),
    )
    child.stdin?.end(input ?? '')
  })
}

describe('nbl generate', () => {
  it('writes a valid PNG of the requested size', async () => {
    const out = join(work, 'banana.png')
    const run = await nbl([
      'generate',
      'a banana on a bicycle',
      '--aspect',
      '16:9',
      '--provider',
      'local',
      '--out',
      out,
    ])
    expect(run.stderr).toContain('local/')
    expect(run.code).toBe(0)
    const bytes = readFileSync(out)
    expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true)
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'png', width: 1376, height: 768 })
    expect(run.stdout).toContain(`${out}\t1376x768\timage/png`)
  })

  it('exits 1 with the field named for an invalid option', async () => {
    const run = await nbl(['generate', 'too big', '--resolution', '8K'])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/invalid input.*\n\s+resolution:/)
  })
})

describe('nbl batch', () => {
  it('shows progress driven by the job events and exits 0 with a summary table', async () => {
    const file = join(work, 'prompts.txt')
    writeFileSync(file, 'a red banana\n\n# skipped comment\na green banana\na blue banana\n')
    const run = await nbl(['batch', file, '--concurrency', '1'])
    expect(run.code).toBe(0)
    const bars = run.stderr.split('\n').filter((line) => line.startsWith('['))
    expect(bars[0]).toContain('0% 0/3')
    expect(bars.at(-1)).toMatch(/\[#{30}\] 100% 3\/3$/)
    expect(run.stdout).toMatch(/#\s+status\s+prompt\s+image \/ error/)
    expect(run.stdout.match(/succeeded\s+a (red|green|blue) banana/g)).toHaveLength(3)
    expect(run.stdout).toContain('succeeded: 3/3 succeeded')
  })
})

describe('nbl video and nbl chat', () => {
  it('waits for a video job and saves the MP4', async () => {
    const out = join(work, 'clip.mp4')
    const run = await nbl([
      'video',
      'a banana rolling',
      '--duration',
      '5',
      '--provider',
      'local',
      '--out',
      out,
    ])
    expect(run.stderr).toContain('waiting for the video')
    expect(run.code).toBe(0)
    // An MP4 starts with a box whose type is "ftyp".
    expect(readFileSync(out).subarray(4, 8).toString('latin1')).toBe('ftyp')
  })

  it('runs one session turn by turn from stdin, saving each turn’s image', async () => {
    const run = await nbl(
      ['chat', '--provider', 'local', '--out', join(work, 'chat')],
      {},
      'a banana\nnow make it blue\n',
    )
    expect(run.code).toBe(0)
    const saved = run.stdout.split('\n').filter((line) => /^turn \d+: /.test(line))
    expect(saved.map((line) => line.slice(0, 7))).toEqual(['turn 1:', 'turn 2:'])
    const firstPath = saved[0]!.replace(/^turn 1: /, '').split('\t')[0]!
    expect(readFileSync(firstPath).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true)
  })
})

describe('exit codes', () => {
  it('exits 3 when the quota is exhausted, saying when it resets in local time and as a duration', async () => {
    const admin = createClient({ url: server.url, apiKey: server.adminKey })
    const user = await admin.admin.users.create.mutate({ name: 'cli quota', tier: 'free' })
    const { secret } = await admin.admin.users.issueApiKey.mutate({ userId: user.id, name: 'cli' })
    const env = { NBL_API_KEY: secret }
    expect((await nbl(['generate', 'one', '--out', join(work, 'one.png')], env)).code).toBe(0)
    expect((await nbl(['generate', 'two', '--out', join(work, 'two.png')], env)).code).toBe(0)

    const run = await nbl(['generate', 'three'], env)
    expect(run.code).toBe(3)
    expect(run.stderr).toMatch(
      /quota exceeded: .+ It resets at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(local time\), in (\d+h \d+m|\d+m \d+s|\d+s)\./,
    )
    const quota = await nbl(['quota'], env)
    expect(quota.stdout).toMatch(/remaining\s+0/)
  })

  it('exits 2 for a wrong key and for no key at all', async () => {
    const wrong = await nbl(['quota'], { NBL_API_KEY: 'nbl_not_a_real_key_000000000000000000' })
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toContain('not signed in')
    const none = await nbl(['quota'], { NBL_API_KEY: '' })
    expect(none.code).toBe(2)
  })

  it('reads url and key from --config, and exits 1 on usage errors', async () => {
    const config = join(work, 'nbl.json')
    writeFileSync(config, JSON.stringify({ url: server.url, apiKey: server.adminKey }))
    const run = await nbl(['history', '--limit', '2', '--config', config], { NBL_URL: '', NBL_API_KEY: '' })
    expect(run.code).toBe(0)
    expect(run.stdout.trim().split('\n')).toHaveLength(2)
    expect((await nbl(['frobnicate'])).code).toBe(1)
  })
})
