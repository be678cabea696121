import { defineConfig } from 'vitest/config'
import base from './vitest.config.ts'

/**
 * `npm run test:redis`: the suites that need a real redis-server (started by the tests themselves on a free
 * loopback port). Kept out of `npm test`, so that a machine without redis-server is not failed by them, and
 * run by .ci/run after installing redis-server, so that they are never counted as passing unrun.
 * (Not mergeConfig: it would concatenate `include` with the base's.)
 */
export default defineConfig({
  ...base,
  test: { ...base.test, include: ['test/store-redis.test.ts'], exclude: ['test/browser/**'] },
})
