import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Each test file starts real server processes on embedded PGlite (seconds each).
    hookTimeout: 120_000,
    testTimeout: 120_000,
  },
})
