/**
 * The test controls of `createAuthHandlers`: request log, injected refresh
 * failures, server-side clock and revocation, reset, the emulated cookie jar
 * and `baseUrl`. The HTTP protocol itself is the contract suite's business.
 */
import { getResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type AuthHandlers,
  type AuthHandlersOptions,
  createAuthHandlers,
  type RefreshFailure,
} from '../mock-server/index.ts'
import { setCookie } from './support/cookies.ts'
import { DEMO, get, post, problemOf, thrownBy, tokensOf } from './support/requests.ts'
import { claimsOf } from './support/tokens.ts'

const ACCESS_TTL_SECONDS = 60
const REFRESH_TTL_SECONDS = 600
const MISSING_REFRESH_TOKEN = 'A refresh token is required'

function handlersAt(baseUrl: string, options: Partial<AuthHandlersOptions> = {}): AuthHandlers {
  return createAuthHandlers({
    baseUrl,
    bcryptCost: 4,
    accessTokenTtl: ACCESS_TTL_SECONDS,
    refreshTokenTtl: REFRESH_TTL_SECONDS,
    ...options,
  })
}

const API = 'https://api.handlers.test'
const COOKIE_API = 'https://cookies.handlers.test'
const PLAIN_HTTP_API = 'http://api.plain-http.test'
const LOOPBACK_APIS = ['http://127.0.0.1:4010', 'http://localhost:4011'] as const
const PREFIXED_API = 'https://example.test/api/auth'

const auth = handlersAt(API, { transport: 'body' })
const cookieAuth = handlersAt(COOKIE_API, { transport: 'cookie' })
const plainHttpAuth = handlersAt(PLAIN_HTTP_API, { transport: 'cookie' })
const loopbackAuths = LOOPBACK_APIS.map((baseUrl) => handlersAt(baseUrl, { transport: 'cookie' }))
const prefixedAuth = handlersAt(PREFIXED_API, { transport: 'body' })
const everyInstance = [auth, cookieAuth, plainHttpAuth, ...loopbackAuths, prefixedAuth]

const server = setupServer(...everyInstance.flatMap((instance) => instance.handlers))
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }))
afterEach(() => {
  vi.useRealTimers()
  server.resetHandlers()
  for (const instance of everyInstance) instance.reset()
})
afterAll(() => server.close())

async function login(base: string, credentials: Record<string, string> = DEMO) {
  return tokensOf(await fetch(post(`${base}/login`, credentials)))
}

/** Login through the body transport; its refresh token is always present. */
async function bodyLogin(base = API) {
  const tokens = await login(base)
  expect(tokens.via).toBe('body')
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken as string }
}

/**
 * Yields to the real event loop (`setImmediate`, never a timer) until `condition` holds.
 * Unlike `vi.waitFor`, it does not move fake time while polling.
 */
async function eventLoopUntil(condition: () => boolean, maxTurns = 1000) {
  for (let turn = 0; turn < maxTurns && !condition(); turn++) await new Promise((resolve) => setImmediate(resolve))
  expect(condition()).toBe(true)
}

function refresh(base: string, refreshToken: string, route = '/refresh') {
  return fetch(post(`${base}${route}`, { refreshToken }))
}

describe('the request log', () => {
  it('counts requests per route, several routes together, and every route when none is given', async () => {
    const { accessToken, refreshToken } = await bodyLogin()
    const rotated = await tokensOf(await refresh(API, refreshToken, '/token'))
    expect((await refresh(API, rotated.refreshToken as string, '/refresh-token')).status).toBe(200)
    expect((await fetch(get(`${API}/protected`, accessToken))).status).toBe(200)
    expect((await fetch(post(`${API}/login`, { username: 'user1', password: 'wrong-password' }))).status).toBe(400)

    expect(auth.count('/login')).toBe(2)
    expect(auth.count('/token')).toBe(1)
    expect(auth.count('/refresh')).toBe(0)
    expect(auth.count('/token', '/refresh', '/refresh-token')).toBe(2)
    expect(auth.count()).toBe(5)
    expect(auth.requests).toEqual([
      { method: 'POST', route: '/login', status: 200 },
      { method: 'POST', route: '/token', status: 200 },
      { method: 'POST', route: '/refresh-token', status: 200 },
      { method: 'GET', route: '/protected', status: 200 },
      { method: 'POST', route: '/login', status: 400 },
    ])
  })

  it('records injected failures with their status and dropped connections as "network-error"', async () => {
    const { refreshToken } = await bodyLogin()
    auth.failNextRefreshes(1, { status: 503 })
    auth.failNextRefreshes(1, { networkError: true })
    expect((await refresh(API, refreshToken, '/token')).status).toBe(503)
    await expect(refresh(API, refreshToken, '/refresh')).rejects.toThrow(TypeError)

    expect(auth.requests.slice(1)).toEqual([
      { method: 'POST', route: '/token', status: 503 },
      { method: 'POST', route: '/refresh', status: 'network-error' },
    ])
    expect(auth.count('/token', '/refresh')).toBe(2)
  })
})

