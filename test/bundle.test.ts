/**
 * What an app bundles when it imports the SDK: the main entry never drags in
 * the mock server (hono, bcryptjs, msw) nor any Node built-in.
 */
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

async function bundle(contents: string) {
  const result = await build({
    stdin: { contents, resolveDir: root, sourcefile: 'app.ts', loader: 'ts' },
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    logLevel: 'silent',
  })
  return { inputs: Object.keys(result.metafile.inputs), code: result.outputFiles[0]?.text ?? '' }
}

describe('bundling the SDK', () => {
  it('pulls nothing from mock-server, hono, bcryptjs or msw when an app imports createAuthClient', async () => {
    const { inputs, code } = await bundle(
      "import { createAuthClient } from './src/index.ts'\nexport const auth = createAuthClient({ baseUrl: 'https://api.example.com' })",
    )
    expect(inputs.some((input) => input.startsWith('src/'))).toBe(true)
    expect(inputs.filter((input) => /mock-server|hono|bcryptjs|msw/.test(input))).toEqual([])
    expect(inputs.filter((input) => input.startsWith('node_modules/')).map((input) => input.split('/')[1])).toEqual(
      expect.arrayContaining(['ky', 'jwt-decode']),
    )
    expect(code).not.toMatch(/node:|require\(/)
  })

  it('leaves unused exports out: importing only createAuthClient drops the presets', async () => {
    const { code } = await bundle(
      "import { createAuthClient } from './src/index.ts'\nexport const auth = createAuthClient({ baseUrl: 'https://api.example.com' })",
    )
    expect(code).not.toContain('refresh-token')
    const withPresets = await bundle("export { presets } from './src/index.ts'")
    expect(withPresets.code).toContain('refresh-token')
  })

  it('builds the mock server for browsers without Node built-ins (for setupWorker)', async () => {
    const { inputs, code } = await bundle("export { createAuthHandlers } from './mock-server/index.ts'")
    expect(inputs.filter((input) => input.startsWith('mock-server/')).sort()).not.toContain('mock-server/node.ts')
    expect(inputs).not.toContain('mock-server/serve.ts')
    expect(code).not.toMatch(/from\s*["']node:/)
  })
})
