/**
 * How the SDK fails: refused, transient and malformed refreshes, login errors,
 * and the shape of every AuthError. Concurrency and replays are in
 * sdk-concurrency.test.ts, logout in sdk-logout.test.ts.
 */
import { inspect } from 'node:util'
import { NetworkError, TimeoutError } from 'ky'
import { HttpResponse, http } from 'msw'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import type { RefreshFailure } from '../mock-server/index.ts'
import { type AuthClient, type AuthError, createAuthClient } from '../src/index.ts'
import { API, answered, DEMO, installFakeClock, mockServersWithMsw } from './support/sdk.ts'
import {
  expectAuthError,
  recordAuthorizations,
  recordIssuedTokens,
  recordingStorage,
  rejectionOf,
  summary,
  watchEvents,
} from './support/sdk-checks.ts'
import { drive, driveUntil, flushDue, idle, settle, turn, withoutWaiting } from './support/time.ts'

const BODY_API = 'https://body.example.test'
const {
  mocks: [cookieMock, bodyMock],
  server,
} = mockServersWithMsw({ accessTokenTtl: 60 }, { accessTokenTtl: 60, transport: 'body', baseUrl: BODY_API })
const mock = cookieMock as NonNullable<typeof cookieMock>
const body = bodyMock as NonNullable<typeof bodyMock>
const issued = recordIssuedTokens(server)

/** A logged-in cookie client (fake clock on), its events, and the token it holds. */
async function loggedIn(options: Partial<Parameters<typeof createAuthClient>[0]> = {}) {
  installFakeClock()
  const auth = createAuthClient({ baseUrl: API, ...options })
  await auth.login(DEMO)
  return { auth, events: watchEvents(auth), token: (await auth.getAccessToken()) as string }
}

/** The server alone sees the access token expire, so the next API call is answered 401. */
const expireAccessTokenOnServer = () => mock.advanceClock(61_000)

/** The fake time at which each refresh request arrived, whoever answers it. */
function refreshArrivals(base = API): number[] {
  const arrivals: number[] = []
  server.use(
    http.post(`${base}/refresh`, () => {
      arrivals.push(Date.now())
    }),
  )
  return arrivals
}

const user = (auth: AuthClient) => auth.api.get('protected').json<{ user: { name: string } }>()

