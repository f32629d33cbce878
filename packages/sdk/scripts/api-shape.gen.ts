/**
 * @module Input of scripts/emit-api-shape.ts: declaration emit has to write these constants' types
 * out in full, which is how the published api-shape.d.ts gets the API's types without the server.
 */
import type { ApiShape, AppErrorData } from '../src/api-shape.js'

declare function spell<T>(): { [K in keyof T as K extends string ? `${K}` : K]: T[K] }

export const apiShape = spell<ApiShape>()
export const appErrorData = spell<AppErrorData>()