describe('failNextRefreshes', () => {
  it('answers the next n refreshes, under any of the three names, with the status and a JSON error, then refreshes normally', async () => {
    const { refreshToken } = await bodyLogin()
    auth.failNextRefreshes(2, { status: 503 })

    const first = await problemOf(await refresh(API, refreshToken, '/token'), 503)
    expect(first).toEqual({ error: 'injected_failure', message: 'Injected by failNextRefreshes' })
    await problemOf(await refresh(API, refreshToken, '/refresh-token'), 503)
    const recovered = await tokensOf(await refresh(API, refreshToken, '/refresh'))
    expect((await fetch(get(`${API}/protected`, recovered.accessToken))).status).toBe(200)
  })

  it('leaves login, registration, protected requests and logout alone while failures are pending', async () => {
    auth.failNextRefreshes(1, { status: 500 })
    const { accessToken, refreshToken } = await bodyLogin()
    expect((await fetch(post(`${API}/register`, { username: 'ada', password: 'lovelace-1815' }))).status).toBe(201)
    expect((await fetch(get(`${API}/protected`, accessToken))).status).toBe(200)
    const other = await bodyLogin()
    expect((await fetch(post(`${API}/logout`, { refreshToken: other.refreshToken }))).status).toBe(204)

    expect((await refresh(API, refreshToken)).status).toBe(500)
    expect((await refresh(API, refreshToken)).status).toBe(200)
  })

  it('applies queued failures in the order they were queued', async () => {
    const { refreshToken } = await bodyLogin()
    auth.failNextRefreshes(1, { status: 502 })
    auth.failNextRefreshes(2, { status: 401 })
    const statuses = []
    for (let round = 0; round < 4; round++) statuses.push((await refresh(API, refreshToken)).status)
    expect(statuses).toEqual([502, 401, 401, 200])
  })

  it('fails like a dropped connection with { networkError: true }, without the server ever seeing the token', async () => {
    const { refreshToken } = await bodyLogin()
    auth.failNextRefreshes(2, { networkError: true })
    await expect(refresh(API, refreshToken, '/token')).rejects.toThrow(TypeError)
    await expect(refresh(API, refreshToken, '/refresh-token')).rejects.toThrow(TypeError)
    // Had the server rotated it, a reuse outside the grace window would now be refused.
    auth.advanceClock(60_000)
    expect((await refresh(API, refreshToken)).status).toBe(200)
  })

  it('with { afterCommit: { networkError: true } } rotates for real, then drops the answer', async () => {
    const { refreshToken } = await bodyLogin()
    auth.failNextRefreshes(1, { afterCommit: { networkError: true } })
    await expect(refresh(API, refreshToken)).rejects.toThrow(TypeError)
    expect(auth.requests.at(-1)).toEqual({ method: 'POST', route: '/refresh', status: 'network-error' })
    // The server committed the rotation: outside the grace window the old token is a reused parent.
    auth.advanceClock(60_000)
    await problemOf(await refresh(API, refreshToken), 400)
  })

  it('with { afterCommit: { status } } answers the status after rotating, and stores no cookie from the lost answer', async () => {
    const { refreshToken } = await login(COOKIE_API)
    cookieAuth.failNextRefreshes(1, { afterCommit: { status: 504 } })
    expect((await fetch(post(`${COOKIE_API}/refresh`))).status).toBe(504)
    // The jar still holds the parent, which the grace window turns into the committed successor.
    expect(cookieAuth.cookies.get('refreshToken')).toBe(refreshToken)
    const replayed = await tokensOf(await fetch(post(`${COOKIE_API}/refresh`)))
    expect(replayed.refreshToken).not.toBe(refreshToken)
  })

  it('holds a refresh for { delay } on the timers and answers normally only once the delay has elapsed', async () => {
    const { refreshToken } = await bodyLogin()
    // Only timeouts are faked: the request still travels the real event loop to the handler.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    auth.failNextRefreshes(1, { delay: 5000 })

    expect(vi.getTimerCount()).toBe(0)
    let settled = false
    const pending = refresh(API, refreshToken).then((response) => {
      settled = true
      return response
    })
    // The handler parks the request on a (fake) timer; without the delay it would answer instead.
    await eventLoopUntil(() => vi.getTimerCount() === 1)
    await vi.advanceTimersByTimeAsync(4999)
    expect(settled).toBe(false)
    expect(vi.getTimerCount()).toBe(1)
    expect(auth.count('/refresh')).toBe(0)

    await vi.advanceTimersByTimeAsync(1)
    expect(vi.getTimerCount()).toBe(0)
    const answered = await tokensOf(await pending)
    expect(settled).toBe(true)
    expect(answered.refreshToken).not.toBe(refreshToken)
    expect(auth.requests.at(-1)).toEqual({ method: 'POST', route: '/refresh', status: 200 })

    // Only the next refresh was delayed: this one answers without any timer moving.
    expect((await refresh(API, answered.refreshToken as string)).status).toBe(200)
  })

  it('serves { status: 200, body } verbatim as JSON content, even when the body is not JSON', async () => {
    const { refreshToken } = await bodyLogin()
    auth.failNextRefreshes(1, { status: 200, body: 'not json' })
    const response = await refresh(API, refreshToken)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    await expect(response.clone().json()).rejects.toThrow(SyntaxError)
    expect(await response.text()).toBe('not json')
  })

  it('answers a { status: 204 } failure with an empty body instead of crashing the handler', async () => {
    const { refreshToken } = await bodyLogin()
    auth.failNextRefreshes(1, { status: 204 })
    const response = await refresh(API, refreshToken)
    expect(response.status).toBe(204)
    expect(await response.text()).toBe('')
    expect(auth.requests.at(-1)).toEqual({ method: 'POST', route: '/refresh', status: 204 })
  })

  it('throws a TypeError naming `times` or `failure` for bad arguments, and queues nothing', async () => {
    for (const times of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2']) {
      const error = thrownBy(() => auth.failNextRefreshes(times as number, { status: 500 }))
      expect(error).toBeInstanceOf(TypeError)
      expect(error.message).toContain('`times`')
    }
    for (const failure of [
      null,
      'boom',
      {},
      { status: 199 },
      { status: 600 },
      { status: 404.5 },
      { status: '500' },
      { status: 500, body: { error: 'x' } },
      { status: 204, body: 'no body allowed' },
      { networkError: false },
      { delay: -1 },
      { delay: Number.POSITIVE_INFINITY },
      { delay: '100' },
    ]) {
      const error = thrownBy(() => auth.failNextRefreshes(1, failure as unknown as RefreshFailure))
      expect(error).toBeInstanceOf(TypeError)
      expect(error.message).toContain('`failure`')
    }
    const { refreshToken } = await bodyLogin()
    expect((await refresh(API, refreshToken)).status).toBe(200)
  })
})

