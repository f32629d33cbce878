/** @module Bundles the SDK's JavaScript (ESM); declarations come from tsc + scripts/emit-api-shape.ts. */
import { defineConfig } from 'tsdown'

export default defineConfig({
  entry: ['src/index.ts'],
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  fixedExtension: false,
  dts: false,
  sourcemap: false,
  clean: true,
  // Installed beside the SDK, never copied into it.
  deps: { neverBundle: ['@trpc/client', '@trpc/server', /^@trpc\/server\//, 'eventsource'] },
})
