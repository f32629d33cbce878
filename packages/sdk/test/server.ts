/**
 * @module Test helper: the real server (apps/server/src/main.ts) in a child process on embedded
 * defaults (PGlite, in-process quota, jobs and events), with a temp data dir and a known admin key;
 * and a loopback TCP proxy in front of it that can drop every open connection.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SERVER_DIR = fileURLToPath(new URL('../../../apps/server/', import.meta.url))

export const ADMIN_KEY = `nbl_${'sdk-test-admin-key-'.repeat(2)}0123456789`

export interface TestServer {
  url: string
  adminKey: string
  process: ChildProcess
  stop(): Promise<void>
}

/** Starts the server; `env` adds to or overrides the defaults (e.g. quota limits, GitHub URLs). */
export function startTestServer(env: Record<string, string> = {}, timeoutMs = 90_000): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nbl-sdk-test-'))
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      RATE_LIMIT_GENERATE_PER_MINUTE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const stop = () =>
    new Promise<void>((done) => {
      const finish = () => {
        rmSync(dataDir, { recursive: true, force: true })
        done()
      }
      if (child.exitCode !== null || child.signalCode !== null) return finish()
      child.once('exit', finish)
      child.kill('SIGTERM')
    })
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
      resolve({ url, adminKey: ADMIN_KEY, process: child, stop })
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}\n${stdout}\n${stderr}`))
    })
  })
}

export interface DroppingProxy {
  url: string
  /** Connections accepted so far. */
  connections(): number
  /** Destroys every open connection (client and server side), as a network failure would. */
  dropAll(): void
  close(): Promise<void>
}

/** A TCP proxy to `target` (an http://host:port URL) on a free loopback port. */
export async function startDroppingProxy(target: string): Promise<DroppingProxy> {
  const { hostname, port } = new URL(target)
  const open = new Set<Socket>()
  let accepted = 0
  const server = createServer((client) => {
    accepted += 1
    const upstream = connect(Number(port), hostname)
    for (const socket of [client, upstream]) {
      open.add(socket)
      socket.on('close', () => open.delete(socket))
      socket.on('error', () => socket.destroy())
    }
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('proxy has no port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    connections: () => accepted,
    dropAll() {
      for (const socket of open) socket.destroy()
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
