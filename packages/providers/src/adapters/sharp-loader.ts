/**
 * @module sharp, loaded on the first image that needs decoding or encoding rather than at start: it maps
 * libvips (~11 MiB of native code) and starts its threads, and a server whose providers hand back PNGs at
 * the requested size (the common case, see `fitImage`) never needs it.
 */
import type sharpModule from 'sharp'
import { lazyModule } from '../lazy-module.js'

export type Sharp = typeof sharpModule

const sharp = lazyModule(() => import('sharp').then((module) => module.default))

export function loadSharp(): Promise<Sharp> {
  return sharp.load()
}
