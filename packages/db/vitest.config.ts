/**
 * @module Vitest settings for @nbl/db: PGlite takes 5-11 s to start, so hooks get a minute.
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    hookTimeout: 60_000,
    testTimeout: 20_000,
  },
})
