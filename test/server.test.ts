/**
 * `npm start` as a user runs it: spawned through npm with environment variables,
 * talked to over real HTTP on loopback, stopped with signals. The protocol itself
 * is covered by the contract suite; this file covers the configuration and the
 * life cycle of the process.
 */
import net from 'node:net'
import os from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setCookie } from './support/cookies.ts'
import { runNpmStart, type StartedServer, startNpmServer, testSecrets } from './support/npm-start.ts'
import { claimsOf, isSignedWith, signHs256 } from './support/tokens.ts'

const DEMO = { username: 'user1', password: 'password123' }
const LISTENING = /^Auth server \(profile (\w+), refresh token via (\w+)\) listening on http:\/\/localhost:(\d+)$/m
/** A request log line (see npm-start-http.test.ts). */
const REQUEST_LINE = /^(?:GET|POST) \S+ (?:\d{3}|dropped) \d+\.\d ms$/
/** The line after the URL: the demo page, with the demo user to sign in as. */
const DEMO_LINE = /^Demo page: http:\/\/localhost:\d+\/ \(user1 \/ password123\)$/m
const WARNING = /^(\w+) is not set: using a random secret for this run/m

/** Every server this file starts, so that afterAll stops it even when a test failed or timed out. */
const running = new Set<StartedServer>()

async function launch(env: Record<string, string>): Promise<StartedServer> {
  const server = await startNpmServer(env)
  running.add(server)
  return server
}

afterAll(async () => {
  const stops = await Promise.allSettled([...running].map((server) => server.stop()))
  for (const stop of stops) if (stop.status === 'rejected') throw stop.reason
})

function portOf(server: StartedServer): number {
  return Number(new URL(server.url).port)
}

