/**
 * @module A file-backed PGlite in a worker thread. PGlite runs PostgreSQL as WebAssembly on the
 * thread that calls it: in the server's event loop it took ~17 % of the CPU of a generation under
 * load (its statements, plus the JavaScript around them), time during which no request moved. In a
 * worker, statements run on another core while the event loop goes on. The dialect sees the same
 * small surface (`query`, `waitReady`, `close`); rows, parameters and errors cross by structured clone.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { PGliteQueryable, PGliteResult } from './pglite-dialect.js'

/** Runs in the worker: opens the data dir, answers `{ id, sql, params, options }` one by one. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { PGlite } = require(workerData.pglite)
const { pg_trgm } = require(workerData.pgTrgm)
const ready = PGlite.create(workerData.directory, {
  extensions: { pg_trgm },
  startParams: [...PGlite.defaultStartParams, ...workerData.extraStartParams],
})
function plainError(error) {
  const plain = { message: String(error && error.message), name: error && error.name }
  for (const key of Object.keys(error || {})) {
    const value = error[key]
    if (value === undefined || typeof value === 'function') continue
    if (typeof value === 'object' && value !== null) continue
    plain[key] = value
  }
  return plain
}
ready.then(
  () => parentPort.postMessage({ ready: true }),
  (error) => parentPort.postMessage({ ready: false, error: plainError(error) }),
)
parentPort.on('message', async (message) => {
  const db = await ready
  if (message.close) {
    await db.close()
    parentPort.postMessage({ closed: true })
    return
  }
  try {
    const result = await db.query(message.sql, message.params, message.options)
    parentPort.postMessage({
      id: message.id,
      result: { rows: result.rows, command: result.command, affectedRows: result.affectedRows },
    })
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: plainError(error) })
  }
})
`

interface Reply {
  id?: number
  ready?: boolean
  closed?: boolean
  result?: { rows: unknown[]; command?: string; affectedRows?: number }
  error?: Record<string, unknown> & { message: string }
}

/** An Error with the database's fields (`code`, `detail`, `constraint`, …) as the caller expects them. */
function errorFrom(plain: Reply['error']): Error {
  const { message, name, ...fields }: Record<string, unknown> & { message: string } = plain ?? {
    message: 'unknown PGlite error',
  }
  const error = new Error(message)
  if (typeof name === 'string') error.name = name
  return Object.assign(error, fields)
}

/** PGlite on `directory` in a worker thread, started with its default parameters followed by `extraStartParams`. */
export function openPGliteWorker(directory: string, extraStartParams: readonly string[]): PGliteQueryable {
  const require = createRequire(import.meta.url)
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      directory,
      extraStartParams: [...extraStartParams],
      pglite: require.resolve('@electric-sql/pglite'),
      pgTrgm: require.resolve('@electric-sql/pglite/contrib/pg_trgm'),
    },
  })
  const pending = new Map<number, { resolve(result: Reply['result']): void; reject(error: Error): void }>()
  let nextId = 0
  let closed = false
  let onClosed: (() => void) | undefined
  let failure: Error | undefined

  const waitReady = new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: Reply) => {
      if (reply.ready !== undefined) {
        if (reply.ready) resolve()
        else reject(errorFrom(reply.error))
        return
      }
      if (reply.closed) return onClosed?.()
      const waiting = reply.id === undefined ? undefined : pending.get(reply.id)
      if (!waiting || reply.id === undefined) return
      pending.delete(reply.id)
      if (reply.error) waiting.reject(errorFrom(reply.error))
      else waiting.resolve(reply.result)
    })
    worker.on('error', (error) => {
      failure = error
      reject(error)
      for (const waiting of pending.values()) waiting.reject(error)
      pending.clear()
    })
  })
  // A query before the database is open waits in the worker; an unused handle must not crash the process.
  waitReady.catch(() => undefined)

  return {
    waitReady,
    get closed() {
      return closed
    },
    query<T>(sql: string, params?: unknown[], options?: { rowMode?: 'object' | 'array' }) {
      if (failure) return Promise.reject(failure)
      const id = nextId++
      return new Promise<PGliteResult<T>>((resolve, reject) => {
        pending.set(id, { resolve: (result) => resolve(result as PGliteResult<T>), reject })
        worker.postMessage({ id, sql, params, options })
      })
    },
    async close() {
      if (closed) return
      closed = true
      if (!failure) {
        await new Promise<void>((resolve) => {
          onClosed = resolve
          worker.postMessage({ close: true })
        })
      }
      await worker.terminate()
    },
  }
}
