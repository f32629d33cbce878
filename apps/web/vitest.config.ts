import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/ensure-chromium.ts'],
    // One real server process and one Chromium; the first start migrates an embedded database.
    hookTimeout: 180_000,
    testTimeout: 180_000,
  },
})
