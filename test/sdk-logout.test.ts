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

const user = (auth: AuthClient) => auth.api.get('protected').json<{ user: { name: string } }>()

const authorizations = (url: string, method: 'get' | 'post' = 'get') => recordAuthorizations(server, url, method)

describe('logout and login racing a refresh', () => {
  it.each([
    ['answers it (no revocation)', keep, KEEP_API, 200],
    ['refuses it (revoked by logout)', body, BODY_API, 400],
  ])(
    'logout during a refresh the server then %s: waiters get LOGGED_OUT, nothing comes back',
    async (_, target, base, late) => {
      const { auth, storage } = await bodyClient(base)
      const events = watchEvents(auth)
      target.advanceClock(61_000)
      target.failNextRefreshes(1, { delay: 1000 })
      const arrivals = authorizations(`${base}/refresh`, 'post')
      const refresh = rejectionOf(auth.refresh())
      const request = rejectionOf(user(auth))
      await settle(() => arrivals.length === 1 && answered(target, 401) === 1, 'the request waiting for the refresh')

      await auth.logout()
      expect(storage.value).toBeUndefined()
      await vi.advanceTimersByTimeAsync(1000)
      expectAuthError(await refresh, 'LOGGED_OUT', issued)
      expectAuthError(await request, 'LOGGED_OUT', issued)
      expect(target.requests.filter((answer) => answer.route === '/refresh').map((answer) => answer.status)).toEqual([
        late,
      ])

      expect(await auth.getAccessToken()).toBeUndefined()
      expect([storage.writes.length, storage.value]).toEqual([1, undefined])
      await expectNoTimerArmed(target)
      const sent = authorizations(`${base}/protected`)
      expect(summary(await withoutWaiting(rejectionOf(user(auth))))).toEqual({ name: 'HTTPError', status: 401 })
      expect(sent).toEqual([null])
      await turn()
      expect([events.refreshed, events.sessionExpired.length, events.refreshFailed.length]).toEqual([0, 0, 0])
    },
  )

  it('logout while the refreshed tokens are being stored keeps the client logged out', async () => {
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
    const refresh = auth.refresh().then(
      () => 'refreshed',
      (error: unknown) => summary(error).code,
    )
    await settle(() => sets === 2, 'the refreshed token being stored')

    // Logout resolves once the refresh token is out of the store, which first finishes the pending write.
    const loggedOut = auth.logout()
    release()
    await loggedOut
    const outcome = await refresh
    // What the user sees first: after logout, requests carry a token again.
    const sent = authorizations(`${KEEP_API}/protected`)
    await withoutWaiting(rejectionOf(user(auth))).catch(() => {})
    expect(sent.map((header) => (header ? 'a token' : 'none'))).toEqual(['none'])
    expect(await auth.getAccessToken()).toBeUndefined()
    expect(outcome).toBe('LOGGED_OUT')
    expect(storage.value).toBeUndefined()
    await expectNoTimerArmed(keep)
  })

  it.each([
    ['cookie', API],
    ['body', BODY_API],
  ])('logout presents the refresh token (%s transport) and the server revokes its family', async (transport, base) => {
    installFakeClock()
    const storage = recordingStorage()
    const auth = createAuthClient({ baseUrl: base, transport: transport as 'cookie' | 'body', storage })
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
    const sent = authorizations(`${API}/protected`)
    expect(summary(await withoutWaiting(rejectionOf(user(auth))))).toEqual({ name: 'HTTPError', status: 401 })
    expect(sent).toEqual([null])
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
      const sent = authorizations(`${BODY_API}/protected`)
      expect(summary(await withoutWaiting(rejectionOf(user(auth))))).toEqual({ name: 'HTTPError', status: 401 })
      expect(sent).toEqual([null])
    },
  )

  it.each<[string, Partial<RefreshTokenStorage>]>([
    ['whose get() throws', { get: () => broken() }],
    ['whose get() rejects', { get: async () => broken() }],
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
      const sent = authorizations(`${BODY_API}/protected`)
      expect(summary(await withoutWaiting(rejectionOf(user(auth))))).toEqual({ name: 'HTTPError', status: 401 })
      expect(sent).toEqual([null])
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

    expectAuthError(await rejectionOf(auth.login(DEMO)), 'INVALID_RESPONSE', issued)
    await vi.advanceTimersByTimeAsync(1000)
    await refresh
    // The rotated refresh token was kept: the next refresh, after the grace window, is not a reuse.
    expect(storage.writes).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(11_000)
    await withoutWaiting(auth.refresh())
    expect(body.requests.filter(({ route }) => route === '/refresh').map(({ status }) => status)).toEqual([200, 200])
    await turn()
    expect([events.refreshed, events.sessionExpired.length]).toEqual([2, 0])
  })

  it("a refresh still reading the store when a login stores the new session's token does not spend that token", async () => {
    installFakeClock()
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let held = false
    const storage = recordingStorage()
    const get = storage.get
    // An adapter whose get() reads the store only when it resolves.
    storage.get = async function () {
      if (held) await gate
      return get.call(this)
    }
    const auth = createAuthClient({ baseUrl: BODY_API, transport: 'body', storage })
    await auth.login(DEMO)
    const arrivals = authorizations(`${BODY_API}/refresh`, 'post')
    held = true
    const old = rejectionOf(auth.refresh())
    held = false
    await auth.login(DEMO)
    release()
    expectAuthError(await old, 'LOGGED_OUT', issued)
    expect(arrivals).toHaveLength(0)
    // The new session's refresh token is intact: its refresh succeeds, even past the reuse grace window.
    await vi.advanceTimersByTimeAsync(11_000)
    await withoutWaiting(auth.refresh())
    expect(body.requests.filter(({ route }) => route === '/refresh').map(({ status }) => status)).toEqual([200])
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

  it("login during a refresh in flight rejects the refresh's waiters with LOGGED_OUT, and the new session goes on", async () => {
    const { auth, storage } = await bodyClient(BODY_API)
    const events = watchEvents(auth)
    const tokens: Record<string, string | undefined> = { A: await auth.getAccessToken() }
    const sent = authorizations(`${BODY_API}/protected`)
    body.advanceClock(61_000)
    body.failNextRefreshes(1, { delay: 1000 })
    const refresh = rejectionOf(auth.refresh())
    const request = rejectionOf(user(auth))
    await settle(() => answered(body, 401) === 1, 'the request waiting for the refresh')

    await auth.login(DEMO)
    tokens.C = await auth.getAccessToken()
    await vi.advanceTimersByTimeAsync(1000)
    // The request was made in the old session: it is not replayed in the new one.
    expectAuthError(await refresh, 'LOGGED_OUT', issued)
    expectAuthError(await request, 'LOGGED_OUT', issued)
    expect(body.requests.filter((answer) => answer.route === '/refresh').map((answer) => answer.status)).toEqual([200])
    expect((await withoutWaiting(user(auth))).user.name).toBe('user1')
    expect(sent.map((header) => labelOf(header, tokens))).toEqual(['A', 'C'])
    expect((await auth.getAccessToken()) === tokens.C).toBe(true)
    expect(storage.writes.length).toBe(2)
    expect(storage.value === storage.writes[1]).toBe(true)
    // A refresh after the login is the new session's own, not the discarded one.
    await auth.refresh()
    expect(body.count('/refresh')).toBe(2)
    await turn()
    expect(events.refreshed).toBe(1)
  })

  it("a request waiting for a refresh when one user logs out and another logs in is never sent with the other user's token", async () => {
    installFakeClock()
    await register(mock, { username: 'user2', password: 'password456' })
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    mock.advanceClock(61_000)
    mock.failNextRefreshes(1, { delay: 1000 })
    const sent = authorizations(`${API}/protected`)
    const request = rejectionOf(user(auth))
    await settle(() => answered(mock, 401) === 1, 'the request waiting for the refresh')

    await auth.logout()
    await auth.login({ username: 'user2', password: 'password456' })
    await vi.advanceTimersByTimeAsync(1000)
    expectAuthError(await request, 'LOGGED_OUT', issued)
    expect(sent).toHaveLength(1)
    expect((await withoutWaiting(user(auth))).user.name).toBe('user2')
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
      const login = rejectionOf(auth.login(DEMO))
      await settle(() => reached, 'the login request')
      await auth.logout()
      arrive()
      const error = expectAuthError(await login, 'LOGGED_OUT', issued)
      expect(error.cause).toBeUndefined()
      expect(target.requests.map((answer) => `${answer.route} ${answer.status}`)).toEqual([
        '/logout 204',
        '/login 200',
        '/logout 204',
      ])
      // A reload's refresh (or any later one) cannot bring the session back.
      expectAuthError(await rejectionOf(auth.refresh()), 'SESSION_EXPIRED', issued)
      expect(target.requests.at(-1)).toEqual({ method: 'POST', route: '/refresh', status: 400 })
      expect(await auth.getAccessToken()).toBeUndefined()
    },
  )
})
