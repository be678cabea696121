/** README's code and tables are kept true: its examples run, and its tables list what the code has. */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type StartedServer, startNpmServer, testSecrets } from './support/npm-start.ts'

const root = new URL('..', import.meta.url)
const readme = readFileSync(new URL('README.md', root), 'utf8')
const run = promisify(execFile)

/** The fenced code block that follows `marker` in README. */
function blockAfter(marker: string): string {
  const start = readme.indexOf(marker)
  expect(start, `README has no "${marker}"`).toBeGreaterThanOrEqual(0)
  const match = /```\w*\n([\s\S]*?)```/.exec(readme.slice(start))
  return match?.[1] ?? ''
}

/** The first column of the markdown table that follows `heading`, without backticks. */
function tableKeys(heading: string): string[] {
  const section = readme.slice(readme.indexOf(heading))
  const table = /\n(\|.*\|\n)+/.exec(section)?.[0] ?? ''
  return table
    .trim()
    .split('\n')
    .slice(2)
    .map((row) => row.split('|')[1]?.trim().replaceAll('`', '') ?? '')
}

describe('README', () => {
  it("starts with the user's Install and Quick start; the contributors' set-up comes later", () => {
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((match) => match[1])
    expect(headings.slice(0, 2)).toEqual(['Install', 'Quick start'])
    expect(headings).toContain('Developing this repository')
  })

  it('shows the set-up: npm install, then npm start and npm test', () => {
    const setUp = blockAfter('## Developing this repository')
    expect(setUp.split('\n').map((line) => line.split('#')[0]?.trim())).toEqual([
      'npm install',
      'npm start',
      'npm test',
      '',
    ])
  })

  it.each([
    ['### Testing with the mock server', 'test/readme-example.test.ts'],
    ['### React', 'test/browser/react-auth.tsx'],
    ['### A cookie jar for Node, Bun and Deno', 'test/recipe-cookie-jar.ts'],
    ['### Several tabs and a lost answer', 'test/readme-tabs-example.test.ts'],
  ])('shows under "%s" exactly the code of %s, which runs', (heading, file) => {
    const code = readFileSync(new URL(file, root), 'utf8')
    // The file's first line says it is README's example; README shows the rest.
    expect(blockAfter(heading)).toBe(code.slice(code.indexOf('\n') + 1).trimStart())
  })

  it('lists every client option, with its type and default, in the options table', () => {
    const source = readFileSync(new URL('src/option-types.ts', root), 'utf8')
    const body = source.slice(source.indexOf('export interface AuthClientOptions'))
    const options = [...body.slice(0, body.indexOf('\n}')).matchAll(/^ {2}(\w+)\??:/gm)].map((match) => match[1])
    expect(options.length).toBeGreaterThan(5)
    expect(tableKeys('### Options').sort()).toEqual([...options].sort())
  })

  it('lists every event and every error code', () => {
    const session = readFileSync(new URL('src/session/events.ts', root), 'utf8')
    const events = session.slice(session.indexOf('export interface AuthEvents'))
    const eventNames = [...events.slice(0, events.indexOf('\n}')).matchAll(/^ {2}(\w+):/gm)].map((match) => match[1])
    expect(tableKeys('### Events').sort()).toEqual([...eventNames].sort())
    const errors = readFileSync(new URL('src/errors.ts', root), 'utf8')
    const codes = [...errors.matchAll(/^ {2}\| '(\w+)'/gm)].map((match) => match[1])
    expect(codes.length).toBeGreaterThan(3)
    expect(tableKeys('### Errors').sort()).toEqual([...codes].sort())
  })

  it('has a Benchmarks section written by npm run bench: size, overhead, amplification and throughput tables', () => {
    const section = readme.slice(readme.indexOf('<!-- bench:start -->'), readme.indexOf('<!-- bench:end -->'))
    expect(section).toMatch(/^<!-- bench:start -->\nMeasured by `npm run bench` on \d{4}-\d{2}-\d{2}, Node /)
    for (const heading of [
      '**Size.**',
      '**Per-request overhead**',
      '**Refresh amplification**',
      '**Reference server throughput**',
    ]) {
      expect(section).toContain(heading)
    }
    // The script writes every row it measured: four amplification sizes, three routes on three servers each.
    expect(section.match(/^\| (1|10|100|1,000) +\|/gm)).toHaveLength(4)
    for (const route of ['`GET /protected`', '`POST /token`', '`POST /login`']) {
      expect(section).toMatch(new RegExp(`^\\| ${route}.* +\\| [\\d,]+ / [\\d,]+ / [\\d,]+ +\\|`, 'm'))
    }
  })

  describe('Quick start', () => {
    let server: StartedServer | undefined
    beforeAll(async () => {
      server = await startNpmServer(testSecrets())
    })
    afterAll(async () => {
      await server?.stop()
    })

    it('fits in 15 lines and runs as written against npm start', async () => {
      const code = blockAfter('## Quick start')
      expect(code.trim().split('\n').length).toBeLessThanOrEqual(15)
      expect(code).toContain("baseUrl: 'http://localhost:3000'")
      // Paths without a leading slash: one would drop the path of a baseUrl that has one.
      expect(code).not.toMatch(/\(['`]\//)
      const runnable = code
        .replace("'ky-token-refresh'", JSON.stringify(new URL('src/index.ts', root).pathname))
        .replace('http://localhost:3000', server?.url ?? '')
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', runnable], { cwd: root })
      expect(stdout).toMatch(/name: 'user1'/)
      expect(stdout.trim().split('\n').at(-1)).toBe('200')
    })
  })
})
