/**
 * Logout and login racing a refresh in flight, and what logout does to the
 * session locally and on the server.
 */
import { HttpResponse, http } from 'msw'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { profiles } from '../mock-server/index.ts'
import { type AuthClient, createAuthClient, type RefreshTokenStorage } from '../src/index.ts'
import { API, answered, DEMO, installFakeClock, mockServersWithMsw, settle } from './support/sdk.ts'
import {
  expectAuthError,
  expectNoTimerArmed,
  labelOf,
  recordAuthorizations,
  recordIssuedTokens,
  recordingStorage,
  rejectionOf,
  summary,
  turn,
  watchEvents,
  withoutWaiting,
} from './support/sdk-checks.ts'

const BODY_API = 'https://body.example.test'
/** A server whose logout does not revoke: a refresh it answers after logout succeeds. */
const KEEP_API = 'https://keep.example.test'
const { mocks, server } = mockServersWithMsw(
  { accessTokenTtl: 60 },
  { accessTokenTtl: 60, transport: 'body', baseUrl: BODY_API },
  {
    accessTokenTtl: 60,
    transport: 'body',
    baseUrl: KEEP_API,
    profile: { ...profiles.reference, revokeOnLogout: false },
  },
)
const [mock, body, keep] = mocks as [(typeof mocks)[0], (typeof mocks)[0], (typeof mocks)[0]]
const issued = recordIssuedTokens(server)

/** A logged-in body-transport client of `base`, with a storage adapter that records what it keeps. */
async function bodyClient(base: string) {
  installFakeClock()
  const storage = recordingStorage()
  const auth = createAuthClient({ baseUrl: base, transport: 'body', storage })
  await auth.login(DEMO)
  return { auth, storage }
}

