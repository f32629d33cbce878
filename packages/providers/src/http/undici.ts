/// <reference path="./undici-internals.d.ts" />
/**
 * @module undici's Agent, `request` and errors, imported from their own files rather than through the
 * package's index, which also loads fetch, WebSocket, EventSource, the cache stores and the mocks: with
 * `--expose-gc`, these files hold 1.7 MiB of heap and the index 4.8 MiB, in every server process.
 * The version is pinned (package.json), and the adapter and fast-fetch tests run through these files.
 *
 * Nor is undici's `lib/global.js` loaded: it would make an undici 7 Agent the dispatcher of Node's own
 * fetch, and Node 20's fetch doubles a Content-Length its caller set ("7, 7"), which undici 7 refuses
 * (arctic's GitHub token request failed that way). Node's fetch keeps its own dispatcher.
 */
import type { Dispatcher } from 'undici'
import requestOn from 'undici/lib/api/api-request.js'
import errors from 'undici/lib/core/errors.js'
import Agent from 'undici/lib/dispatcher/agent.js'

export { Agent, errors }

export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path'> & {
  /** What the request is dispatched on (an `Agent` of this module: it has no `request` of its own). */
  dispatcher: Pick<Dispatcher, 'dispatch'>
}

/** undici's `request(url, options)`, on the dispatcher given (its shorthand is defined in the index). */
export function request(url: string, options: RequestOptions): Promise<Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options
  const target = new URL(url)
  return requestOn.call(dispatcher as Dispatcher, {
    ...rest,
    origin: target.origin,
    path: `${target.pathname}${target.search}`,
  })
}
