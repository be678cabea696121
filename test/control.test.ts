/**
 * The test controls over HTTP: `startAuthServer({ controlApi: true })` on 127.0.0.1
 * port 0, driven through `createControlClient` as a Playwright or Cypress test would.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createControlClient, createMemoryStore, isControlError } from '../mock-server/index.ts'
import { type AuthServer, startAuthServer } from '../mock-server/node.ts'
import { DEMO, get, post, problemOf, tokensOf } from './support/requests.ts'

const ACCESS_TTL_SECONDS = 60
const GRACE_SECONDS = 10
const REGISTERED = { username: 'ada', password: 'analytical' }

let server: AuthServer
let plain: AuthServer
beforeAll(async () => {
  const options = { port: 0, bcryptCost: 4, transport: 'body', accessTokenTtl: ACCESS_TTL_SECONDS } as const
  server = await startAuthServer({ ...options, controlApi: true, reuseGraceSeconds: GRACE_SECONDS })
  plain = await startAuthServer(options)
})
afterAll(async () => {
  await Promise.all([server?.close(), plain?.close()])
})
const control = () => createControlClient(server.url)
afterEach(async () => {
  await control().reset()
})

async function login(base = server.url) {
  const tokens = await tokensOf(await fetch(post(`${base}/login`, DEMO)))
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken as string }
}
const refresh = (refreshToken: string) => fetch(post(`${server.url}/refresh`, { refreshToken }))
const protectedWith = (accessToken: string) => fetch(get(`${server.url}/protected`, accessToken))
const controlPost = (path: string, body: string, type = 'application/json') =>
  fetch(`${server.url}/__control/${path}`, { method: 'POST', headers: { 'content-type': type }, body })

describe('the control API', () => {
  it('is not served unless enabled: every control path is a JSON 404 there', async () => {
    for (const path of ['reset', 'revoke-sessions', 'clock']) {
      await problemOf(await fetch(`${plain.url}/__control/${path}`, { method: 'POST' }), 404)
    }
    const refused = await createControlClient(plain.url)
      .reset()
      .catch((error: unknown) => error)
    expect(isControlError(refused) && refused.code).toBe('CONTROL_REFUSED')
    expect(isControlError(refused) && refused.status).toBe(404)
    expect((refused as Error).message).toContain('CONTROL_API=1')
  })

  it('fails the next refreshes with a status, counts them, then refreshes normally', async () => {
    const { refreshToken } = await login()
    await control().failNextRefreshes(2, { status: 503 })
    expect((await refresh(refreshToken)).status).toBe(503)
    expect((await refresh(refreshToken)).status).toBe(503)
    expect((await refresh(refreshToken)).status).toBe(200)
    expect(await control().count('/refresh')).toBe(3)
    expect(await control().count('/login', '/refresh')).toBe(4)
    const { counts, requests } = await control().requests()
    expect(counts['/refresh']).toBe(3)
    expect(requests.map(({ status }) => status)).toEqual([200, 503, 503, 200])
  })

  it('drops the connection with { networkError: true }, and the token is not spent', async () => {
    const { refreshToken } = await login()
    await control().failNextRefreshes(1, { networkError: true })
    await expect(refresh(refreshToken)).rejects.toThrow(TypeError)
    await control().advanceClock((GRACE_SECONDS + 1) * 1000)
    expect((await refresh(refreshToken)).status).toBe(200)
    expect((await control().requests()).requests.at(-2)?.status).toBe('network-error')
  })

  it('commits the rotation and then loses the answer with { afterCommit }, so the old token is now a parent', async () => {
    const { refreshToken } = await login()
    await control().failNextRefreshes(1, { afterCommit: { networkError: true } })
    await expect(refresh(refreshToken)).rejects.toThrow(TypeError)
    // Within the grace window the parent still yields the successor the client never received.
    const replayed = await tokensOf(await refresh(refreshToken))
    expect(replayed.refreshToken).not.toBe(refreshToken)
    await control().failNextRefreshes(1, { afterCommit: { status: 502 } })
    expect((await refresh(replayed.refreshToken as string)).status).toBe(502)
    // After it, replaying the parent is reuse: the whole family is revoked.
    await control().advanceClock((GRACE_SECONDS + 1) * 1000)
    await problemOf(await refresh(replayed.refreshToken as string), 400)
  })

  it('expires every access token now, while refresh tokens keep working', async () => {
    const { accessToken, refreshToken } = await login()
    expect((await protectedWith(accessToken)).status).toBe(200)
    await control().expireAccessTokens()
    const refused = await protectedWith(accessToken)
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
    await problemOf(refused, 401)
    const renewed = await tokensOf(await refresh(refreshToken))
    expect((await protectedWith(renewed.accessToken)).status).toBe(200)
  })

  it('moves the server clock, so access tokens expire on the server only', async () => {
    const { accessToken } = await login()
    const before = await control().now()
    const after = await control().advanceClock(ACCESS_TTL_SECONDS * 1000)
    expect(after - before).toBeGreaterThanOrEqual(ACCESS_TTL_SECONDS * 1000)
    expect(after - Date.now()).toBeGreaterThanOrEqual(ACCESS_TTL_SECONDS * 1000 - 1000)
    expect((await protectedWith(accessToken)).status).toBe(401)
  })

  it('revokes every session, and signs access tokens the server accepts', async () => {
    const { accessToken, refreshToken } = await login()
    await control().revokeAllSessions()
    expect((await protectedWith(accessToken)).status).toBe(401)
    expect((await refresh(refreshToken)).status).toBe(400)
    const now = Math.floor((await control().now()) / 1000)
    const crafted = await control().signAccessToken({ sub: '42', name: 'crafted', iat: now, exp: now + 60 })
    expect(await (await protectedWith(crafted)).json()).toMatchObject({ user: { id: '42', name: 'crafted' } })
  })

  it('revokes one user’s sessions and answers how many there were; a bad name is a 400 naming `username`', async () => {
    const { accessToken, refreshToken } = await login()
    expect(await control().revokeSessionsOf('USER1')).toBe(1)
    expect((await protectedWith(accessToken)).status).toBe(401)
    expect((await refresh(refreshToken)).status).toBe(400)
    const refused = await control()
      .revokeSessionsOf('two words')
      .catch((error: unknown) => error)
    expect(isControlError(refused) && refused.status).toBe(400)
    expect((refused as Error).message).toContain('`username` must be a username or an email address')
  })

  it('ends every session by its absolute lifetime, answering the server’s new time', async () => {
    const { refreshToken } = await login()
    const now = await control().endSessionsByLifetime()
    expect(now - Date.now()).toBeGreaterThanOrEqual(604_800 * 1000)
    expect((await refresh(refreshToken)).status).toBe(400)
  })

  it('resets requests, queued failures, the clock, sessions and registered users of its own store, and keeps the demo user', async () => {
    const { refreshToken } = await login()
    expect((await fetch(post(`${server.url}/register`, REGISTERED))).status).toBe(201)
    await control().failNextRefreshes(1, { status: 500 })
    await control().advanceClock(5_000)
    await control().reset()
    expect(await control().count()).toBe(0)
    expect(Math.abs((await control().now()) - Date.now())).toBeLessThan(1_000)
    expect((await refresh(refreshToken)).status).toBe(400)
    await login()
    expect((await fetch(post(`${server.url}/login`, REGISTERED))).status).toBe(400)
  })

  it('ends the sessions of a store the server was given, as npm start gives its own, and keeps its users', async () => {
    const given = await startAuthServer({
      port: 0,
      bcryptCost: 4,
      transport: 'body',
      controlApi: true,
      store: createMemoryStore(),
      // Fixed secrets, as npm start has: a token from before the reset would still verify.
      accessSecret: 'a'.repeat(32),
      refreshSecret: 'r'.repeat(32),
    })
    try {
      const { refreshToken } = await login(given.url)
      expect((await fetch(post(`${given.url}/register`, REGISTERED))).status).toBe(201)
      await createControlClient(given.url).reset()
      expect((await fetch(post(`${given.url}/refresh`, { refreshToken }))).status).toBe(400)
      await login(given.url)
      // Users live in the store, which the reset does not replace.
      expect((await fetch(post(`${given.url}/login`, REGISTERED))).status).toBe(200)
    } finally {
      await given.close()
    }
  })

  it.each([
    ['fail-refreshes', '{"times":0,"failure":{"status":503}}', '`times`'],
    ['fail-refreshes', '{"times":1,"failure":{"status":"503"}}', '`failure`'],
    ['fail-refreshes', '{"times":1,"failure":{"afterCommit":{"delay":5}}}', '`failure`'],
    ['clock', '{"advanceMs":-1}', '`milliseconds`'],
    ['clock', '{"advanceMs":"soon"}', '"advanceMs"'],
    ['clock', '{"advanceMs":', 'not valid JSON'],
    ['sign-access-token', '{"claims":[1]}', '"claims"'],
  ])('answers POST /__control/%s with %s as a JSON 400 naming what is wrong', async (path, body, named) => {
    const { message } = await problemOf(await controlPost(path, body), 400)
    expect(message).toContain(named)
    expect(await control().count()).toBe(0)
  })

  it('answers a non-JSON body with 415 and an unknown control with 404, both as JSON', async () => {
    await problemOf(await controlPost('clock', 'advanceMs=5', 'application/x-www-form-urlencoded'), 415)
    await problemOf(await controlPost('no-such-control', '{}'), 404)
  })

  it('rejects with CONTROL_UNREACHABLE when nothing listens', async () => {
    const closed = await startAuthServer({ port: 0, controlApi: true })
    await closed.close()
    const error = await createControlClient(closed.url)
      .now()
      .catch((caught: unknown) => caught)
    expect(isControlError(error) && error.code).toBe('CONTROL_UNREACHABLE')
    expect((error as Error).cause).toBeInstanceOf(Error)
  })
})

describe('enabling the control API', () => {
  it.each(['0.0.0.0', '192.0.2.1', '::'])(
    'is refused with hostname %s, naming controlApi and hostname',
    async (hostname) => {
      await expect(startAuthServer({ port: 0, hostname, controlApi: true })).rejects.toThrow(
        /`controlApi` option needs a loopback `hostname`/,
      )
    },
  )

  it('throws a TypeError naming baseUrl for a URL that is not http(s)', () => {
    expect(() => createControlClient('ftp://localhost')).toThrow(/`baseUrl`/)
  })
})

describe("the real server's own routes", () => {
  it('serves GET / from the home hook when one is given, and GET /health beside it', async () => {
    const server = await startAuthServer({
      port: 0,
      home: () => new Response('<h1>demo app</h1>', { headers: { 'content-type': 'text/html' } }),
    })
    try {
      expect(await (await fetch(`${server.url}/`)).text()).toBe('<h1>demo app</h1>')
      expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' })
    } finally {
      await server.close()
    }
  })

  it('throws a TypeError naming home when it is not a function', async () => {
    await expect(startAuthServer({ port: 0, home: 'index.html' as never })).rejects.toThrow(/`home` option/)
  })
})
