/**
 * @module The API's procedures as plain data types (input, output, event per path), derived from the
 * server's router. The published build replaces this file's declarations with the same types
 * written out in full (scripts/emit-api-shape.ts), so consumers never need the server's packages.
 */
import type { AppErrorData as ServerAppErrorData, AppRouter as ServerRouter } from '@nbl/api'
import type { TRPCMutationProcedure, TRPCQueryProcedure, TRPCSubscriptionProcedure } from '@trpc/server'

type Leaf =
  | string
  | number
  | boolean
  | bigint
  | symbol
  | null
  | undefined
  | Date
  | ((...args: never[]) => unknown)

/**
 * A type rebuilt member by member. Each union is re-formed through a tuple and each object through a
 * key-remapping mapped type, so the declaration emitter has to spell it out instead of naming the
 * server-side alias or interface it came from.
 * @example type Plain = Expand<{ tier: Tier }> // { tier: 'free' | 'pro' | 'unlimited' }
 */
export type Expand<T> = (T extends unknown ? [T] : never) extends infer Wrapped
  ? Wrapped extends [infer Member]
    ? ExpandMember<Member>
    : never
  : never

type ExpandMember<T> = unknown extends T
  ? T
  : T extends Leaf
    ? T
    : T extends unknown[]
      ? Expand<T[number]>[]
      : T extends readonly unknown[]
        ? readonly Expand<T[number]>[]
        : { [K in keyof T as K extends string ? `${K}` : K]: Expand<T[K]> }

/**
 * One procedure, or a nested record of them, as data.
 * @example type Generate = ProcedureShape<ServerRouter['generate']['image']> // { type: 'mutation'; input; output }
 */
export type ProcedureShape<P> =
  P extends TRPCQueryProcedure<infer Def>
    ? { type: 'query'; input: Expand<Def['input']>; output: Expand<Def['output']> }
    : P extends TRPCMutationProcedure<infer Def>
      ? { type: 'mutation'; input: Expand<Def['input']>; output: Expand<Def['output']> }
      : P extends TRPCSubscriptionProcedure<infer Def>
        ? Def['output'] extends AsyncIterable<infer Event>
          ? { type: 'subscription'; input: Expand<Def['input']>; event: Expand<Event> }
          : never
        : { [K in keyof P as K extends string ? `${K}` : K]: ProcedureShape<P[K]> }

/**
 * Every procedure of the API by path, as data.
 * @example type Quota = ApiShape['quota']['status']['output']
 */
export type ApiShape = ProcedureShape<ServerRouter['_def']['record']>

/**
 * The `data` every API error carries (`appCode`, `httpStatus`, `retryAfterMs`, `fieldErrors`, …).
 * @example const data: AppErrorData = { code: 'NOT_FOUND', httpStatus: 404, appCode: 'NOT_FOUND' }
 */
export type AppErrorData = Expand<ServerAppErrorData>
