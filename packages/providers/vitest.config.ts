/** @module Vitest settings for `@nbl/providers`. */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // 4K renders are real sharp work; leave room on a loaded CI machine.
    testTimeout: 30_000,
  },
})
