/**
 * @module Child processes of the gateway benchmark: the fake upstream and the server (the production
 * build, run as `pnpm start` runs it: its start script's environment settings and node flags, then
 * `dist/main.js`; built once per bench run so it matches the sources), and the server's peak RSS per
 * scenario from /proc.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const benchDir = fileURLToPath(new URL('..', import.meta.url))
const serverDir = fileURLToPath(new URL('../../apps/server/', import.meta.url))

/** USER_HZ: 100 on every Linux build that matters here (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100

export interface FakeUpstream {
  url: string
  baseUrl: string
  apiKey: string
  stop(): Promise<void>
}

export async function startFakeUpstream(latencyMs: number): Promise<FakeUpstream> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./fake-upstream.ts', import.meta.url)), String(latencyMs)],
    { cwd: benchDir, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> })
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve)
    child.once('exit', (code) => reject(new Error(`fake upstream exited (${code})`)))
  })
  lines.close()
  const info = JSON.parse(first) as { url: string; baseUrl: string; apiKey: string }
  return { ...info, stop: () => stopChild(child) }
}

export interface ServerProcess {
  url: string
  pid: number
  logFile: string
  /** Resets the kernel's peak-RSS mark (VmHWM) so the next read is this scenario's peak. */
  resetPeakRss(): void
  /** Peak RSS in MiB since the last reset (VmHWM; polled VmRSS where the reset is not allowed). */
  peakRssMiB(): number
  /** User + system CPU time of the server process (all its threads) so far, in ms. */
  cpuMs(): number
  stop(): Promise<void>
}

export interface ServerOptions {
  env: Record<string, string>
  logFile: string
  /** Directory for a `--cpu-prof` profile of the server, written when it exits. */
  cpuProfDir?: string
  /** Extra `node` flags for the server (`BENCH_SERVER_NODE_FLAGS`, e.g. `--trace-gc`). */
  nodeFlags?: string[]
}

let built = false

/**
 * Builds apps/server/dist (tsdown, about a second) the first time a bench run starts a server, so the
 * bundle measured is always the one the current sources give. Its output goes to stderr.
 */
function buildServerOnce(): void {
  if (built) return
  const result = spawnSync('pnpm', ['--filter', '@nbl/server', 'build'], {
    cwd: serverDir,
    stdio: ['ignore', process.stderr, process.stderr],
  })
  if (result.error || result.status !== 0) {
    throw new Error(`building the server failed (${result.error?.message ?? `exit ${result.status}`})`)
  }
  built = true
}

export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  buildServerOnce()
  const log = openSync(options.logFile, 'w')
  const start = startCommand()
  const child = spawn(
    process.execPath,
    [
      ...start.nodeFlags,
      ...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []),
      ...(options.nodeFlags ?? []),
      start.entry,
    ],
    // Only what the benchmark sets: no provider key or database from the caller's environment leaks in.
    {
      cwd: serverDir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...start.env, ...options.env },
      stdio: ['ignore', log, log],
    },
  )
  const pid = child.pid
  if (pid === undefined) throw new Error('the server did not start')
  const url = await waitForListening(child, options.logFile)

  let canReset = true
  let sampledPeak = 0
  // Where clear_refs is refused, poll VmRSS instead (every 50 ms; the peak between samples may be missed).
  let sampler: NodeJS.Timeout | undefined
  const readStatus = (field: 'VmHWM' | 'VmRSS') => {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
    return match ? Number(match[1]) / 1024 : 0
  }
  return {
    url,
    pid,
    logFile: options.logFile,
    resetPeakRss() {
      sampledPeak = 0
      if (canReset) {
        try {
          writeFileSync(`/proc/${pid}/clear_refs`, '5')
          return
        } catch {
          canReset = false
        }
      }
      sampler ??= setInterval(() => {
        sampledPeak = Math.max(sampledPeak, readStatus('VmRSS'))
      }, 50)
    },
    peakRssMiB() {
      return canReset ? readStatus('VmHWM') : Math.max(sampledPeak, readStatus('VmRSS'))
    },
    cpuMs() {
      // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, counted after the `(comm)` field.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND
    },
    async stop() {
      if (sampler) clearInterval(sampler)
      await stopChild(child)
    },
  }
}

/**
 * The server's `start` script (`[NAME=value ...] node [flags ...] <entry>`) taken apart, so the bench runs
 * the server with the same environment settings and node flags as `pnpm start` does.
 */
function startCommand(): { env: Record<string, string>; nodeFlags: string[]; entry: string } {
  const manifest = JSON.parse(readFileSync(join(serverDir, 'package.json'), 'utf8')) as {
    scripts: { start: string }
  }
  const words = manifest.scripts.start.trim().split(/\s+/)
  const env: Record<string, string> = {}
  while (words[0]?.includes('=')) {
    const [name, ...value] = (words.shift() as string).split('=')
    env[name as string] = value.join('=')
  }
  const entry = words.pop()
  if (words.shift() !== 'node' || !entry) {
    throw new Error(`apps/server's start script is not "[NAME=value ...] node [flags ...] <entry>"`)
  }
  return { env, nodeFlags: words, entry }
}

async function waitForListening(child: ChildProcess, logFile: string): Promise<string> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the server exited (${child.exitCode}):\n${readFileSync(logFile, 'utf8')}`)
    }
    const match = /listening on (http:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'))
    if (match?.[1]) return match[1]
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.kill('SIGKILL')
  throw new Error(`the server did not listen within 60 s; see ${logFile}`)
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.once('exit', () => {
      clearTimeout(killer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