describe('a refused refresh ends the session', () => {
  it.each([400, 401, 403])(
    'a refresh answered %i rejects the request with SESSION_EXPIRED after one refresh and no replay',
    async (status) => {
      const { auth, events } = await loggedIn()
      await mock.revokeAllSessions()
      mock.failNextRefreshes(1, { status })

      const error = expectAuthError(await withoutWaiting(rejectionOf(user(auth))), 'SESSION_EXPIRED', issued)
      expect(error.status).toBe(status)
      // The cause is the server's answer (not ky's HTTPError, whose options hold the refresh token sent).
      expect(error.cause instanceof Response && error.cause.status === status).toBe(true)
      expect(mock.count('/refresh')).toBe(1)
      expect(mock.count('/protected')).toBe(1)
      await turn()
      expect(events.sessionExpired).toHaveLength(1)
      expect(events.sessionExpired[0] === error).toBe(true)
      expect(events.refreshFailed).toHaveLength(0)
      expect(await auth.getAccessToken()).toBeUndefined()
    },
  )

  it('many concurrent requests failing with 401 share one refused refresh and sessionExpired is emitted once', async () => {
    const { auth, events } = await loggedIn()
    await mock.revokeAllSessions()
    // Held, so that every 401 arrives while the refresh is in flight; then the server refuses it (400).
    mock.failNextRefreshes(1, { delay: 1000 })
    const arrivals = refreshArrivals()
    const results = Array.from({ length: 20 }, () => rejectionOf(user(auth)))
    await settle(() => arrivals.length === 1 && answered(mock, 401) === 20, 'twenty 401 answers')
    await vi.advanceTimersByTimeAsync(1000)

    for (const error of await Promise.all(results)) expectAuthError(error, 'SESSION_EXPIRED', issued)
    expect(mock.count('/refresh')).toBe(1)
    expect(mock.count('/protected')).toBe(20)
    await turn()
    expect(events.sessionExpired).toHaveLength(1)
  })

  it('after the session expired, a 401 rejects with SESSION_EXPIRED without a refresh, on auth.api and auth.fetch, and login revives the session', async () => {
    const { auth, events } = await loggedIn()
    await mock.revokeAllSessions()
    expectAuthError(await withoutWaiting(rejectionOf(user(auth))), 'SESSION_EXPIRED', issued)
    const sent = recordAuthorizations(server, `${API}/protected`)

    // The request goes out without a token; its 401 is the dead session's: no refresh is sent.
    const viaApi = expectAuthError(await withoutWaiting(rejectionOf(user(auth))), 'SESSION_EXPIRED', issued)
    expect(viaApi.status).toBe(401)
    expect(viaApi.cause instanceof Response && viaApi.cause.status === 401).toBe(true)
    const viaFetch = expectAuthError(
      await withoutWaiting(rejectionOf(auth.fetch('protected'))),
      'SESSION_EXPIRED',
      issued,
    )
    expect(viaFetch.cause instanceof Response && viaFetch.cause.status === 401).toBe(true)
    expect(sent).toEqual([null, null])
    expect(mock.count('/refresh')).toBe(1)
    // An explicit refresh is still attempted (it may restore a cookie session) and refused again, but the
    // session already ended: no second event.
    expectAuthError(await rejectionOf(auth.refresh()), 'SESSION_EXPIRED', issued)
    await turn()
    expect(events.sessionExpired).toHaveLength(1)

    await auth.login(DEMO)
    expect((await user(auth)).user.name).toBe('user1')
    // The revived session refreshes again, and expires again, with one more event.
    await mock.revokeAllSessions()
    expectAuthError(await withoutWaiting(rejectionOf(user(auth))), 'SESSION_EXPIRED', issued)
    expect(mock.count('/refresh')).toBe(3)
    await turn()
    expect(events.sessionExpired).toHaveLength(2)
  })

  it('the body transport without any refresh token sends no refresh at all, and the session expires at once', async () => {
    installFakeClock()
    const auth = createAuthClient({ baseUrl: BODY_API, transport: 'body', storage: recordingStorage() })
    const events = watchEvents(auth)
    const sent: string[] = []
    server.use(
      http.post(`${BODY_API}/refresh`, async ({ request }) => {
        sent.push(await request.clone().text())
      }),
    )

    const error = expectAuthError(await rejectionOf(auth.refresh()), 'SESSION_EXPIRED', issued)
    // No answer stands behind it: nothing was sent.
    expect(error.status).toBeUndefined()
    expect(sent).toEqual([])
    expect(body.requests).toEqual([])
    await turn()
    expect(events.sessionExpired).toHaveLength(1)
    expect(events.sessionExpired[0] === error).toBe(true)
    expect(events.refreshFailed).toHaveLength(0)
  })
})

