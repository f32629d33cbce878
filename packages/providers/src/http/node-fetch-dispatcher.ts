/**
 * @module Keeps Node's built-in fetch working once the `undici` package is loaded.
 *
 * Importing undici 7 makes its Agent the process-wide dispatcher (unless Node's own fetch set one
 * first), and Node 20's built-in fetch (undici 6) then sends through it. When a caller sets
 * Content-Length itself, as arctic's OAuth token request does, Node 20's fetch adds its own value
 * ("7, 7"): undici 6 read that as 7, undici 7 refuses the request ("invalid content-length header"),
 * so GitHub sign-in failed whenever the providers had loaded undici first. The process-wide undici 7
 * Agent gets an interceptor that folds repeated equal values back into one.
 */
import type { Dispatcher } from 'undici'
import undiciGlobal from 'undici/lib/global.js'
import { Agent } from './undici.js'

const { getGlobalDispatcher, setGlobalDispatcher } = undiciGlobal

const repaired = new WeakSet<Dispatcher>()

export function repairNodeFetchDispatcher(): void {
  const current = getGlobalDispatcher()
  // Node's own dispatcher (its fetch ran before undici was loaded) reads such a header as it always did.
  if (!(current instanceof Agent) || repaired.has(current)) return
  const composed = current.compose(foldRepeatedContentLength)
  repaired.add(composed)
  setGlobalDispatcher(composed)
}

const foldRepeatedContentLength: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (options, handler) =>
  dispatch(options.headers ? { ...options, headers: foldedHeaders(options.headers) } : options, handler)

type Headers = NonNullable<Dispatcher.DispatchOptions['headers']>

/** Node's fetch hands its headers over as a plain record; other shapes are not its and pass as they are. */
function foldedHeaders(headers: Headers): Headers {
  if (Array.isArray(headers) || typeof headers !== 'object' || Symbol.iterator in headers) return headers
  const record = headers as Record<string, unknown>
  const name = Object.keys(record).find((key) => key.toLowerCase() === 'content-length')
  if (name === undefined) return headers
  const value = folded(record[name])
  return value === record[name] ? headers : ({ ...record, [name]: value } as Headers)
}

/** `"7, 7"` -> `"7"`; anything else (one value, or values that differ) as it is. */
function folded(value: unknown): unknown {
  if (typeof value !== 'string' || !value.includes(',')) return value
  const parts = value.split(',').map((part) => part.trim())
  return parts.every((part) => part === parts[0]) ? parts[0] : value
}
