/**
 * `npm run test:pack`: the package as a user gets it. `npm pack` the built package, install the tarball into a
 * temporary project outside the repository with its peer dependencies msw and vitest from the registry (through the
 * npm cache), write README's "Testing your app" examples there exactly as shown, and run them with that project's
 * own vitest. Kept out of `npm test` (a build and an install take about a minute); `.ci/run` runs it.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testingYourAppExamples } from './support/readme-examples.ts'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const MINUTES = 60_000

/** The repository's own range for a dev dependency, so the project installs what this repo is tested with. */
async function rangeOf(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>
  }
  const range = manifest.devDependencies[name]
  if (range === undefined) throw new Error(`package.json has no devDependency ${name}`)
  return range
}

/** Runs `npm` with this process's Node first on PATH (Node 24, as npm scripts run it). */
const npm = (args: string[], cwd: string) =>
  run('npm', args, {
    cwd,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}` },
  })

let project = ''
beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'ky-token-refresh-pack-'))
  await npm(['run', 'build'], root)
  const { stdout } = await npm(['pack', '--json', '--pack-destination', project], root)
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }]
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'pack-check', private: true, type: 'module' }))
  const peers = [`msw@${await rangeOf('msw')}`, `vitest@${await rangeOf('vitest')}`]
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', join(project, filename), ...peers], project)
}, 5 * MINUTES)
afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true })
})

describe('the packed package, installed in a project outside this repository', () => {
  it('runs every README "Testing your app" example as shown, with the project’s own vitest', {
    timeout: 3 * MINUTES,
  }, async () => {
    const examples = testingYourAppExamples()
    expect(examples.length).toBeGreaterThan(8)
    await writeFile(join(project, 'auth.test.ts'), examples.join('\n'))
    const vitest = join(project, 'node_modules', 'vitest', 'vitest.mjs')
    const { stdout } = await run(process.execPath, [vitest, 'run', '--reporter=verbose'], {
      cwd: project,
      env: { ...process.env, CI: '1', NO_COLOR: '1' },
    }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`The examples failed in the packed project:\n${error.stdout}\n${error.stderr}`)
    })
    const passed = stdout.match(/^\s+✓ /gm) ?? []
    expect(passed).toHaveLength(examples.length - 1) // every example but the set-up is one test
    expect(stdout).not.toContain(root) // nothing was resolved from this repository
  })
})