describe('a transient refresh failure keeps the session', () => {
  // Fake time moves only while nothing but the backoff is pending: moved on while the mock signs
  // tokens (real crypto), it could fire an unrelated 10 s timeout. Hence `driveUntil` an arrival,
  // then `withoutWaiting` for the rest.
  it('a refresh answered 503 once is retried and the request succeeds with one replay', async () => {
    const { auth, events } = await loggedIn()
    expireAccessTokenOnServer()
    mock.failNextRefreshes(1, { status: 503 })
    const arrivals = refreshArrivals()

    const request = user(auth)
    await driveUntil(() => arrivals.length === 2, 'the second refresh attempt')
    expect((await withoutWaiting(request)).user.name).toBe('user1')
    expect(mock.requests.filter((answer) => answer.route === '/refresh').map((answer) => answer.status)).toEqual([
      503, 200,
    ])
    expect([answered(mock, 401), answered(mock, 200)]).toEqual([1, 1])
    await turn()
    expect([events.refreshed, events.refreshFailed.length, events.sessionExpired.length]).toEqual([1, 0, 0])
  })

  it('a retry sent after the device slept through its backoff times the new token from the retry: no second refresh', async () => {
    const { auth } = await loggedIn()
    expireAccessTokenOnServer()
    mock.failNextRefreshes(1, { status: 503 })
    const arrivals = refreshArrivals()

    const request = user(auth)
    await driveUntil(() => arrivals.length === 1, 'the first refresh attempt')
    vi.setSystemTime(Date.now() + 70_000) // the laptop sleeps longer than a token lives, while the retry waits
    await driveUntil(() => arrivals.length >= 2, 'the retry')
    expect((await withoutWaiting(request)).user.name).toBe('user1')
    await idle()
    expect(mock.requests.filter((answer) => answer.route === '/refresh').map((answer) => answer.status)).toEqual([
      503, 200,
    ])
  })

  it.each<[string, RefreshFailure, number | undefined, unknown]>([
    ['503 answers', { status: 503 }, 503, Response],
    ['network errors', { networkError: true }, undefined, NetworkError],
  ])(
    '%s beyond the retries reject with REFRESH_FAILED, the session survives, and refreshes resume after the cool-down',
    async (_, failure, status, cause) => {
      const { auth, events, token } = await loggedIn()
      expireAccessTokenOnServer()
      mock.failNextRefreshes(3, failure)

      const request = rejectionOf(user(auth))
      await settle(() => answered(mock, 401) === 1, 'the 401')
      const error = expectAuthError(await drive(request), 'REFRESH_FAILED', issued)
      expect(error.status).toBe(status)
      expect(error.cause instanceof (cause as typeof Error)).toBe(true)
      expect(mock.count('/refresh')).toBe(3)
      await turn()
      expect(events.refreshFailed).toHaveLength(1)
      expect(events.sessionExpired).toHaveLength(0)
      expect((await auth.getAccessToken()) === token).toBe(true)

      // Within the cool-down (at least half of 1 s), a request that needs a new token fails fast, caused by
      // the last failure, and sends no refresh.
      const cooling = expectAuthError(await withoutWaiting(rejectionOf(user(auth))), 'REFRESH_FAILED', issued)
      expect(cooling.message).toBe('REFRESH_FAILED: cooling down after a failed refresh')
      expect(cooling.cause === error).toBe(true)
      expect(mock.count('/refresh')).toBe(3)

      // The server is back and the cool-down over: the same session refreshes and the request succeeds.
      await vi.advanceTimersByTimeAsync(1000)
      expect((await withoutWaiting(user(auth))).user.name).toBe('user1')
      expect(mock.count('/refresh')).toBe(4)
    },
  )

  it("the cool-down doubles with each failure in a row, and the app's own refresh() ignores it", async () => {
    // The largest draw, before the client reads it: each pause is (all but) its nominal length, 1 s then 2 s.
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999)
    onTestFinished(() => {
      vi.restoreAllMocks()
    })
    const { auth } = await loggedIn({ refreshRetries: 0 })
    expireAccessTokenOnServer()
    mock.failNextRefreshes(2, { status: 503 })
    /** The REFRESH_FAILED of a request that needed a refresh (the server refuses its token). */
    const failure = async () => expectAuthError(await withoutWaiting(rejectionOf(user(auth))), 'REFRESH_FAILED', issued)
    const COOLING = 'REFRESH_FAILED: cooling down after a failed refresh'

    const first = await failure()
    expect(first.status).toBe(503)
    expect(mock.count('/refresh')).toBe(1)
    await vi.advanceTimersByTimeAsync(999)
    const cooling = await failure()
    expect([cooling.message, cooling.cause === first]).toEqual([COOLING, true])
    expect(mock.count('/refresh')).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    // Sent again, and failing again (the second in a row): the pause is now 2 s.
    const second = await failure()
    expect(second.status).toBe(503)
    expect(mock.count('/refresh')).toBe(2)
    await vi.advanceTimersByTimeAsync(1_999)
    const stillCooling = await failure()
    expect([stillCooling.message, stillCooling.cause === second]).toEqual([COOLING, true])
    expect(mock.count('/refresh')).toBe(2)

    // The app's explicit refresh goes out all the same, and its success ends the cool-down.
    await withoutWaiting(auth.refresh())
    expect(mock.count('/refresh')).toBe(3)
    expect((await withoutWaiting(user(auth))).user.name).toBe('user1')
    expect(mock.count('/refresh')).toBe(3)
  })

  it('the cool-down is jittered down to half its length', async () => {
    // The smallest draw, before the client reads it: the first pause is 0.5 s.
    vi.spyOn(Math, 'random').mockReturnValue(0)
    onTestFinished(() => {
      vi.restoreAllMocks()
    })
    const { auth } = await loggedIn({ refreshRetries: 0 })
    expireAccessTokenOnServer()
    mock.failNextRefreshes(1, { status: 503 })
    expectAuthError(await withoutWaiting(rejectionOf(user(auth))), 'REFRESH_FAILED', issued)
    await vi.advanceTimersByTimeAsync(499)
    const cooling = expectAuthError(await withoutWaiting(rejectionOf(user(auth))), 'REFRESH_FAILED', issued)
    expect(cooling.message).toBe('REFRESH_FAILED: cooling down after a failed refresh')
    expect(mock.count('/refresh')).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect((await withoutWaiting(user(auth))).user.name).toBe('user1')
    expect(mock.count('/refresh')).toBe(2)
  })

  it('refreshRetries sets how many times a transient failure is retried', async () => {
    const { auth } = await loggedIn({ refreshRetries: 1 })
    mock.failNextRefreshes(5, { status: 500 })
    expectAuthError(await drive(rejectionOf(auth.refresh())), 'REFRESH_FAILED', issued)
    expect(mock.count('/refresh')).toBe(2)
  })

  it('retries back off exponentially from 0.3 s with full jitter', async () => {
    const { auth } = await loggedIn()
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    onTestFinished(() => {
      vi.restoreAllMocks()
    })
    const arrivals = refreshArrivals()
    mock.failNextRefreshes(3, { status: 502 })
    expectAuthError(await drive(rejectionOf(auth.refresh()), 5), 'REFRESH_FAILED', issued)

    // Half of 300 ms, then half of 600 ms; without jitter they would be 300 and 600.
    const waits = arrivals.slice(1).map((time, index) => time - (arrivals[index] as number))
    expect(waits).toHaveLength(2)
    expect(waits[0]).toBeGreaterThanOrEqual(150)
    expect(waits[0]).toBeLessThan(250)
    expect(waits[1]).toBeGreaterThanOrEqual(300)
    expect(waits[1]).toBeLessThan(400)
  })

  it.each([
    ['3', 3000],
    ['60', 10_000],
  ])('a 429 with Retry-After: %s is retried after %i ms', async (retryAfter, wait) => {
    const { auth } = await loggedIn()
    server.use(
      http.post(
        `${API}/refresh`,
        () => HttpResponse.json({ error: 'slow_down' }, { status: 429, headers: { 'retry-after': retryAfter } }),
        { once: true },
      ),
    )
    // The recorder, registered last, sees each arrival first, then the 429 answers once, then the mock.
    const arrivals = refreshArrivals()
    const refresh = auth.refresh()
    await driveUntil(() => arrivals.length >= 2, 'the retry')
    await withoutWaiting(refresh)

    const waited = (arrivals[1] as number) - (arrivals[0] as number)
    expect(waited).toBeGreaterThanOrEqual(wait)
    expect(waited).toBeLessThan(wait + 1000)
    expect(mock.count('/refresh')).toBe(1)
  })

  it('a refresh slower than the 10 s `timeout` is retried, then rejected with REFRESH_FAILED', async () => {
    const { auth, events, token } = await loggedIn()
    const arrivals = refreshArrivals()
    mock.failNextRefreshes(3, { delay: 60_000 })

    const error = expectAuthError(await drive(rejectionOf(auth.refresh()), 250), 'REFRESH_FAILED', issued)
    expect(error.cause instanceof TimeoutError).toBe(true)
    expect(arrivals).toHaveLength(3)
    await turn()
    expect([events.refreshFailed.length, events.sessionExpired.length]).toEqual([1, 0])
    expect((await auth.getAccessToken()) === token).toBe(true)
  })

  it('a failed proactive refresh lets requests go on with the unexpired token, and fails them once it expired', async () => {
    const { auth, events } = await loggedIn()
    mock.failNextRefreshes(6, { status: 503 })
    // Past the refresh time (45 s), before expiry (60 s).
    vi.setSystemTime(Date.now() + 50_000)
    const request = user(auth)
    await driveUntil(() => mock.count('/refresh') === 3, 'three refresh attempts')
    expect((await withoutWaiting(request)).user.name).toBe('user1')
    expect(mock.count('/refresh')).toBe(3)

    vi.setSystemTime(Date.now() + 11_000)
    expectAuthError(await drive(rejectionOf(user(auth))), 'REFRESH_FAILED', issued)
    expect(mock.count('/refresh')).toBe(6)
    await turn()
    expect([events.refreshFailed.length, events.sessionExpired.length]).toEqual([2, 0])
  })
})

