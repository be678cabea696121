import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**'],
    environment: 'node',
    // Nothing may be skipped or focused and still count as passing.
    allowOnly: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