describe('server-side controls', () => {
  it('revokeAllSessions refuses every refresh token and session-bound access token, but a new login works', async () => {
    const sessions = [await bodyLogin(), await bodyLogin()]
    await auth.revokeAllSessions()
    for (const { accessToken, refreshToken } of sessions) {
      await problemOf(await refresh(API, refreshToken), 400)
      const response = await fetch(get(`${API}/protected`, accessToken))
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
      await problemOf(response, 401)
    }
    const fresh = await bodyLogin()
    expect((await refresh(API, fresh.refreshToken)).status).toBe(200)
  })

  it('expireAccessTokens refuses every access token issued so far, while refresh tokens still work', async () => {
    const { accessToken, refreshToken } = await bodyLogin()
    auth.expireAccessTokens()
    const refused = await fetch(get(`${API}/protected`, accessToken))
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
    await problemOf(refused, 401)
    const renewed = await tokensOf(await refresh(API, refreshToken))
    expect((await fetch(get(`${API}/protected`, renewed.accessToken))).status).toBe(200)
  })

  it('advanceClock moves the server clock only: tokens expire there while Date.now stays put', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = Date.UTC(2030, 0, 1)
    vi.setSystemTime(start)
    expect(auth.now()).toBe(start)

    const { accessToken } = await bodyLogin()
    expect(claimsOf(accessToken)).toMatchObject({ iat: start / 1000, exp: start / 1000 + ACCESS_TTL_SECONDS })
    auth.advanceClock(ACCESS_TTL_SECONDS * 1000 - 1)
    expect((await fetch(get(`${API}/protected`, accessToken))).status).toBe(200)
    auth.advanceClock(1)
    expect((await fetch(get(`${API}/protected`, accessToken))).status).toBe(401)

    expect(Date.now()).toBe(start)
    expect(auth.now()).toBe(start + ACCESS_TTL_SECONDS * 1000)
    // Another instance keeps its own clock.
    expect(cookieAuth.now()).toBe(start)
  })

  it('advanceClock throws a TypeError for a negative or non-finite amount', () => {
    for (const milliseconds of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = thrownBy(() => auth.advanceClock(milliseconds))
      expect(error).toBeInstanceOf(TypeError)
      expect(error.message).toContain('`milliseconds`')
    }
  })

  it('reset forgets requests, queued failures, cookies, the clock offset, users and sessions, but keeps the demo user', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const ada = { username: 'ada', password: 'lovelace-1815' }
    expect((await fetch(post(`${COOKIE_API}/register`, ada))).status).toBe(201)
    const before = await login(COOKIE_API, ada)
    cookieAuth.failNextRefreshes(1, { status: 500 })
    cookieAuth.advanceClock(5000)
    const appBefore = cookieAuth.app

    cookieAuth.reset()

    expect(cookieAuth.requests).toEqual([])
    expect(cookieAuth.count()).toBe(0)
    expect(cookieAuth.cookies.get('refreshToken')).toBeUndefined()
    expect(cookieAuth.now()).toBe(Date.now())
    expect(cookieAuth.app).not.toBe(appBefore)
    expect((await fetch(post(`${COOKIE_API}/login`, ada))).status).toBe(400)
    expect((await fetch(get(`${COOKIE_API}/protected`, before.accessToken))).status).toBe(401)
    expect((await fetch(post(`${COOKIE_API}/refresh`, { refreshToken: before.refreshToken }))).status).toBe(400)

    await login(COOKIE_API)
    expect((await fetch(post(`${COOKIE_API}/refresh`))).status).toBe(200)
    expect((await fetch(post(`${COOKIE_API}/register`, ada))).status).toBe(201)
  })

  it('signAccessToken signs claims the server accepts until their exp, while another instance refuses them', async () => {
    const iat = Math.floor(auth.now() / 1000)
    const crafted = await auth.signAccessToken({ sub: '42', name: 'crafted', iat, exp: iat + 30 })

    const accepted = await fetch(get(`${API}/protected`, crafted))
    expect(accepted.status).toBe(200)
    expect(await accepted.json()).toMatchObject({ user: { id: '42', name: 'crafted' } })
    expect((await fetch(get(`${COOKIE_API}/protected`, crafted))).status).toBe(401)

    auth.advanceClock(30_000)
    expect((await fetch(get(`${API}/protected`, crafted))).status).toBe(401)
  })
})

