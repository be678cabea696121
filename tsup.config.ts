import { defineConfig, type Options } from 'tsup'

/**
 * bcryptjs imports Node's `crypto` only as a fallback for runtimes without Web
 * Crypto; every runtime we support has `crypto.getRandomValues`, so the
 * runtime-neutral mock-server build maps that import to an empty module.
 */
const emptyNodeCrypto: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'empty-node-crypto',
  setup(build) {
    build.onResolve({ filter: /^(node:)?crypto$/ }, () => ({ path: 'crypto', namespace: 'empty-node-crypto' }))
    build.onLoad({ filter: /.*/, namespace: 'empty-node-crypto' }, () => ({ contents: 'export default {}' }))
  },
}

const shared = {
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  target: 'es2022',
  splitting: false,
  treeshake: true,
} satisfies Options

export default defineConfig([
  // The SDK: runtime-neutral, its two dependencies stay external.
  { ...shared, entry: { index: 'src/index.ts' }, platform: 'neutral', clean: true },
  // The mock server: hono and bcryptjs are bundled, so that only msw (a peer) must be installed.
  {
    ...shared,
    entry: { 'mock-server/index': 'mock-server/index.ts' },
    platform: 'neutral',
    external: ['msw'],
    noExternal: ['hono', 'bcryptjs'],
    esbuildPlugins: [emptyNodeCrypto],
  },
  // The Node HTTP server, with @hono/node-server bundled too.
  {
    ...shared,
    entry: { 'mock-server/node': 'mock-server/node.ts' },
    platform: 'node',
    // `node:sqlite` exists only with its prefix: tsup's default strips it, leaving an unresolvable `sqlite`.
    removeNodeProtocol: false,
    noExternal: ['hono', 'bcryptjs', '@hono/node-server'],
  },
])
