/**
 * @module Starts the real server (`src/main.ts` through tsx, or the production build) as a child
 * process on a random port and waits until it says it is ready.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))
/** What `pnpm build` writes and `pnpm start` runs. */
export const BUILT_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url))

export interface RunningServer {
  url: string
  /** Printed only on the first start of a data dir. */
  adminKey: string | undefined
  stdout: string
  process: ChildProcess
  stop(): Promise<void>
}

export function startServer(
  env: Record<string, string>,
  timeoutMs = 90_000,
  /** `node` arguments: the sources through tsx unless given (`[BUILT_MAIN]`: the production build). */
  args: readonly string[] = ['--import', 'tsx', MAIN],
): Promise<RunningServer> {
  const child = spawn(process.execPath, args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      // The suites burst hundreds of generations from one address; rate limits have their own tests.
      RATE_LIMIT_GENERATE_PER_MINUTE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server did not become ready in ${timeoutMs} ms\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (!/^ready in \d+ ms$/m.test(stdout)) return
      clearTimeout(timer)
      const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1]
      if (!url) return reject(new Error(`no URL in output:\n${stdout}`))
      resolve({
        url,
        adminKey: /^\s+(nbl_\S+)$/m.exec(stdout)?.[1],
        stdout,
        process: child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done()
            child.once('exit', () => done())
            child.kill('SIGTERM')
          }),
      })
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}\n${stdout}\n${stderr}`))
    })
  })
}

/** Runs the server expecting it to refuse to start; resolves with its exit code and stderr. */
export function startServerExpectingFailure(
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })))
}