describe('the emulated cookie jar', () => {
  it('keeps the refresh cookie from login, sends it with later refreshes and replaces it on rotation', async () => {
    const first = await login(COOKIE_API)
    expect(first.via).toBe('cookie')
    expect(cookieAuth.cookies.get('refreshToken')).toBe(first.refreshToken)

    // No body and no Cookie header: only the jar can supply the token.
    const second = await tokensOf(await fetch(post(`${COOKIE_API}/refresh`)))
    expect(second.via).toBe('cookie')
    expect(second.refreshToken).not.toBe(first.refreshToken)
    expect(cookieAuth.cookies.get('refreshToken')).toBe(second.refreshToken)

    // Had the jar resent the replaced token, the grace window would answer with `second` again.
    const third = await tokensOf(await fetch(post(`${COOKIE_API}/token`)))
    expect(third.refreshToken).not.toBe(second.refreshToken)
    expect(cookieAuth.cookies.get('refreshToken')).toBe(third.refreshToken)
  })

  it('drops the refresh cookie on logout, so the next refresh carries no token at all', async () => {
    await login(COOKIE_API)
    const loggedOut = await fetch(post(`${COOKIE_API}/logout`))
    expect(loggedOut.status).toBe(204)
    expect(setCookie(loggedOut, 'refreshToken')?.attributes['max-age']).toBe('0')
    expect(cookieAuth.cookies.get('refreshToken')).toBeUndefined()
    const problem = await problemOf(await fetch(post(`${COOKIE_API}/refresh`)), 400)
    expect(problem.message).toBe(MISSING_REFRESH_TOKEN)
  })

  it('cookies.clear() empties the jar without revoking anything on the server', async () => {
    const { refreshToken } = await login(COOKIE_API)
    cookieAuth.cookies.clear()
    expect(cookieAuth.cookies.get('refreshToken')).toBeUndefined()
    expect((await problemOf(await fetch(post(`${COOKIE_API}/refresh`)), 400)).message).toBe(MISSING_REFRESH_TOKEN)
    const explicit = await fetch(post(`${COOKIE_API}/refresh`, undefined, { cookie: `refreshToken=${refreshToken}` }))
    expect(explicit.status).toBe(200)
  })

  it('lets the cookie expire by its Max-Age on the server clock', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    await login(COOKIE_API)
    cookieAuth.advanceClock(REFRESH_TTL_SECONDS * 1000 - 1)
    expect(cookieAuth.cookies.get('refreshToken')).toBeDefined()
    cookieAuth.advanceClock(1)
    expect(cookieAuth.cookies.get('refreshToken')).toBeUndefined()
  })

  it('does not send the Secure refresh cookie to a plain-http origin that is not loopback', async () => {
    const { via } = await login(PLAIN_HTTP_API)
    expect(via).toBe('cookie')
    const problem = await problemOf(await fetch(post(`${PLAIN_HTTP_API}/refresh`)), 400)
    expect(problem.message).toBe(MISSING_REFRESH_TOKEN)
  })

  it.each(LOOPBACK_APIS)('sends the Secure refresh cookie over plain http to the loopback origin %s', async (base) => {
    const { refreshToken } = await login(base)
    const refreshed = await tokensOf(await fetch(post(`${base}/refresh`)))
    expect(refreshed.via).toBe('cookie')
    expect(refreshed.refreshToken).not.toBe(refreshToken)
  })
})

