import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    // A fresh PGlite takes seconds to start; one is shared per test file.
    hookTimeout: 60_000,
    testTimeout: 60_000,
  },
})
