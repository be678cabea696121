import { defineConfig } from 'vitest/config'
import base from './vitest.config.ts'

/**
 * `npm run test:pack`: the packed package installed in a project outside this repository (a build, `npm pack` and an
 * `npm install`: about a minute, so kept out of `npm test`; `.ci/run` runs it). No aliases: nothing may resolve to the
 * sources. (Not mergeConfig: it would concatenate `include` with the base's.)
 */
export default defineConfig({
  test: { ...base.test, include: ['test/package-install.pack.ts'], exclude: [] },
})