describe('a malformed refresh answer is rejected', () => {
  /** [what, the answer's body, the detail the message gives] */
  const cases: Array<[string, () => Promise<string>, string]> = [
    ['a body that is not JSON', async () => 'not json', 'the answer must be JSON'],
    ['a JSON array', async () => '[]', 'the answer must be a JSON object'],
    ['an empty object', async () => '{}', '`accessToken` must be a non-empty string'],
    [
      'a non-string accessToken',
      async () => JSON.stringify({ accessToken: 42 }),
      '`accessToken` must be a non-empty string',
    ],
    [
      'an empty accessToken',
      async () => JSON.stringify({ accessToken: '' }),
      '`accessToken` must be a non-empty string',
    ],
    [
      'a non-string refreshToken',
      async () => JSON.stringify({ accessToken: 'a.b.c', refreshToken: 7 }),
      '`refreshToken` must be a non-empty string when present',
    ],
    [
      "another user's token",
      async () => {
        const iat = Math.floor(mock.now() / 1000)
        return JSON.stringify({ accessToken: await mock.signAccessToken({ sub: 'someone-else', iat, exp: iat + 60 }) })
      },
      'the new access token is for another user (`sub` changed)',
    ],
  ]

  it.each(cases)(
    '%s rejects with INVALID_RESPONSE naming what is wrong, with the status, keeps the old token and emits refreshFailed',
    async (_, answer, detail) => {
      const { auth, events, token } = await loggedIn()
      expireAccessTokenOnServer()
      mock.failNextRefreshes(1, { status: 200, body: await answer() })

      const error = expectAuthError(await withoutWaiting(rejectionOf(user(auth))), 'INVALID_RESPONSE', issued)
      expect(error.message).toBe(`INVALID_RESPONSE: ${detail} (status 200)`)
      expect(error.status).toBe(200)
      expect(mock.count('/refresh')).toBe(1)
      await turn()
      expect(events.refreshFailed).toHaveLength(1)
      expect(events.refreshFailed[0] === error).toBe(true)
      expect([events.refreshed, events.sessionExpired.length]).toEqual([0, 0])
      expect((await auth.getAccessToken()) === token).toBe(true)

      // The session is intact: after the cool-down, a good answer is adopted (and the request replayed at once).
      await vi.advanceTimersByTimeAsync(1000)
      expect((await withoutWaiting(user(auth))).user.name).toBe('user1')
      expect(mock.count('/refresh')).toBe(2)
    },
  )
})

