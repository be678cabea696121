import { defineConfig } from 'vitest/config'

/**
 * The browser tests (`npm run test:browser`): Vitest runs in Node and drives the
 * system Chromium through playwright-core; the pages are bundled with esbuild.
 * `vitest.config.ts` excludes them from `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    // Nothing may be skipped or focused and still count as passing.
    allowOnly: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
