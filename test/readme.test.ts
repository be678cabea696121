/** README's code and tables are kept true: its examples run, and its tables list what the code has. */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuthApp } from '../mock-server/index.ts'
import { type StartedServer, startNpmServer, testSecrets } from './support/npm-start.ts'
import { testingYourAppExamples, testingYourAppSection } from './support/readme-examples.ts'
import { DEMO, get, post } from './support/requests.ts'

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
    ['### React', 'test/browser/react-auth.tsx'],
    ['### A cookie jar for Node, Bun and Deno', 'test/recipe-cookie-jar.ts'],
    ['### Several tabs and a lost answer', 'test/readme-tabs-example.test.ts'],
  ])('shows under "%s" exactly the code of %s, which runs', (heading, file) => {
    const code = readFileSync(new URL(file, root), 'utf8')
    // The file's first line says it is README's example; README shows the rest.
    expect(blockAfter(heading)).toBe(code.slice(code.indexOf('\n') + 1).trimStart())
  })

  describe('Testing your app', () => {
    const section = testingYourAppSection()
    const examples = testingYourAppExamples()

    it('shows exactly the code of test/readme-testing-your-app.test.ts, in order, which runs', () => {
      const code = readFileSync(new URL('test/readme-testing-your-app.test.ts', root), 'utf8')
      expect(examples.join('\n')).toBe(code.slice(code.indexOf('\n') + 1).trimStart())
    })

    it('has one example of at most 10 lines per edge case', () => {
      const cases = examples.filter((example) => example.startsWith('it('))
      const names = cases.map(
        (example) =>
          /^\*\*([\w ]+)\.\*\*/m.exec(section.slice(0, section.indexOf(example)).split('```').at(-2) ?? '')?.[1],
      )
      expect(cases.map((example) => example.trim().split('\n').length).every((lines) => lines <= 10)).toBe(true)
      expect(names).toEqual([
        'Expiry',
        'Revoked session',
        'Flaky refresh',
        'Slow refresh',
        'Rotation reuse',
        'Several tabs',
        'Lost answer',
        'Throttled login',
      ])
    })

    it('lists every control of createAuthHandlers in its table', () => {
      const source = readFileSync(new URL('mock-server/test-kit.ts', root), 'utf8')
      const controls = source.slice(source.indexOf('export interface TestControls'))
      const names = [...controls.slice(0, controls.indexOf('\n}')).matchAll(/^ {2}(?:readonly )?(\w+)[(:?]/gm)]
      const handlers = readFileSync(new URL('mock-server/handlers.ts', root), 'utf8')
      const own = handlers.slice(handlers.indexOf('export interface AuthHandlers extends'))
      const ownNames = [...own.slice(0, own.indexOf('\n}')).matchAll(/^ {2}(?:readonly )?(\w+)[(:?]/gm)]
      const listed = tableKeys('### Testing your app\n').flatMap((key) => key.replaceAll(/\([^)]*\)/g, '').split(', '))
      const all = new Set([...names, ...ownNames].map((match) => match[1]))
      expect(all.size).toBeGreaterThan(15)
      expect([...listed].sort()).toEqual([...all].sort())
    })

    it('has a memory block written by npm run kit-memory, with a figure per path', () => {
      const block = section.slice(
        section.indexOf('<!-- kit-memory:start -->'),
        section.indexOf('<!-- kit-memory:end -->'),
      )
      expect(block).toMatch(
        /^<!-- kit-memory:start -->\nMeasured by `npm run kit-memory` on \d{4}-\d{2}-\d{2}, Node v\d+/,
      )
      expect(block).toMatch(/^\| MSW handlers \(`setupServer`\) \| [\d.]+ K?B +\|$/m)
      expect(block).toMatch(/^\| `auth\.fetch` \(direct\) +\| [\d.]+ K?B +\|$/m)
    })

    it('shows the answer of GET /protected as the reference app gives it', async () => {
      const app = createAuthApp({ bcryptCost: 4, transport: 'body' })
      const login = await app.fetch(post('http://app.test/login', DEMO))
      const { accessToken } = (await login.json()) as { accessToken: string }
      const answer: unknown = await (await app.fetch(get('http://app.test/protected', accessToken))).json()
      const shown = /```json\n(.*)\n```/.exec(section.slice(section.indexOf('`GET /protected`')))?.[1] ?? ''
      expect(JSON.parse(shown)).toEqual(answer)
    })
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