describe('login errors', () => {
  it('a wrong password rejects with LOGIN_FAILED, status 400 and the answer as cause', async () => {
    installFakeClock()
    const auth = createAuthClient({ baseUrl: API })
    const error = expectAuthError(
      await rejectionOf(auth.login({ username: 'user1', password: 'wrong-password' })),
      'LOGIN_FAILED',
      issued,
    )
    expect(error.status).toBe(400)
    expect(error.cause instanceof Response && error.cause.status).toBe(400)
    expect(await auth.getAccessToken()).toBeUndefined()
  })

  it.each([
    ['not JSON', () => HttpResponse.text('welcome')],
    ['without accessToken', () => HttpResponse.json({ token: 'x' })],
    ['with a non-string refreshToken', () => HttpResponse.json({ accessToken: 'a.b.c', refreshToken: 7 })],
  ])('a login answer %s rejects with INVALID_RESPONSE', async (_, answer) => {
    installFakeClock()
    server.use(http.post(`${API}/login`, answer))
    const auth = createAuthClient({ baseUrl: API })
    expectAuthError(await rejectionOf(auth.login(DEMO)), 'INVALID_RESPONSE', issued)
    expect(await auth.getAccessToken()).toBeUndefined()
  })

  it.each([['x'], [null], [undefined], [42]])(
    'login(%s) throws a TypeError without calling the server',
    async (credentials) => {
      const auth = createAuthClient({ baseUrl: API })
      const error = await rejectionOf(auth.login(credentials as never))
      expect(summary(error)).toEqual({
        name: 'TypeError',
        message: '`credentials` must be an object, such as { username, password }',
      })
      expect(mock.count()).toBe(0)
    },
  )

  it('a network error rejects with LOGIN_FAILED without status, and is not retried', async () => {
    installFakeClock()
    let calls = 0
    server.use(
      http.post(`${API}/login`, () => {
        calls++
        return HttpResponse.error()
      }),
    )
    const auth = createAuthClient({ baseUrl: API })
    const error = expectAuthError(await rejectionOf(auth.login(DEMO)), 'LOGIN_FAILED', issued)
    expect(error.status).toBeUndefined()
    expect(error.cause instanceof NetworkError).toBe(true)
    expect(calls).toBe(1)
  })
})