function login(server: StartedServer): Promise<Response> {
  return fetch(`${server.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(DEMO),
  })
}

/** Logs the demo user in; the tokens are returned, never printed. */
async function loginTokens(server: StartedServer) {
  const response = await login(server)
  expect(response.status).toBe(200)
  const body = (await response.json()) as Record<string, unknown>
  const accessToken = body.accessToken
  const refreshToken = body.refreshToken ?? setCookie(response, 'refreshToken')?.value
  if (typeof accessToken !== 'string' || typeof refreshToken !== 'string') throw new Error('login returned no tokens')
  return { response, body, accessToken, refreshToken }
}

function getProtected(server: StartedServer, accessToken: string): Promise<Response> {
  return fetch(`${server.url}/protected`, { headers: { authorization: `Bearer ${accessToken}` } })
}

/** Lifetime of a token in seconds, from its own claims. */
function lifetimeOf(token: string): number {
  const { iat, exp } = claimsOf(token)
  if (typeof iat !== 'number' || typeof exp !== 'number') throw new Error('the token has no numeric iat/exp')
  return exp - iat
}

/** `'connected'` or the error code of a TCP connection attempt to `host:port`. */
function connect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    socket.setTimeout(2_000, () => {
      socket.destroy()
      resolve('timeout')
    })
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
  })
}

describe('npm start', () => {
  // Started once and concurrently: each start costs npm's and Node's start-up time.
  const secrets = testSecrets()
  const configurations = {
    /** Secrets set, every other variable at its default. */
    main: secrets,
    /** A second instance with the same secrets; an empty variable means its default. */
    twin: { ...secrets, REFRESH_TRANSPORT: '' },
    /** Two starts without secrets. */
    anonymous: {},
    anonymousAgain: {},
    bodyTransport: {
      ...testSecrets(),
      REFRESH_TRANSPORT: 'body',
      JWT_EXPIRATION: '120',
      JWT_REFRESH_EXPIRATION: '3600',
    },
    staticBody: { ...testSecrets(), AUTH_PROFILE: 'staticBody' },
  } satisfies Record<string, Record<string, string>>
  type Name = keyof typeof configurations
  const servers = {} as Record<Name, StartedServer>

  beforeAll(async () => {
    // allSettled: every start is registered (so stopped) before a failure aborts the suite.
    const starts = await Promise.allSettled(
      Object.entries(configurations).map(async ([name, env]) => {
        servers[name as Name] = await launch(env)
      }),
    )
    for (const start of starts) if (start.status === 'rejected') throw start.reason
  })

  describe('starting', () => {
    it('prints the URL it listens on, with localhost and a free port chosen for PORT=0, then the demo user', async () => {
      const { main, twin } = servers
      const printed = LISTENING.exec(main.output())
      expect(printed).not.toBeNull()
      const port = Number(printed?.[3])
      expect(port).toBeGreaterThan(0)
      expect(port).toBeLessThan(65_536)
      expect(main.url).toBe(`http://localhost:${port}`)
      expect(main.output()).toContain(`\nDemo page: http://localhost:${port}/ (user1 / password123)\n`)
      // Two starts with PORT=0 at the same time each got a port of their own.
      expect(portOf(twin)).not.toBe(port)
      expect(await connect('127.0.0.1', port)).toBe('connected')
    })

    it('does not accept connections on any local address other than 127.0.0.1', async () => {
      const others = Object.values(os.networkInterfaces())
        .flatMap((addresses) => addresses ?? [])
        // Link-local IPv6 addresses need a zone to be reachable at all.
        .filter(({ address }) => address !== '127.0.0.1' && !address.startsWith('fe80:'))
        .map(({ address }) => address)
      expect(others.length).toBeGreaterThan(0)
      const port = portOf(servers.main)
      const attempts = await Promise.all(others.map(async (address) => [address, await connect(address, port)]))
      expect(Object.fromEntries(attempts)).toEqual(
        Object.fromEntries(others.map((address) => [address, 'ECONNREFUSED'])),
      )
    })

    it('prints only its address, the demo user and request lines when both secrets are set, never a warning or a token', () => {
      const lines = servers.main
        .output()
        .trimEnd()
        .split('\n')
        .filter((line) => !REQUEST_LINE.test(line))
      expect(lines).toHaveLength(2)
      expect(lines[0]).toMatch(LISTENING)
      expect(lines[1]).toMatch(DEMO_LINE)
    })
  })

  describe('secrets', () => {
    it('warns once about each unset secret variable and still serves the demo user', async () => {
      const output = servers.anonymous.output()
      expect([...output.matchAll(new RegExp(WARNING, 'gm'))].map((match) => match[1])).toEqual([
        'JWT_SECRET',
        'JWT_REFRESH_SECRET',
      ])
      expect(output).toMatch(LISTENING)
      const { accessToken } = await loginTokens(servers.anonymous)
      expect((await getProtected(servers.anonymous, accessToken)).status).toBe(200)
    })

    it('does not accept, on a start without secrets, the tokens of another start without secrets', async () => {
      const { anonymous, anonymousAgain } = servers
      const { accessToken, refreshToken } = await loginTokens(anonymous)
      expect((await getProtected(anonymous, accessToken)).status).toBe(200)
      // Over HTTP this cannot tell a foreign key from an unknown session: both are refused the same way, and
      // every token a server issues is bound to one of its in-memory sessions (`sid`, `fam`). That the keys
      // themselves differ is shown by contrast with the next test, where the same check passes only because
      // the secrets are shared, and by the warning above, which says the secret is random.
      const foreign = await getProtected(anonymousAgain, accessToken)
      expect(foreign.status).toBe(401)
      expect(foreign.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
      const refresh = await fetch(`${anonymousAgain.url}/refresh`, {
        method: 'POST',
        headers: { cookie: `refreshToken=${refreshToken}` },
      })
      expect(refresh.status).toBe(400)
    })

    it('signs access tokens with JWT_SECRET and refresh tokens with JWT_REFRESH_SECRET', async () => {
      const { accessToken, refreshToken } = await loginTokens(servers.main)
      expect(isSignedWith(accessToken, secrets.JWT_SECRET)).toBe(true)
      expect(isSignedWith(accessToken, secrets.JWT_REFRESH_SECRET)).toBe(false)
      expect(isSignedWith(refreshToken, secrets.JWT_REFRESH_SECRET)).toBe(true)
      expect(isSignedWith(refreshToken, secrets.JWT_SECRET)).toBe(false)
    })

    it('accepts, on a second start with the same secrets, a token signed by the first one unless it is bound to a session there', async () => {
      const { main, twin } = servers
      expect(twin.output()).not.toMatch(WARNING)
      // sessions.ts `authenticate` verifies the signature, then, when the token has a `sid` claim, requires
      // that session to be alive in this process's memory. Every token that /login issues has a `sid`, so
      // the twin refuses it whatever the keys: 401 is the expected answer there.
      const issued = await loginTokens(main)
      expect((await getProtected(twin, issued.accessToken)).status).toBe(401)
      // A token without `sid` depends only on the key. The test signs one with JWT_SECRET, the key the first
      // start signs with (previous test): the twin accepts it, and refuses the same claims under another key.
      const now = Math.floor(Date.now() / 1000)
      const claims = { sub: '1', name: 'user1', iat: now, exp: now + 60 }
      const unbound = await getProtected(twin, signHs256(secrets.JWT_SECRET, 'at+jwt', claims))
      expect(unbound.status).toBe(200)
      expect(await unbound.json()).toMatchObject({ user: { id: '1', name: 'user1' } })
      const otherKey = await getProtected(twin, signHs256(testSecrets().JWT_SECRET, 'at+jwt', claims))
      expect(otherKey.status).toBe(401)
    })
  })

  describe('token lifetimes', () => {
    it('issues access tokens of JWT_EXPIRATION seconds and refresh tokens of JWT_REFRESH_EXPIRATION seconds', async () => {
      const { accessToken, refreshToken } = await loginTokens(servers.bodyTransport)
      expect(lifetimeOf(accessToken)).toBe(120)
      expect(lifetimeOf(refreshToken)).toBe(3600)
    })

    it('defaults to 900-second access tokens and 604800-second refresh tokens', async () => {
      const { accessToken, refreshToken, response } = await loginTokens(servers.main)
      expect(lifetimeOf(accessToken)).toBe(900)
      expect(lifetimeOf(refreshToken)).toBe(604_800)
      // Computed from the same clock a moment later, so the cookie may be a second younger.
      const maxAge = Number(setCookie(response, 'refreshToken')?.attributes['max-age'])
      expect(maxAge).toBeGreaterThanOrEqual(604_799)
      expect(maxAge).toBeLessThanOrEqual(604_800)
    })
  })

  describe('refresh transport and profile', () => {
    it('sets the refresh token as an HttpOnly cookie by default and leaves it out of the body', async () => {
      expect(LISTENING.exec(servers.main.output())?.slice(1, 3)).toEqual(['reference', 'cookie'])
      expect(LISTENING.exec(servers.twin.output())?.slice(1, 3)).toEqual(['reference', 'cookie'])
      const { response, body } = await loginTokens(servers.main)
      expect(Object.keys(body)).toEqual(['accessToken'])
      const cookie = setCookie(response, 'refreshToken')
      expect(cookie?.value).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
      expect(cookie?.attributes.httponly).toBe(true)
    })

    it('puts the refresh token in the body and sets no cookie with REFRESH_TRANSPORT=body', async () => {
      expect(LISTENING.exec(servers.bodyTransport.output())?.slice(1, 3)).toEqual(['reference', 'body'])
      const { response, body } = await loginTokens(servers.bodyTransport)
      expect(Object.keys(body).sort()).toEqual(['accessToken', 'refreshToken'])
      expect(response.headers.getSetCookie()).toEqual([])
    })

    it('behaves as the profile AUTH_PROFILE names: staticBody answers 403 for an invalid access token', async () => {
      const { staticBody, main } = servers
      expect(LISTENING.exec(staticBody.output())?.slice(1, 3)).toEqual(['staticBody', 'body'])
      expect((await getProtected(staticBody, 'not-a-token')).status).toBe(403)
      expect((await getProtected(main, 'not-a-token')).status).toBe(401)
      const { body, accessToken } = await loginTokens(staticBody)
      expect(Object.keys(body).sort()).toEqual(['accessToken', 'refreshToken'])
      const authorized = await getProtected(staticBody, accessToken)
      expect(await authorized.json()).toMatchObject({ message: 'You are authorized!' })
    })
  })

  describe('errors over HTTP', () => {
    it('answers an unknown route with a JSON 404', async () => {
      const response = await fetch(`${servers.main.url}/no/such/route`)
      expect(response.status).toBe(404)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      expect(await response.json()).toEqual({ error: 'not_found', message: expect.any(String) })
    })

    it('answers a malformed JSON body with a JSON 400', async () => {
      const response = await fetch(`${servers.main.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"username": "user1", "password": ',
      })
      expect(response.status).toBe(400)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      expect(await response.json()).toEqual({ error: 'invalid_request', message: expect.any(String) })
    })
  })
})

describe.concurrent('npm start with a bad configuration', () => {
  const short = 'x'.repeat(31)
  const shared = testSecrets().JWT_SECRET
  const cases: { env: Record<string, string>; names: string[] }[] = [
    { env: { PORT: 'abc' }, names: ['PORT'] },
    { env: { PORT: '70000' }, names: ['PORT'] },
    { env: { JWT_SECRET: short }, names: ['JWT_SECRET'] },
    { env: { JWT_SECRET: shared, JWT_REFRESH_SECRET: shared }, names: ['JWT_REFRESH_SECRET', 'JWT_SECRET'] },
    { env: { REFRESH_TRANSPORT: 'smoke' }, names: ['REFRESH_TRANSPORT'] },
    { env: { AUTH_PROFILE: 'nope' }, names: ['AUTH_PROFILE'] },
    { env: { BCRYPT_COST: '99' }, names: ['BCRYPT_COST'] },
    { env: { JWT_EXPIRATION: '-5' }, names: ['JWT_EXPIRATION'] },
    { env: { JWT_EXPIRATION: '1.5' }, names: ['JWT_EXPIRATION'] },
    { env: { JWT_EXPIRATION: '0' }, names: ['JWT_EXPIRATION'] },
  ]

  for (const { env, names } of cases) {
    const setting = Object.entries(env)
      .map(
        ([name, value]) =>
          `${name}=${value === shared ? '<the same secret>' : value === short ? '<31 characters>' : value}`,
      )
      .join(' ')
    it(`exits with code 1 and one line naming ${names.join(' and ')} for ${setting}`, async ({ expect }) => {
      // Secrets are set unless the case is about them, so that the error is all the output.
      const { code, output } = await runNpmStart({ ...testSecrets(), ...env })
      expect(code).toBe(1)
      const lines = output.trimEnd().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(new RegExp(`^Cannot start the auth server: ${names[0]} must `))
      for (const name of names) expect(lines[0]).toContain(name)
      expect(output).not.toMatch(/^\s+at /m)
      // A secret is never echoed back.
      expect(output).not.toContain(short)
      expect(output).not.toContain(shared)
    })
  }
})

describe.concurrent('stopping npm start', () => {
  // npm forwards SIGINT and SIGTERM to its script (node itself: the script `exec`s it in place of `sh -c`) and,
  // when the script dies of a signal, re-raises it on itself. With a process-group signal node gets two copies,
  // the group's and npm's, and npm may see either node's exit 0 or the signal first: its status is 0 or the
  // signal. Node's own behaviour is therefore asserted directly: its message, its exit, the closed port. Its exit
  // code shows when node alone gets the signal: npm passes it on.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`closes on ${signal} to its process group: says so, drops open connections, exits, and frees the port`, async ({
      expect,
    }) => {
      const server = await launch(testSecrets())
      const port = portOf(server)
      // An idle client connection must not keep the server alive.
      const client = net.connect({ host: '127.0.0.1', port })
      client.on('error', () => undefined)
      await new Promise((resolve) => client.once('connect', resolve))
      const clientClosed = new Promise((resolve) => client.once('close', resolve))

      const exit = await server.stop(signal)
      expect(server.output().match(/^\w+ received, closing\.$/gm)).toEqual([`${signal} received, closing.`])
      expect([
        { code: 0, signal: null },
        { code: null, signal },
      ]).toContainEqual(exit)
      expect(server.processes()).toEqual([])
      const clientState = await Promise.race([
        clientClosed.then(() => 'closed'),
        new Promise((resolve) => setTimeout(resolve, 2_000, 'still open')),
      ])
      expect(clientState).toBe('closed')
      expect(await connect('127.0.0.1', port)).toBe('ECONNREFUSED')
    })

    it(`exits with code 0 on ${signal} to the server process alone, and npm reports that code`, async ({ expect }) => {
      const server = await launch(testSecrets())
      // npm's only child: the script `exec`s node in place of the shell npm runs it through.
      const node = server.processes().find(({ command }) => /^\S*node mock-server\/serve\.ts/.test(command))
      if (!node) throw new Error(`no server process in npm's group: ${JSON.stringify(server.processes())}`)
      process.kill(node.pid, signal)
      expect(await server.exited()).toEqual({ code: 0, signal: null })
      expect(server.output()).toMatch(new RegExp(`^${signal} received, closing\\.$`, 'm'))
      expect(await connect('127.0.0.1', portOf(server))).toBe('ECONNREFUSED')
    })
  }
})
