/**
 * @module sharp, loaded on the first image that needs decoding or encoding rather than at start: it maps
 * libvips (~11 MiB of native code) and starts its threads, and a server whose providers hand back PNGs at
 * the requested size (the common case, see `fitImage`) never needs it.
 */
import type sharpModule from 'sharp'

export type Sharp = typeof sharpModule

let loading: Promise<Sharp> | undefined

export function loadSharp(): Promise<Sharp> {
  loading ??= import('sharp').then((module) => module.default)
  return loading
}