/** Registers an account with the mock directly. */
async function register(target: typeof mock, account: { username: string; password: string }) {
  const response = await target.app.fetch(
    new Request(`${API}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(account),
    }),
  )
  expect(response.status).toBe(201)
}

/** What a failing storage adapter throws. */
const broken = (): never => {
  throw new Error('storage unavailable')
}

const USER2 = { username: 'user2', password: 'password456' } as const

const user = (auth: AuthClient) => auth.api.get('protected').json<{ user: { name: string } }>()

const authorizations = (url: string, method: 'get' | 'post' = 'get') => recordAuthorizations(server, url, method)

/** Listens to the MSW server's life-cycle `event` until the test ends. */
function listen(event: 'request:start' | 'response:mocked', listener: (request: Request, response?: Response) => void) {
  const controller = new AbortController()
  onTestFinished(() => controller.abort())
  server.events.on(event, ({ request, ...rest }) => listener(request, (rest as { response?: Response }).response), {
    signal: controller.signal,
  })
}

/** The tokens (`field` of the JSON body) that answers of `url` carried, in order (compare, never print). */
function tokensAnswered(url: string, field: 'accessToken' | 'refreshToken' = 'refreshToken'): string[] {
  const tokens: string[] = []
  listen('response:mocked', (request, response) => {
    if (request.url !== url || !response?.ok) return
    response
      .clone()
      .json()
      .then((answer: Record<string, string | undefined>) => {
        const token = answer[field]
        if (token) tokens.push(token)
      })
  })
  return tokens
}

/** The refresh token each request to `url` presented in its JSON body (`undefined` without one). */
function refreshTokensPresented(url: string): Array<string | undefined> {
  const presented: Array<string | undefined> = []
  server.use(
    http.post(url, async ({ request }) => {
      const text = await request.clone().text()
      presented.push(text ? (JSON.parse(text) as { refreshToken?: string }).refreshToken : undefined)
    }),
  )
  return presented
}

/** The auth calls of `base` in the order the server saw them: `→ /route` on arrival, `← /route status` on answer. */
function authTimeline(base: string): string[] {
  const timeline: string[] = []
  const route = (request: Request) => {
    const url = new URL(request.url)
    return url.origin === base && url.pathname !== '/protected' ? url.pathname : undefined
  }
  listen('request:start', (request) => {
    const path = route(request)
    if (path) timeline.push(`→ ${path}`)
  })
  listen('response:mocked', (request, response) => {
    const path = route(request)
    if (path) timeline.push(`← ${path} ${response?.status}`)
  })
  return timeline
}

/** The error of a request after logout: refused 401 with no token sent and no refresh tried, SESSION_EXPIRED. */
async function expectLoggedOutRequest(auth: AuthClient, target: typeof mock, base: string): Promise<void> {
  const sent = authorizations(`${base}/protected`)
  const refreshes = target.count('/refresh')
  const error = expectAuthError(await withoutWaiting(rejectionOf(user(auth))), 'SESSION_EXPIRED', issued)
  expect(error.status).toBe(401)
  expect(error.cause instanceof Response && error.cause.status).toBe(401)
  expect(sent).toEqual([null])
  await turn()
  expect(target.count('/refresh')).toBe(refreshes)
}

describe('logout and login racing a refresh', () => {
  it.each([
    ['keeps alive (no revocation on logout)', keep, KEEP_API, 200],
    ['revokes', body, BODY_API, 400],
  ])(
    'logout during a refresh: the refresh is answered first, its waiters get LOGGED_OUT, nothing comes back, and the logout presents its late refresh token, which the server then %s',
    async (_, target, base, lateTokenAfterLogout) => {
      const { auth, storage } = await bodyClient(base)
      const events = watchEvents(auth)
      target.advanceClock(61_000)
      target.failNextRefreshes(1, { delay: 1000 })
      const arrivals = authorizations(`${base}/refresh`, 'post')
      const late = tokensAnswered(`${base}/refresh`)
      const presented = refreshTokensPresented(`${base}/logout`)
      const refresh = rejectionOf(auth.refresh())
      const request = rejectionOf(user(auth))
      await settle(() => arrivals.length === 1 && answered(target, 401) === 1, 'the request waiting for the refresh')

      const loggingOut = auth.logout()
      // The session is cleared at once; the revocation waits for the refresh on the wire.
      expect(storage.value).toBeUndefined()
      expect(await auth.getAccessToken()).toBeUndefined()
      for (let index = 0; index < 5; index++) await turn()
      expect(presented).toHaveLength(0)
      // Moving time lets the held refresh be answered; the revocation follows.
      await vi.advanceTimersByTimeAsync(1000)
      await loggingOut
      expectAuthError(await refresh, 'LOGGED_OUT', issued)
      expectAuthError(await request, 'LOGGED_OUT', issued)
      expect(
        target.requests.filter(({ route }) => route !== '/protected').map(({ route, status }) => `${route} ${status}`),
      ).toEqual(['/login 200', '/refresh 200', '/logout 204'])
      // The late answer's refresh token reached neither memory nor the store: the logout presented it for revocation.
      expect(late).toHaveLength(1)
      expect(presented.map((token) => token === late[0])).toEqual([true])
      expect([storage.writes.length, storage.value]).toEqual([1, undefined])
      const reuse = await target.app.fetch(
        new Request(`${base}/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken: late[0] }),
        }),
      )
      expect(reuse.status).toBe(lateTokenAfterLogout)

      expect(await auth.getAccessToken()).toBeUndefined()
      await expectNoTimerArmed(target)
      await expectLoggedOutRequest(auth, target, base)
      await turn()
      expect([events.refreshed, events.sessionExpired.length, events.refreshFailed.length]).toEqual([0, 0, 0])
    },
  )

  it('without a logout route, logout resolves at once during a slow refresh, whose waiters get LOGGED_OUT and whose late refresh token is kept nowhere', async () => {
    installFakeClock()
    const storage = recordingStorage()
    const auth = createAuthClient({ baseUrl: BODY_API, transport: 'body', storage, endpoints: { logout: false } })
    await auth.login(DEMO)
    const events = watchEvents(auth)
    body.failNextRefreshes(1, { delay: 1000 })
    const arrivals = authorizations(`${BODY_API}/refresh`, 'post')
    const refresh = rejectionOf(auth.refresh())
    await settle(() => arrivals.length === 1, 'the held refresh')

    // Nothing to wait for: no call is made.
    await withoutWaiting(auth.logout())
    expect([await auth.getAccessToken(), storage.value]).toEqual([undefined, undefined])
    await vi.advanceTimersByTimeAsync(1000)
    expectAuthError(await refresh, 'LOGGED_OUT', issued)
    expect(
      body.requests.filter(({ route }) => route !== '/protected').map(({ route, status }) => `${route} ${status}`),
    ).toEqual(['/login 200', '/refresh 200'])
    expect([storage.writes.length, storage.value]).toEqual([1, undefined])
    expect(await auth.getAccessToken()).toBeUndefined()
    await expectNoTimerArmed(body)
    await expectLoggedOutRequest(auth, body, BODY_API)
    await turn()
    expect([events.refreshed, events.sessionExpired.length, events.refreshFailed.length]).toEqual([0, 0, 0])
  })

  it('logout while the refreshed token is still being written to an asynchronous store keeps the client logged out and the store empty', async () => {
    installFakeClock()
    // An asynchronous store that applies its operations in order (as IndexedDB or AsyncStorage do).
    let queue = Promise.resolve()
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const storage = recordingStorage()
    const { set, remove } = storage
    let sets = 0
    const asyncStorage = {
      get: () => storage.get(),
      set(token: string) {
        const wait = sets++ ? gate : undefined
        queue = queue.then(() => wait).then(() => set.call(storage, token))
        return queue
      },
      remove() {
        queue = queue.then(() => remove.call(storage))
        return queue
      },
    }
    const auth = createAuthClient({ baseUrl: KEEP_API, transport: 'body', storage: asyncStorage })
    await auth.login(DEMO)
    const presented = refreshTokensPresented(`${KEEP_API}/logout`)
    const refresh = auth.refresh().then(
      () => 'refreshed',
      (error: unknown) => summary(error).code,
    )
    await settle(() => sets === 2, 'the refreshed token being stored')
    // The refresh does not wait for the store: it completed, in the session it began in, before the logout.
    expect(await refresh).toBe('refreshed')
    const refreshed = await auth.getAccessToken()

    // Logout resolves once the refresh token is out of the store, which first finishes the pending write.
    let done = false
    const loggedOut = auth.logout().then(() => {
      done = true
    })
    for (let index = 0; index < 5; index++) await turn()
    expect([done, storage.value === storage.writes[0]]).toEqual([false, true])
    release()
    await loggedOut
    // What the user sees first: after logout, requests carry no token.
    const sent = authorizations(`${KEEP_API}/protected`)
    await withoutWaiting(rejectionOf(user(auth))).catch(() => {})
    expect(sent.map((header) => (header ? 'a token' : 'none'))).toEqual(['none'])
    expect(await auth.getAccessToken()).toBeUndefined()
    expect(refreshed).toBeDefined()
    // The write finished first, then the removal: nothing is left in the store.
    expect(storage.writes).toHaveLength(2)
    expect(storage.value).toBeUndefined()
    // The logout presented the newest refresh token (from memory), not the spent one the store still held.
    expect(presented.map((token) => token === storage.writes[1])).toEqual([true])
    await expectNoTimerArmed(keep)
  })

  it.each([
    ['cookie', API],
    ['body', BODY_API],
  ])('logout presents the refresh token (%s transport) and the server revokes its family', async (transport, base) => {
    installFakeClock()
    const storage = recordingStorage()
    // `storage` is for the body transport only.
    const auth = createAuthClient(
      transport === 'cookie' ? { baseUrl: base } : { baseUrl: base, transport: 'body', storage },
    )
    await auth.login(DEMO)
    const target = transport === 'cookie' ? mock : body
    const refreshToken = (transport === 'cookie' ? target.cookies.get('refreshToken') : storage.value) as string
    expect(refreshToken.length).toBeGreaterThan(0)

    const loggingOut = auth.logout()
    // Cleared at once, before the logout route answers.
    expect(storage.value).toBeUndefined()
    expect(await auth.getAccessToken()).toBeUndefined()
    expect(target.count('/logout')).toBe(0)
    await loggingOut
    expect(target.requests.at(-1)).toEqual({ method: 'POST', route: '/logout', status: 204 })
    expect(target.cookies.get('refreshToken') || undefined).toBeUndefined()
    expect(storage.value).toBeUndefined()
    const retry = await target.app.fetch(
      transport === 'cookie'
        ? new Request(`${base}/refresh`, { method: 'POST', headers: { cookie: `refreshToken=${refreshToken}` } })
        : new Request(`${base}/refresh`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ refreshToken }),
          }),
    )
    expect(retry.status).toBe(400)
  })

  it('logout is idempotent', async () => {
    installFakeClock()
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    await auth.logout()
    await auth.logout()
    await Promise.all([auth.logout(), auth.logout()])
    expect(await auth.getAccessToken()).toBeUndefined()
    expect(mock.requests.filter((request) => request.route === '/logout').map((request) => request.status)).toEqual([
      204, 204, 204, 204,
    ])
    expect(mock.count('/refresh')).toBe(0)
    // Refused without a token, and with no refresh: the session has ended.
    await expectLoggedOutRequest(auth, mock, API)
  })

  it.each<[string, () => Response, number | undefined]>([
    ['a 500 answer', () => new HttpResponse(null, { status: 500 }), 500],
    ['a network error', () => HttpResponse.error(), undefined],
  ])(
    'a logout route failing with %s rejects with LOGOUT_FAILED, and the session is cleared anyway',
    async (_, answer, status) => {
      const { auth, storage } = await bodyClient(BODY_API)
      let calls = 0
      server.use(
        http.post(`${BODY_API}/logout`, () => {
          calls++
          return answer()
        }),
      )

      const error = expectAuthError(await rejectionOf(auth.logout()), 'LOGOUT_FAILED', issued)
      expect(error.status).toBe(status)
      expect(calls).toBe(1)
      expect([await auth.getAccessToken(), storage.value]).toEqual([undefined, undefined])
      await expectNoTimerArmed(body)
      // Refused without a token, and with no refresh: the session has ended.
      await expectLoggedOutRequest(auth, body, BODY_API)
    },
  )

  it.each<[string, Partial<RefreshTokenStorage>]>([
    ['whose get() throws', { get: () => broken() }],
    ['whose get() rejects', { get: async () => broken() }],
  ])(
    'with a storage adapter %s, logout ends the session and revokes the refresh token it holds in memory, and resolves',
    async (_, failing) => {
      const { auth, storage } = await bodyClient(BODY_API)
      const unhandled: unknown[] = []
      const onUnhandled = (reason: unknown) => unhandled.push(reason)
      process.on('unhandledRejection', onUnhandled)
      onTestFinished(() => {
        process.off('unhandledRejection', onUnhandled)
      })
      const [loggedIn] = storage.writes
      Object.assign(storage, failing)
      const presented = refreshTokensPresented(`${BODY_API}/logout`)

      const loggingOut = auth.logout()
      expect(await auth.getAccessToken()).toBeUndefined()
      // The newest refresh token is in memory: the failing read costs nothing.
      await loggingOut
      expect(presented.map((token) => token === loggedIn)).toEqual([true])
      expect(body.requests.at(-1)).toEqual({ method: 'POST', route: '/logout', status: 204 })
      expect(storage.value).toBeUndefined()
      const reuse = await body.app.fetch(
        new Request(`${BODY_API}/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken: loggedIn }),
        }),
      )
      expect(reuse.status).toBe(400)
      await expectNoTimerArmed(body)
      await expectLoggedOutRequest(auth, body, BODY_API)
      for (let index = 0; index < 5; index++) await turn()
      expect(unhandled).toEqual([])
    },
  )

  it.each<[string, Partial<RefreshTokenStorage>]>([
    ['whose remove() throws', { remove: () => broken() }],
    ['whose remove() rejects', { remove: async () => broken() }],
  ])(
    'with a storage adapter %s, logout still ends the session, then rejects with LOGOUT_FAILED and its error as the cause',
    async (_, failing) => {
      const { auth, storage } = await bodyClient(BODY_API)
      const unhandled: unknown[] = []
      const onUnhandled = (reason: unknown) => unhandled.push(reason)
      process.on('unhandledRejection', onUnhandled)
      onTestFinished(() => {
        process.off('unhandledRejection', onUnhandled)
      })
      Object.assign(storage, failing)

      const loggingOut = rejectionOf(auth.logout())
      expect(await auth.getAccessToken()).toBeUndefined()
      const error = expectAuthError(await loggingOut, 'LOGOUT_FAILED', issued)
      expect((error.cause as Error).message).toBe('storage unavailable')
      await expectNoTimerArmed(body)
      // Refused without a token, and with no refresh: the session has ended.
      await expectLoggedOutRequest(auth, body, BODY_API)
      for (let index = 0; index < 5; index++) await turn()
      expect(unhandled).toEqual([])
    },
  )

  it.each<[string, Partial<RefreshTokenStorage>]>([
    ['whose remove() throws', { remove: () => broken() }],
    ['whose remove() rejects', { remove: async () => broken() }],
  ])('with a storage adapter %s, logout still asks the server to revoke the refresh token', async (_, failing) => {
    const { auth, storage } = await bodyClient(BODY_API)
    const stored = storage.value
    Object.assign(storage, failing)
    const sent: string[] = []
    server.use(
      http.post(`${BODY_API}/logout`, async ({ request }) => {
        sent.push(await request.clone().text())
      }),
    )
    expectAuthError(await rejectionOf(auth.logout()), 'LOGOUT_FAILED', issued)
    // The token is still in the failing store: revoking it on the server is what protects it.
    expect(storage.value === stored).toBe(true)
    expect(sent.map((text) => (JSON.parse(text) as { refreshToken: string }).refreshToken === stored)).toEqual([true])
    expect(body.requests.at(-1)).toEqual({ method: 'POST', route: '/logout', status: 204 })
  })

  it('a login answered without a usable token while a refresh is in flight keeps the session and that refresh', async () => {
    const { auth, storage } = await bodyClient(BODY_API)
    const events = watchEvents(auth)
    body.failNextRefreshes(1, { delay: 1000 })
    const arrivals = authorizations(`${BODY_API}/refresh`, 'post')
    const refresh = auth.refresh()
    await settle(() => arrivals.length === 1, 'the held refresh')
    server.use(http.post(`${BODY_API}/login`, () => HttpResponse.json({ ok: true }), { once: true }))
    const timeline = authTimeline(BODY_API)

    // The login waits for the refresh on the wire, then is refused.
    const login = rejectionOf(auth.login(DEMO))
    await vi.advanceTimersByTimeAsync(1000)
    await refresh
    expectAuthError(await login, 'INVALID_RESPONSE', issued)
    expect(timeline).toEqual(['← /refresh 200', '→ /login', '← /login 200'])
    // The rotated refresh token was kept: the next refresh, after the grace window, is not a reuse.
    expect(storage.writes).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(11_000)
    await withoutWaiting(auth.refresh())
    expect(body.requests.filter(({ route }) => route === '/refresh').map(({ status }) => status)).toEqual([200, 200])
    await turn()
    expect([events.refreshed, events.sessionExpired.length]).toEqual([2, 0])
  })

  it("a login waits for a refresh still reading the store, so the new session's refresh token is never spent by the old session's refresh", async () => {
    installFakeClock()
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let held = false
    let reading = false
    const storage = recordingStorage()
    const get = storage.get
    // An adapter whose get() reads the store only when it resolves.
    storage.get = async function () {
      if (held) {
        held = false
        reading = true
        await gate
      }
      return get.call(this)
    }
    const auth = createAuthClient({ baseUrl: BODY_API, transport: 'body', storage })
    await auth.login(DEMO)
    const timeline = authTimeline(BODY_API)
    const presented = refreshTokensPresented(`${BODY_API}/refresh`)
    held = true
    const old = auth.refresh()
    await settle(() => reading, 'the refresh reading the store')
    const login = auth.login(DEMO)
    for (let index = 0; index < 5; index++) await turn()
    expect(timeline).toEqual([])
    release()
    // The old session's refresh completes first, with the old session's token; then the login is sent.
    await old
    await login
    expect(timeline).toEqual(['→ /refresh', '← /refresh 200', '→ /login', '← /login 200'])
    expect(presented.map((token) => token === storage.writes[0])).toEqual([true])
    expect(storage.writes).toHaveLength(3)
    expect(storage.value === storage.writes[2]).toBe(true)
    // The new session's refresh token is intact: its refresh succeeds, even past the reuse grace window.
    await vi.advanceTimersByTimeAsync(11_000)
    await withoutWaiting(auth.refresh())
    // Which stored token each refresh presented: the old session's, then the new session's.
    expect(presented.map((token) => storage.writes.indexOf(token as string))).toEqual([0, 2])
    expect(body.requests.filter(({ route }) => route === '/refresh').map(({ status }) => status)).toEqual([200, 200])
  })

  it('a login that fails while a refresh is in flight leaves the existing session working', async () => {
    const { auth } = await bodyClient(BODY_API)
    body.failNextRefreshes(1, { delay: 1000 })
    const arrivals = authorizations(`${BODY_API}/refresh`, 'post')
    const refresh = auth.refresh()
    await settle(() => arrivals.length === 1, 'the held refresh')
    // The login is held until the refresh has been answered, then refused.
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    server.use(
      http.post(`${BODY_API}/login`, async () => {
        await gate
      }),
    )
    const login = rejectionOf(auth.login({ username: 'user1', password: 'wrong-password' }))

    await vi.advanceTimersByTimeAsync(1000)
    await refresh
    release()
    expectAuthError(await login, 'LOGIN_FAILED', issued)
    // The rotated refresh token was answered: the session must go on with it, past the reuse grace.
    expect(body.requests.filter((answer) => answer.route === '/refresh').map((answer) => answer.status)).toEqual([200])
    await vi.advanceTimersByTimeAsync(11_000)
    const outcome = await auth.refresh().then(
      () => 'refreshed',
      (error: unknown) => summary(error).code,
    )
    expect(outcome).toBe('refreshed')
    expect(await auth.getAccessToken()).toBeDefined()
  })

  it("login during a refresh in flight is sent after it: the refresh's waiters complete in the old session, and the new session goes on", async () => {
    const { auth, storage } = await bodyClient(BODY_API)
    const events = watchEvents(auth)
    const tokens: Record<string, string | undefined> = { A: await auth.getAccessToken() }
    const refreshed = tokensAnswered(`${BODY_API}/refresh`, 'accessToken')
    const sent = authorizations(`${BODY_API}/protected`)
    const timeline = authTimeline(BODY_API)
    body.advanceClock(61_000)
    body.failNextRefreshes(1, { delay: 1000 })
    const refresh = auth.refresh()
    const request = user(auth)
    await settle(() => answered(body, 401) === 1, 'the request waiting for the refresh')

    const login = auth.login(DEMO)
    for (let index = 0; index < 5; index++) await turn()
    expect(timeline).toEqual(['→ /refresh'])
    await vi.advanceTimersByTimeAsync(1000)
    // The refresh settled before the login was sent: it and its waiters belong to the old session, same user.
    await refresh
    expect((await request).user.name).toBe('user1')
    await login
    expect(timeline).toEqual(['→ /refresh', '← /refresh 200', '→ /login', '← /login 200'])
    tokens.B = refreshed[0]
    tokens.C = await auth.getAccessToken()
    expect(body.requests.filter((answer) => answer.route === '/refresh').map((answer) => answer.status)).toEqual([200])
    expect((await withoutWaiting(user(auth))).user.name).toBe('user1')
    expect(sent.map((header) => labelOf(header, tokens))).toEqual(['A', 'B', 'C'])
    expect([tokens.C !== tokens.B, tokens.C !== tokens.A]).toEqual([true, true])
    // Login, refresh, login: the store holds the new session's refresh token.
    expect(storage.writes.length).toBe(3)
    expect(storage.value === storage.writes[2]).toBe(true)
    // A refresh after the login is the new session's own.
    await auth.refresh()
    expect(body.requests.filter((answer) => answer.route === '/refresh').map((answer) => answer.status)).toEqual([
      200, 200,
    ])
    await turn()
    expect(events.refreshed).toBe(2)
  })

  it("a request waiting for a refresh when one user logs out and another logs in is never sent with the other user's token", async () => {
    installFakeClock()
    await register(mock, USER2)
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    mock.advanceClock(61_000)
    mock.failNextRefreshes(1, { delay: 1000 })
    const sent = authorizations(`${API}/protected`)
    const request = rejectionOf(user(auth))
    await settle(() => answered(mock, 401) === 1, 'the request waiting for the refresh')

    // Both wait for the refresh on the wire (the login for the logout too): time must move for them to resolve.
    const loggingOut = auth.logout()
    const login = auth.login(USER2)
    await vi.advanceTimersByTimeAsync(1000)
    await Promise.all([loggingOut, login])
    expectAuthError(await request, 'LOGGED_OUT', issued)
    expect(sent).toHaveLength(1)
    expect((await withoutWaiting(user(auth))).user.name).toBe('user2')
    expect(sent).toHaveLength(2)
    expect(
      mock.requests.filter(({ route }) => route !== '/protected').map(({ route, status }) => `${route} ${status}`),
    ).toEqual(['/login 200', '/refresh 200', '/logout 204', '/login 200'])
  })

  it("with the cookie transport, a login started while a slow refresh of the old session is in flight is sent only after that refresh settled, so the old session's rotated cookie cannot overwrite the new one", async () => {
    installFakeClock()
    await register(mock, USER2)
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    const timeline = authTimeline(API)
    mock.failNextRefreshes(1, { delay: 1000 })
    const refresh = auth.refresh()
    await settle(() => timeline.length === 1, 'the held refresh')

    const login = auth.login(USER2)
    for (let index = 0; index < 5; index++) await turn()
    expect(timeline).toEqual(['→ /refresh'])
    await vi.advanceTimersByTimeAsync(1000)
    // The refresh settled before the login went out: it completed in the old session.
    await refresh
    await login
    expect(timeline).toEqual(['→ /refresh', '← /refresh 200', '→ /login', '← /login 200'])
    expect(
      mock.requests.filter(({ route }) => route !== '/protected').map(({ route, status }) => `${route} ${status}`),
    ).toEqual(['/login 200', '/refresh 200', '/login 200'])
    expect((await withoutWaiting(user(auth))).user.name).toBe('user2')
    // The cookie in the jar is the new session's: its refresh gives a token of the same user (a token of user1
    // would be refused as INVALID_RESPONSE), and requests go on as user2.
    await withoutWaiting(auth.refresh())
    expect(mock.requests.filter(({ route }) => route === '/refresh').map(({ status }) => status)).toEqual([200, 200])
    expect((await withoutWaiting(user(auth))).user.name).toBe('user2')
  })

  it("a request begun before logout and refused with 401 after a login as another user rejects with LOGGED_OUT and is never replayed with the new user's token", async () => {
    installFakeClock()
    await register(mock, USER2)
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    const tokens: Record<string, string | undefined> = { A: await auth.getAccessToken() }
    // A write the server holds on its way, then refuses (user1's token was revoked by the logout meanwhile); a
    // replay would be accepted, as user2's.
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const seen: Array<{ authorization: string | null; body: string }> = []
    server.use(
      http.post(`${API}/notes`, async ({ request }) => {
        seen.push({ authorization: request.headers.get('authorization'), body: await request.text() })
        if (seen.length > 1) return HttpResponse.json({ saved: true }, { status: 201 })
        await gate
        return HttpResponse.json({ error: 'invalid_token' }, { status: 401 })
      }),
    )
    const request = rejectionOf(auth.api.post('notes', { json: { text: 'a note of user1' } }))
    await settle(() => seen.length === 1, 'the write on its way')

    await auth.logout()
    await auth.login(USER2)
    tokens.C = await auth.getAccessToken()
    release()
    const error = expectAuthError(await request, 'LOGGED_OUT', issued)
    expect(error.cause).toBeUndefined()
    for (let index = 0; index < 5; index++) await turn()
    expect(seen.map(({ authorization }) => labelOf(authorization, tokens))).toEqual(['A'])
    expect(seen[0]?.body).toBe(JSON.stringify({ text: 'a note of user1' }))
    expect(mock.count('/refresh')).toBe(0)
    // The new session is untouched.
    expect((await withoutWaiting(user(auth))).user.name).toBe('user2')
    expect((await auth.getAccessToken()) === tokens.C).toBe(true)
  })

  it.each([
    ['cookie', API],
    ['body', BODY_API],
  ] as const)(
    'logout while login is on its way (%s transport): login rejects with LOGGED_OUT and the session it opened is ended on the server',
    async (transport, base) => {
      installFakeClock()
      const target = transport === 'cookie' ? mock : body
      // The login request is held on its way, as on a slow network, while the app logs out.
      let reached = false
      let arrive = () => {}
      const arrival = new Promise<void>((resolve) => {
        arrive = resolve
      })
      server.use(
        http.post(`${base}/login`, async () => {
          reached = true
          await arrival
        }),
      )
      const auth = createAuthClient({ baseUrl: base, transport })
      const opened = tokensAnswered(`${base}/login`)
      const login = rejectionOf(auth.login(DEMO))
      await settle(() => reached, 'the login request')
      let loggedOut = false
      const loggingOut = auth.logout().then(() => {
        loggedOut = true
      })
      // The logout's call waits for the login on the wire.
      for (let index = 0; index < 5; index++) await turn()
      expect([loggedOut, target.count('/logout')]).toEqual([false, 0])
      expect(await auth.getAccessToken()).toBeUndefined()
      arrive()
      await loggingOut
      const error = expectAuthError(await login, 'LOGGED_OUT', issued)
      expect(error.cause).toBeUndefined()
      // The logout, sent once the login was answered, revokes the session the login opened: it presents that
      // login's cookie, or (body transport) the refresh token the login handed over.
      await settle(() => target.count('/logout') === 1, 'the revocation of the login')
      expect(target.requests.map((answer) => `${answer.route} ${answer.status}`)).toEqual(['/login 200', '/logout 204'])
      // A reload's refresh (or any later one) cannot bring the session back.
      expectAuthError(await rejectionOf(auth.refresh()), 'SESSION_EXPIRED', issued)
      if (transport === 'cookie') {
        expect(target.requests.at(-1)).toEqual({ method: 'POST', route: '/refresh', status: 400 })
      } else {
        // Nothing to present: no refresh is sent. The login's refresh token was revoked all the same.
        expect(target.count('/refresh')).toBe(0)
        expect(opened).toHaveLength(1)
        const reuse = await target.app.fetch(
          new Request(`${base}/refresh`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ refreshToken: opened[0] }),
          }),
        )
        expect(reuse.status).toBe(400)
      }
      expect(await auth.getAccessToken()).toBeUndefined()
    },
  )

  it.each([
    ['cookie', API],
    ['body', BODY_API],
  ] as const)(
    "a login started after a logout that overtook a pending login keeps its session: the overtaken login's revocation never ends it (%s transport)",
    async (transport, base) => {
      installFakeClock()
      const target = transport === 'cookie' ? mock : body
      await register(target, USER2)
      let reached = false
      let arrive = () => {}
      const arrival = new Promise<void>((resolve) => {
        arrive = resolve
      })
      server.use(
        http.post(
          `${base}/login`,
          async () => {
            reached = true
            await arrival
          },
          { once: true },
        ),
      )
      const auth = createAuthClient({ baseUrl: base, transport })
      const first = rejectionOf(auth.login(DEMO))
      await settle(() => reached, 'the first login request')
      const loggingOut = auth.logout()
      const second = auth.login(USER2)
      arrive()
      await loggingOut
      expectAuthError(await first, 'LOGGED_OUT', issued)
      await second
      // The session the first login opened is ended on the server by the one logout, sent right after it.
      await settle(() => target.count('/logout') === 1, 'the revocation of the first login')
      expect(target.requests.map(({ route }) => route)).toEqual(['/login', '/logout', '/login'])
      expect(target.requests.map(({ route }) => route).filter((route) => route === '/login')).toEqual([
        '/login',
        '/login',
      ])
      // The second login's session is the one that lives: its requests and refreshes go on, as user2.
      const name = () =>
        withoutWaiting(user(auth)).then(
          ({ user }) => user.name,
          (error: unknown) => summary(error),
        )
      expect(await name()).toBe('user2')
      expect(await withoutWaiting(auth.refresh()).then(() => 'refreshed', summary)).toBe('refreshed')
      expect(await name()).toBe('user2')
    },
  )
})