describe('AuthError', () => {
  it('every code is an AuthError by name and guard, and no message names a token issued during the test', async () => {
    const errors: AuthError[] = []
    const collect = async (promise: Promise<unknown>) => {
      errors.push((await promise) as AuthError)
    }
    const storage = recordingStorage()
    // An adapter that records each write, then fails it when asked to (a full quota).
    let failWrites = false
    const record = storage.set.bind(storage)
    storage.set = (token) => {
      record(token)
      if (failWrites) throw new Error('QuotaExceededError')
    }
    installFakeClock()
    const auth = createAuthClient({ baseUrl: BODY_API, transport: 'body', storage })
    const storageFailures: AuthError[] = []
    auth.on('storageFailed', (error) => storageFailures.push(error))

    await collect(rejectionOf(auth.login({ username: 'user1', password: 'wrong-password' })))
    await auth.login(DEMO)
    body.failNextRefreshes(1, { status: 200, body: JSON.stringify({ accessToken: 'not-a-jwt' }) })
    await collect(rejectionOf(auth.refresh()))
    body.failNextRefreshes(3, { status: 503 })
    await collect(drive(rejectionOf(auth.refresh())))
    // A refresh whose new refresh token the adapter fails to keep: it resolves, the failure is an event.
    failWrites = true
    await auth.refresh()
    failWrites = false
    await settle(() => storageFailures.length === 1, 'the storageFailed event')
    errors.push(storageFailures[0] as AuthError)
    expect((storageFailures[0]?.cause as Error | undefined)?.message).toBe('QuotaExceededError')
    body.failNextRefreshes(1, { delay: 1000 })
    const arrivals = refreshArrivals(BODY_API)
    const waiting = rejectionOf(auth.refresh())
    await settle(() => arrivals.length === 1, 'the held refresh')
    server.use(http.post(`${BODY_API}/logout`, () => new HttpResponse(null, { status: 500 }), { once: true }))
    // The revocation waits for the held refresh, which ends in the logged-out session.
    const loggingOut = rejectionOf(auth.logout())
    await vi.advanceTimersByTimeAsync(1000)
    await collect(loggingOut)
    await collect(waiting)
    await auth.login(DEMO)
    await body.revokeAllSessions()
    await collect(rejectionOf(auth.refresh()))

    expect(errors.map((error) => summary(error).code)).toEqual([
      'LOGIN_FAILED',
      'INVALID_RESPONSE',
      'REFRESH_FAILED',
      'STORAGE_FAILED',
      'LOGOUT_FAILED',
      'LOGGED_OUT',
      'SESSION_EXPIRED',
    ])
    // The leak check covers this test's tokens: the refresh tokens it stored (or tried to) were recorded as issued.
    expect(storage.writes.length).toBe(3)
    await settle(() => storage.writes.every((token) => issued.has(token)), 'the issued tokens to be recorded')
    for (const error of errors) expectAuthError(error, error.code, issued)
  })
})

