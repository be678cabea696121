/**
 * `npm start`'s HTTP settings as a user sets them: the printed localhost URL, /health and /,
 * the request log, HOST, the refresh cookie's attributes, seeded users, the control API,
 * and stopping when npm alone is told to stop.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createControlClient } from '../mock-server/index.ts'
import { setCookie } from './support/cookies.ts'
import { runNpmStart, type StartedServer, startNpmServer, testSecrets } from './support/npm-start.ts'
import { DEMO, post, tokensOf } from './support/requests.ts'
import { settle } from './support/time.ts'
import { claimsOf } from './support/tokens.ts'

const REQUEST_LINE = /^(GET|POST) (\S+) (\d{3}|dropped) \d+\.\d ms$/
const ADMIN = { username: 'Admin', password: 'admin-password', claims: { role: 'admin', team: 'ops' } }

const running = new Set<StartedServer>()
async function launch(env: Record<string, string>): Promise<StartedServer> {
  const server = await startNpmServer({ ...testSecrets(), ...env })
  running.add(server)
  return server
}
afterAll(async () => {
  await Promise.allSettled([...running].map((server) => server.stop()))
})

/** `'connected'` or the error code of a TCP connection attempt. */
function connect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
  })
}

/** Waits, on the event loop, until the output has a line matching `pattern`. */
async function lineMatching(server: StartedServer, pattern: RegExp): Promise<string> {
  for (let turn = 0; turn < 500; turn++) {
    const line = server
      .output()
      .split('\n')
      .find((candidate) => pattern.test(candidate))
    if (line) return line
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`no line matching ${pattern} in:\n${server.output()}`)
}

