import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The live and pack tests start the real server on embedded PGlite (seconds each).
    hookTimeout: 120_000,
    testTimeout: 120_000,
  },
})
