import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // The tests start the real server on embedded PGlite and run the built binary.
    hookTimeout: 120_000,
    testTimeout: 120_000,
  },
})