describe('npm start over HTTP', () => {
  let server: StartedServer
  let silent: StartedServer
  beforeAll(async () => {
    ;[server, silent] = await Promise.all([
      launch({
        CONTROL_API: '1',
        REFRESH_TRANSPORT: 'cookie',
        COOKIE_NAME: 'session_rt',
        COOKIE_SAMESITE: 'lax',
        SEED_USERS: JSON.stringify([ADMIN]),
      }),
      launch({ LOG: 'silent' }),
    ])
  })

  it('prints a localhost URL, the same site as a dev server on localhost, and serves it', async () => {
    expect(server.url).toMatch(/^http:\/\/localhost:\d+$/)
    expect(server.output()).toContain(`Test controls enabled under ${server.url}/__control/`)
    expect((await fetch(`${server.url}/health`)).status).toBe(200)
  })

  it('answers GET /health with 200 { status: "ok" }', async () => {
    const response = await fetch(`${server.url}/health`)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('answers GET / with the demo page: one HTML document whose script signs in as the demo user', async () => {
    const response = await fetch(`${server.url}/`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    const page = await response.text()
    for (const text of ['<script type="module"', 'ky-token-refresh', 'user1', 'password123']) {
      expect(page).toContain(text)
    }
  })

  it('logs one line per request with method, path, status and time, never the query, a token or a password', async () => {
    const login = await fetch(post(`${server.url}/login?password=${DEMO.password}&next=/x`, DEMO))
    const { accessToken } = await tokensOf(login)
    const cookie = setCookie(login, 'session_rt')?.value as string
    await fetch(`${server.url}/protected`, { headers: { authorization: `Bearer ${accessToken}` } })
    await fetch(`${server.url}/nowhere/${accessToken}`)
    expect(await lineMatching(server, /^POST \/login /)).toMatch(/^POST \/login 200 \d+\.\d ms$/)
    expect(await lineMatching(server, /^GET \/protected /)).toMatch(/^GET \/protected 200 /)
    expect(await lineMatching(server, /^GET \/nowhere\//)).toMatch(/^GET \/nowhere\/… 404 /)
    const output = server.output()
    for (const secret of [accessToken, cookie, ADMIN.password, 'next=']) expect(output).not.toContain(secret)
    const requestLines = output.split('\n').filter((line) => /^(GET|POST) /.test(line))
    expect(requestLines.every((line) => REQUEST_LINE.test(line))).toBe(true)
    // The demo password is printed once at start-up, by design; never in a request line.
    expect(requestLines.join('\n')).not.toContain(DEMO.password)
  })

  it('logs nothing per request with LOG=silent', async () => {
    await fetch(`${silent.url}/health`)
    await fetch(post(`${silent.url}/login`, DEMO))
    expect(silent.output()).not.toMatch(/^(GET|POST) /m)
  })

  it('names, scopes and sets SameSite on the refresh cookie as COOKIE_NAME and COOKIE_SAMESITE say', async () => {
    const login = await fetch(post(`${server.url}/login`, DEMO))
    const cookie = setCookie(login, 'session_rt')
    expect(cookie?.attributes.samesite).toBe('Lax')
    expect(cookie?.attributes.path).toBe('/')
    expect(setCookie(login, 'refreshToken')).toBeUndefined()
    const refreshed = await fetch(`${server.url}/refresh`, {
      method: 'POST',
      headers: { cookie: `session_rt=${cookie?.value}` },
    })
    expect(refreshed.status).toBe(200)
  })

  it('logs in the users of SEED_USERS, with their claims in the access token', async () => {
    const { accessToken } = await tokensOf(
      await fetch(post(`${server.url}/login`, { username: 'admin', password: ADMIN.password })),
    )
    expect(claimsOf(accessToken)).toMatchObject({ role: 'admin', team: 'ops', name: 'admin' })
    expect(claimsOf((await tokensOf(await fetch(post(`${server.url}/login`, DEMO)))).accessToken)).not.toHaveProperty(
      'role',
    )
  })

  it('serves the control API with CONTROL_API=1: an injected failure reaches the next refresh', async () => {
    const control = createControlClient(server.url)
    const login = await fetch(post(`${server.url}/login`, DEMO))
    const cookie = setCookie(login, 'session_rt')?.value as string
    await control.failNextRefreshes(1, { status: 503 })
    const refresh = () => fetch(`${server.url}/token`, { method: 'POST', headers: { cookie: `session_rt=${cookie}` } })
    expect((await refresh()).status).toBe(503)
    expect((await refresh()).status).toBe(200)
    expect(await control.count('/token')).toBe(2)
    expect((await fetch(`${silent.url}/__control/requests`)).status).toBe(404)
  })
})

describe("README's end-to-end example of the control API", () => {
  it('runs as written against CONTROL_API=1 REFRESH_TRANSPORT=body npm start, and prints 200 2', async () => {
    const server = await launch({ CONTROL_API: '1', REFRESH_TRANSPORT: 'body', LOG: 'silent' })
    const root = new URL('..', import.meta.url)
    const readme = readFileSync(new URL('README.md', root), 'utf8')
    const section = readme.slice(readme.indexOf('### Test controls over HTTP'))
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? ''
    expect(code).toContain("const baseUrl = 'http://localhost:3000'")
    const runnable = code
      .replace("'ky-token-refresh'", JSON.stringify(new URL('src/index.ts', root).pathname))
      .replace("'ky-token-refresh/mock-server'", JSON.stringify(new URL('mock-server/index.ts', root).pathname))
      .replace('http://localhost:3000', server.url)
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', runnable], {
      cwd: root,
    })
    expect(stdout.trim()).toBe('200 2')
  })
})

describe('stopping npm start through npm alone', () => {
  /** The server's own process: npm's child, since the script `exec`s node in place of npm's shell. */
  function serverProcess(server: StartedServer) {
    const node = server.processes().find(({ command }) => /^\S*node mock-server\/serve\.ts/.test(command))
    if (!node) throw new Error(`no server process in npm's group: ${JSON.stringify(server.processes())}`)
    return node.pid
  }
  /** Whether `pid` still runs; an orphan's zombie, left unreaped by some containers' init, has exited. */
  const running = (server: StartedServer, pid: number) => server.processes().some((listed) => listed.pid === pid)

  // A process manager, or `kill <npm's pid>`, signals npm alone. npm forwards SIGINT and SIGTERM to its child; were
  // that child `sh -c node …`, dash would hold a SIGINT until node exits, so node would never hear of it.
  it.for(['SIGINT', 'SIGTERM'] as const)(
    'closes the server within a second and frees the port when npm alone gets %s, and npm exits with code 0',
    async (signal) => {
      const server = await launch({ LOG: 'silent' })
      const port = Number(new URL(server.url).port)
      const node = serverProcess(server)
      server.signalNpm(signal)
      await settle(() => !running(server, node), `the server process to exit on ${signal}`, 1_000)
      expect(await connect(port)).toBe('ECONNREFUSED')
      // npm itself takes its own time to exit once its child has, as after any script.
      expect(await server.exited()).toEqual({ code: 0, signal: null })
      expect(server.output().match(/^.+, closing\.$/gm)).toEqual([`${signal} received, closing.`])
      expect(server.processes()).toEqual([])
    },
  )

  it('closes the server when npm dies without forwarding anything (SIGKILL): it sees its parent go', async () => {
    const server = await launch({ LOG: 'silent' })
    const port = Number(new URL(server.url).port)
    const node = serverProcess(server)
    server.signalNpm('SIGKILL')
    await settle(() => !running(server, node), 'the orphaned server process to exit', 1_000)
    expect(await connect(port)).toBe('ECONNREFUSED')
    await server.exited()
    expect(server.output()).toMatch(/^Parent process exited, closing\.$/m)
    expect(server.processes()).toEqual([])
  })
})

describe.concurrent('npm start with a bad HTTP setting', () => {
  it.for([
    [{ CONTROL_API: '1', HOST: '0.0.0.0' }, 'CONTROL_API', 'HOST'],
    [{ CONTROL_API: 'yes' }, 'CONTROL_API', 'CONTROL_API'],
    [{ LOG: 'loud' }, 'LOG', 'LOG'],
    [{ COOKIE_SAMESITE: 'sideways' }, 'COOKIE_SAMESITE', 'COOKIE_SAMESITE'],
    [{ COOKIE_NAME: 'a;b' }, 'COOKIE_NAME', 'COOKIE_NAME'],
    [{ LOGIN_MAX_FAILURES_PER_ACCOUNT: 'many' }, 'LOGIN_MAX_FAILURES_PER_ACCOUNT', 'LOGIN_MAX_FAILURES_PER_ACCOUNT'],
    [{ SEED_USERS: '/no/such/seed-users.json' }, 'SEED_USERS', 'SEED_USERS'],
    [{ SEED_USERS: '[{"username":"a b","password":"long-enough"}]' }, 'SEED_USERS[0].username', 'SEED_USERS'],
    [{ SEED_USERS: '[{"username":"ok","password":"secret-pw","claims":{"sub":"1"}}]' }, 'SEED_USERS[0].claims', 'sub'],
  ] as const)('exits with code 1 and one line naming the variable for %o', async ([env, first, also], { expect }) => {
    const { code, output } = await runNpmStart({ ...testSecrets(), ...env })
    expect(code).toBe(1)
    const lines = output.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`^Cannot start the auth server: ${first.replace(/[[\].]/g, '\\$&')} `))
    expect(lines[0]).toContain(also)
    expect(output).not.toContain('secret-pw')
    expect(output).not.toMatch(/^\s+at /m)
  })

  it('warns that a HOST that is not loopback is reachable from the network', async ({ expect }) => {
    // A documentation address (TEST-NET-1) no interface has: the warning comes, then the bind fails.
    const { code, output } = await runNpmStart({ ...testSecrets(), HOST: '192.0.2.1' })
    expect(output).toMatch(
      /^HOST=192\.0\.2\.1 is not a loopback address: the server will be reachable from the network\.$/m,
    )
    expect(code).toBe(1)
  })
})