describe("ky's errors from auth.api, and fetch's from auth.fetch", () => {
  it.each<[string, () => void, (auth: AuthClient) => Promise<unknown>, string, number]>([
    [
      'an HTTPError (a 404)',
      () => server.use(http.get(`${API}/missing`, () => new HttpResponse(null, { status: 404 }))),
      (auth) => auth.api.get('missing'),
      'HTTPError',
      1,
    ],
    [
      'an HTTPError after the replay (401 twice)',
      () => server.use(http.get(`${API}/missing`, () => new HttpResponse(null, { status: 401 }))),
      (auth) => auth.api.get('missing'),
      'HTTPError',
      2,
    ],
    [
      'a NetworkError',
      () => server.use(http.get(`${API}/missing`, () => HttpResponse.error())),
      (auth) => auth.api.get('missing', { retry: 0 }),
      'NetworkError',
      1,
    ],
  ])('%s, printed as console.error prints it, shows no access token', async (_, answer, send, name, sends) => {
    installFakeClock()
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    const token = (await auth.getAccessToken()) as string
    answer()
    // Registered last, so it sees each request first.
    const sent = recordAuthorizations(server, `${API}/missing`)
    const error = await flushDue(rejectionOf(send(auth)))
    expect(summary(error).name).toBe(name)
    // The requests did carry a token (the replay a newer one): ky's request, in the error, never does.
    expect(sent).toHaveLength(sends)
    expect(sent.every((header) => header?.startsWith('Bearer '))).toBe(true)
    const printed = inspect(error, { depth: 10, showHidden: true })
    expect(printed.includes(token), 'the printed error contains the access token').toBe(false)
    expect((error as { request?: Request }).request?.headers.has('authorization')).toBe(false)
  })

  it("a network failure through auth.fetch rejects with fetch's own TypeError, which shows no access token", async () => {
    installFakeClock()
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    const token = (await auth.getAccessToken()) as string
    server.use(http.get(`${API}/missing`, () => HttpResponse.error()))
    const sent = recordAuthorizations(server, `${API}/missing`)
    const error = await flushDue(rejectionOf(auth.fetch(`${API}/missing`)))
    expect(error).toBeInstanceOf(TypeError)
    expect(error instanceof NetworkError).toBe(false)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.startsWith('Bearer ')).toBe(true)
    const printed = inspect(error, { depth: 10, showHidden: true })
    expect(printed.includes(token), 'the printed error contains the access token').toBe(false)
  })
})
