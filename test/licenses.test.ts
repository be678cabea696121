/**
 * The package's own license, and the notices of the code that the mock-server
 * builds bundle (hono, bcryptjs, @hono/node-server), which must ship with it.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import builds from '../tsup.config.ts'

const root = new URL('..', import.meta.url)
const read = (path: string) => readFileSync(new URL(path, root), 'utf8')
const manifest = JSON.parse(read('package.json')) as { license: string; files: string[] }
const notices = read('THIRD_PARTY_LICENSES.md')
const bundled = [...new Set((builds as { noExternal?: string[] }[]).flatMap((build) => build.noExternal ?? []))]
// Where npm installed it (their `exports` do not expose package.json to `require.resolve`).
const installed = (name: string) => join(fileURLToPath(root), 'node_modules', name)

describe('licenses', () => {
  it('ships an MIT LICENSE, as package.json declares', () => {
    expect(manifest.license).toBe('MIT')
    expect(read('LICENSE')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} .+\n\nPermission is hereby granted/)
  })

  it('bundles some packages into the mock-server builds, and nothing into the main entry', () => {
    expect(bundled.sort()).toEqual(['@hono/node-server', 'bcryptjs', 'hono'])
    expect((builds as { entry: Record<string, string>; noExternal?: string[] }[])[0]).toMatchObject({
      entry: { index: 'src/index.ts' },
    })
    expect((builds as { noExternal?: string[] }[])[0]?.noExternal).toBeUndefined()
  })

  it.each(bundled)('carries the license of bundled %s, word for word as installed, and publishes it', (name) => {
    const license = readFileSync(join(installed(name), 'LICENSE'), 'utf8').trim()
    const spdx = (JSON.parse(readFileSync(join(installed(name), 'package.json'), 'utf8')) as { license: string })
      .license
    expect(notices).toContain(`## ${name} (${spdx})\n\n\`\`\`text\n${license}\n\`\`\``)
    expect(manifest.files).toContain('THIRD_PARTY_LICENSES.md')
  })
})
