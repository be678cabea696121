import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests (and README's examples) import the package by its name, resolved to the sources.
    alias: [
      { find: /^ky-token-refresh$/, replacement: source('./src/index.ts') },
      { find: /^ky-token-refresh\/mock-server$/, replacement: source('./mock-server/index.ts') },
      { find: /^ky-token-refresh\/mock-server\/node$/, replacement: source('./mock-server/node.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The Redis suite needs redis-server: `npm run test:redis` (vitest.redis.config.ts) runs it.
    exclude: ['test/browser/**', 'test/store-redis.test.ts'],
    environment: 'node',
    // Nothing may be skipped or focused and still count as passing.
    allowOnly: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