describe('baseUrl', () => {
  it('serves every route under the path of baseUrl and none at the root', async () => {
    const { accessToken, refreshToken } = await bodyLogin(PREFIXED_API)
    expect((await refresh(PREFIXED_API, refreshToken, '/refresh-token')).status).toBe(200)
    expect((await fetch(get(`${PREFIXED_API}/protected`, accessToken))).status).toBe(200)
    expect(prefixedAuth.requests.map((request) => request.route)).toEqual(['/login', '/refresh-token', '/protected'])

    const handlers = [...prefixedAuth.handlers]
    for (const url of [
      'https://example.test/login',
      'https://example.test/api/login',
      'https://example.test/api/auth/x/login',
    ]) {
      expect(await getResponse(handlers, post(url, DEMO))).toBeUndefined()
    }
    expect((await getResponse(handlers, post(`${PREFIXED_API}/login`, DEMO)))?.status).toBe(200)
  })

  it('treats a trailing slash on baseUrl like none', async () => {
    const trailing = createAuthHandlers({ baseUrl: `${PREFIXED_API}/`, bcryptCost: 4 })
    const response = await getResponse([...trailing.handlers], get(`${PREFIXED_API}/protected`))
    expect(response?.status).toBe(401)
    expect(trailing.requests).toEqual([{ method: 'GET', route: '/protected', status: 401 }])
  })

  it('throws a TypeError naming baseUrl for anything but an absolute http(s) URL with a plain path', () => {
    for (const baseUrl of [
      undefined,
      42,
      '',
      'api.example.test',
      '/api/auth',
      'ftp://example.test',
      'https://example.test/?tenant=1',
      'https://example.test/#auth',
      'https://example.test/api auth',
      'https://example.test/api//auth',
    ]) {
      const error = thrownBy(() => createAuthHandlers({ baseUrl } as unknown as AuthHandlersOptions))
      expect(error).toBeInstanceOf(TypeError)
      expect(error.message).toContain('`baseUrl`')
    }
    const error = thrownBy(() => createAuthHandlers(null as unknown as AuthHandlersOptions))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toContain('`options`')
  })
})
