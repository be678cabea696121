/**
 * When the SDK refreshes: at `refreshAt` (expiry minus min(margin, lifetime / 4)), counted from the moment the
 * request that obtained the token was sent, and the token's own lifetime less a second (JWT times are whole
 * seconds, so a token may have been issued up to a second after its `iat`); before any request that would go out too late; never twice
 * for one expiry; never on a timer for tokens without a usable lifetime; and never after the session
 * ended. Time is the fake clock; the client's clock is the fake `Date`, the server's is the mock's.
 */
import { describe, expect, it, vi } from 'vitest'
import type { AuthHandlers } from '../mock-server/index.ts'
import { type AuthClient, type AuthClientOptions, createAuthClient, type JwtPayload } from '../src/index.ts'
import { API, answered, DEMO, installFakeClock, mockServers } from './support/sdk.ts'
import { flushDue, idle, settle, withoutWaiting } from './support/time.ts'
import { claimsOf } from './support/tokens.ts'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
/** The longest delay `setTimeout` honours; longer ones fire after 1 ms. */
const MAX_TIMEOUT = 2 ** 31 - 1
const SKEW = 10 * MINUTE
/** A 60 s token counts as living 59 s (its `iat` is rounded down): refreshed a quarter of that before expiry. */
const LIFE_60S = 59 * SECOND
const REFRESH_60S = LIFE_60S - LIFE_60S / 4

const BODY = 'https://body.example.test'
const LONG = 'https://long.example.test'
const AHEAD = 'https://ahead.example.test'
const BEHIND = 'https://behind.example.test'

const [mock, bodyMock, longMock, aheadMock, behindMock] = mockServers(
  { accessTokenTtl: 60 },
  { accessTokenTtl: 60, transport: 'body', baseUrl: BODY },
  // Default 15-minute access tokens; refresh tokens that outlive the 60-day access token crafted below
  // (a year: the cookie's Max-Age may not exceed 400 days).
  { baseUrl: LONG, refreshTokenTtl: 365 * 24 * 60 * 60 },
  // The client's clock is 10 minutes ahead of this server's...
  { accessTokenTtl: 60, baseUrl: AHEAD, clock: () => Date.now() - SKEW },
  // ...and 10 minutes behind this one's.
  { accessTokenTtl: 60, baseUrl: BEHIND, clock: () => Date.now() + SKEW },
) as [AuthHandlers, AuthHandlers, AuthHandlers, AuthHandlers, AuthHandlers]

/** A whole second, so that a token's `iat` (whole seconds) maps exactly onto local milliseconds. */
const T0 = Date.UTC(2030, 0, 1)

function startClock(): void {
  installFakeClock()
  vi.setSystemTime(T0)
}

/**
 * The fake timers still pending once those of the I/O itself (undici's keep-alive and clock
 * timers, all under 10 s) have run out: the SDK's refresh timer, if any. Moves the clock 10 s.
 */
async function pendingTimers(): Promise<number> {
  await idle()
  await vi.advanceTimersByTimeAsync(10 * SECOND)
  await idle()
  return vi.getTimerCount()
}

/** Whether `getAccessToken()` gives a token: asserted as a boolean, so that a failure never prints one. */
const hasToken = async (auth: AuthClient) => (await auth.getAccessToken()) !== undefined

/** The `iat` of a (Bearer) token in local milliseconds, `undefined` when it is not a JWT. Reads, never prints. */
function issuedAt(token: string | null | undefined): number | undefined {
  try {
    const { iat } = claimsOf((token ?? '').replace(/^Bearer /, ''))
    return typeof iat === 'number' ? iat * SECOND : undefined
  } catch {
    return undefined
  }
}

type Craft = () => Promise<string>

/**
 * A `fetch` for the client that records each request when it is made (path, and the `iat` of its
 * Bearer token: never the token), and can swap the access token of successful answers on the given
 * paths for a crafted one; the rest of the answer, refresh token and cookie included, is the mock's.
 */
function tapFetch(crafts: Record<string, Craft> = {}) {
  const sent: Array<{ readonly path: string; readonly issuedAt: number | undefined }> = []
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    const path = new URL(request.url).pathname
    sent.push({ path, issuedAt: issuedAt(request.headers.get('authorization')) })
    const response = await globalThis.fetch(request)
    const craft = crafts[path]
    if (!craft || !response.ok) return response
    const body = (await response.json()) as Record<string, unknown>
    return Response.json({ ...body, accessToken: await craft() })
  }
  return { fetch, sent, calls: (path: string) => sent.filter((request) => request.path === path).length }
}

/**
 * A client whose refreshes can be waited for: requests do not wait for a refresh that starts before
 * their token expires, so a test that moves fake time on must first let such a refresh land, as it
 * would within milliseconds of real time. Counts refresh calls as they go out and as they land.
 */
function trackedClient(options: AuthClientOptions) {
  let sent = 0
  let landed = 0
  const auth = createAuthClient({
    ...options,
    fetch: (input, init) => {
      if ((input instanceof Request ? input.url : String(input)).endsWith('/refresh')) sent++
      return (options.fetch ?? globalThis.fetch)(input, init)
    },
  })
  for (const event of ['refreshed', 'refreshFailed', 'sessionExpired'] as const) auth.on(event, () => landed++)
  return { auth, landed: () => sent === landed }
}

type TrackedClient = ReturnType<typeof trackedClient>

/** Lets every refresh the clients started land. */
const refreshesLanded = (clients: readonly TrackedClient[]) =>
  settle(() => clients.every((client) => client.landed()), 'the refreshes in flight')

/** One `GET protected` through `auth.api` from every client every `every` ms, for `duration` ms. */
async function steadyTraffic(clients: readonly TrackedClient[], duration = 10 * MINUTE, every = 5 * SECOND) {
  for (let elapsed = every; elapsed <= duration; elapsed += every) {
    await vi.advanceTimersByTimeAsync(every)
    await flushDue(Promise.all(clients.map(({ auth }) => auth.api.get('protected'))))
    await refreshesLanded(clients)
  }
}

const thousandRequests = (auth: AuthClient) =>
  Promise.all(Array.from({ length: 1000 }, () => auth.api.get('protected').json<{ user: { name: string } }>()))

describe('proactive refresh', () => {
  it.each([
    {
      label: '60 s tokens: a quarter of the 59 s counted lifetime before expiry',
      server: mock,
      baseUrl: API,
      options: {},
      refreshAt: REFRESH_60S,
    },
    {
      label: '15-minute tokens: the 30 s margin before expiry',
      server: longMock,
      baseUrl: LONG,
      options: {},
      refreshAt: 15 * MINUTE - SECOND - 30 * SECOND,
    },
    {
      label: '60 s tokens with refreshMargin 5000: 5 s before expiry',
      server: mock,
      baseUrl: API,
      options: { refreshMargin: 5000 } satisfies Partial<AuthClientOptions>,
      refreshAt: LIFE_60S - 5 * SECOND,
    },
  ])('refreshes at refreshAt and not 100 ms before ($label)', async ({ server, baseUrl, options, refreshAt }) => {
    startClock()
    const tap = tapFetch()
    const auth = createAuthClient({ baseUrl, fetch: tap.fetch, ...options })
    await auth.login(DEMO)

    await vi.advanceTimersByTimeAsync(refreshAt - 100)
    // A request just before refreshAt goes out with the login token, and no refresh has even started.
    expect((await auth.api.get('protected')).status).toBe(200)
    await idle()
    expect(tap.calls('/refresh')).toBe(0)
    expect(server.count('/refresh')).toBe(0)
    expect(tap.sent.at(-1)?.issuedAt).toBe(T0)

    await vi.advanceTimersByTimeAsync(100)
    await settle(() => server.count('/refresh') === 1, 'the proactive refresh')
    await idle()
    expect(server.count('/refresh')).toBe(1)
  })

  it('re-arms after each refresh: the next one comes a full period later', async () => {
    startClock()
    // A margin that puts refreshes on whole seconds, where `iat` loses nothing to rounding: every 45 s.
    const auth = createAuthClient({ baseUrl: API, refreshMargin: 14 * SECOND })
    await auth.login(DEMO)
    await vi.advanceTimersByTimeAsync(45 * SECOND)
    await settle(() => mock.count('/refresh') === 1, 'the first refresh')
    await vi.advanceTimersByTimeAsync(45 * SECOND - 100)
    await idle()
    expect(mock.count('/refresh')).toBe(1)
    await vi.advanceTimersByTimeAsync(100)
    await settle(() => mock.count('/refresh') === 2, 'the second refresh')
  })

  it('the refresh timer is unref’d, so it never keeps a Node process alive', async () => {
    startClock()
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    const index = setTimeoutSpy.mock.calls.findIndex(([, delay]) => delay === REFRESH_60S)
    const timer = setTimeoutSpy.mock.results[index]?.value as NodeJS.Timeout | undefined
    setTimeoutSpy.mockRestore()
    expect(index).toBeGreaterThanOrEqual(0)
    expect(timer?.hasRef()).toBe(false)
  })
})

describe('a 10-minute session with 1-minute access tokens and a request every 5 s', () => {
  it.each([
    { transport: 'cookie' as const, server: mock, baseUrl: API },
    { transport: 'body' as const, server: bodyMock, baseUrl: BODY },
  ])('gets no 401 and refreshes every 44.25 s ($transport transport)', async ({ transport, server, baseUrl }) => {
    startClock()
    const client = trackedClient({ baseUrl, transport })
    await client.auth.login(DEMO)
    await steadyTraffic([client])
    expect(answered(server, 401)).toBe(0)
    expect(answered(server, 200)).toBe(120)
    // About every 44.25 s (a little less when `iat` rounding shortens a token): 13 or 14, and no more, so no
    // refresh per request (at least 9 were asked for).
    expect(server.count('/refresh')).toBeGreaterThanOrEqual(13)
    expect(server.count('/refresh')).toBeLessThanOrEqual(14)
  })
})

describe('clock skew between client and server', () => {
  it.each([
    { label: '+10 min', server: aheadMock, baseUrl: AHEAD, serverMinusClient: -SKEW },
    { label: '-10 min', server: behindMock, baseUrl: BEHIND, serverMinusClient: SKEW },
  ])(
    'a client clock skewed by $label refreshes exactly as often as one without skew',
    async ({ server, baseUrl, serverMinusClient }) => {
      startClock()
      // Refreshes on whole seconds (see above), so that `iat` rounding is the same for both.
      const skewed = trackedClient({ baseUrl, refreshMargin: 14 * SECOND })
      const inSync = trackedClient({ baseUrl: API, refreshMargin: 14 * SECOND })
      await Promise.all([skewed.auth.login(DEMO), inSync.auth.login(DEMO)])
      // The skew is real: the skewed server's tokens are issued at its own time.
      expect(issuedAt(await skewed.auth.getAccessToken())).toBe(T0 + serverMinusClient)
      expect(issuedAt(await inSync.auth.getAccessToken())).toBe(T0)

      await steadyTraffic([skewed, inSync])
      // At 45, 90, ..., 585 s.
      expect(mock.count('/refresh')).toBe(13)
      expect(server.count('/refresh')).toBe(mock.count('/refresh'))
      expect(answered(server, 401)).toBe(0)
      expect(answered(mock, 401)).toBe(0)
    },
  )
})

describe('every request checks expiry just before it goes out', () => {
  /** A logged-in client whose clock then jumped `asleep` ms on, as in a background tab or under a laptop lid: its timer (due at 45 s) did not run. */
  async function afterSleep(asleep: number) {
    startClock()
    const tap = tapFetch()
    const client = trackedClient({ baseUrl: API, fetch: tap.fetch })
    await client.auth.login(DEMO)
    vi.setSystemTime(T0 + asleep)
    await idle()
    expect(mock.count('/refresh')).toBe(0)
    return { ...client, tap }
  }

  it.each(['api', 'fetch'] as const)(
    'after a sleep that skipped the timer, auth.%s refreshes an expired token first and sends the fresh token',
    async (face) => {
      const asleep = 61 * SECOND
      const { auth, tap } = await afterSleep(asleep)
      const response = await flushDue(face === 'api' ? auth.api.get('protected') : auth.fetch(`${API}/protected`))
      expect(response.status).toBe(200)
      expect(mock.count('/refresh')).toBe(1)
      expect(answered(mock, 401)).toBe(0)
      const protectedRequests = tap.sent.filter((request) => request.path === '/protected')
      expect(protectedRequests.map((request) => request.issuedAt)).toEqual([T0 + asleep])
    },
  )

  it.each(['api', 'fetch'] as const)(
    'after a sleep that skipped the timer, auth.%s sends a token inside the margin at once and refreshes it meanwhile',
    async (face) => {
      const client = await afterSleep(50 * SECOND)
      const { auth, tap } = client
      const response = await flushDue(face === 'api' ? auth.api.get('protected') : auth.fetch(`${API}/protected`))
      expect(response.status).toBe(200)
      await refreshesLanded([client])
      expect(mock.count('/refresh')).toBe(1)
      expect(answered(mock, 401)).toBe(0)
      // Sent with the login token, still valid for 10 s; the refreshed one is there for the next request.
      expect(tap.sent.filter((request) => request.path === '/protected').map((request) => request.issuedAt)).toEqual([
        T0,
      ])
      expect(issuedAt(await auth.getAccessToken())).toBe(T0 + 50 * SECOND)
    },
  )

  it('a refresh that hangs delays no request while the token is valid, and the expired token is never sent', async () => {
    startClock()
    const tap = tapFetch()
    const auth = createAuthClient({ baseUrl: API, fetch: tap.fetch, refreshRetries: 0 })
    const failures = vi.fn()
    auth.on('refreshFailed', failures)
    await auth.login(DEMO)
    // The refresh due at 45 s hangs until its 10 s timeout, at 55 s.
    mock.failNextRefreshes(1, { delay: 60 * SECOND })
    await vi.advanceTimersByTimeAsync(46 * SECOND)
    for (const at of [46, 50, 54]) {
      vi.setSystemTime(T0 + at * SECOND)
      expect((await withoutWaiting(auth.api.get('protected'))).status).toBe(200)
    }
    expect(tap.sent.filter((request) => request.path === '/protected').map((request) => request.issuedAt)).toEqual([
      T0,
      T0,
      T0,
    ])
    // Timed out at 55 s: reported, and the session is kept.
    await vi.advanceTimersByTimeAsync(10 * SECOND)
    await settle(() => failures.mock.calls.length === 1, 'the refresh timeout')
    expect(failures.mock.calls[0]?.[0]).toMatchObject({ code: 'REFRESH_FAILED' })
    // At 65 s the token has expired: the next request waits for a new refresh, which succeeds.
    const response = await flushDue(auth.api.get('protected'))
    expect(response.status).toBe(200)
    expect(tap.sent.filter((request) => request.path === '/protected').map((request) => request.issuedAt)).toEqual([
      T0,
      T0,
      T0,
      Date.now(),
    ])
    expect(answered(mock, 401)).toBe(0)
  })
})

describe('tokens that outlive the longest timer', () => {
  it('clamps the timer to 2^31-1 ms and re-arms it, refreshing at refreshAt and not before', async () => {
    startClock()
    const lifetime = 60 * DAY
    const refreshAt = T0 + lifetime - SECOND - 30 * SECOND
    const tap = tapFetch({
      '/login': () =>
        longMock.signAccessToken({ sub: '1', name: 'user1', iat: T0 / SECOND, exp: (T0 + lifetime) / SECOND }),
    })
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    // ky's own timers are 10 s request timeouts (or less); the refresh timer is the only longer one.
    const delays = () => setTimeoutSpy.mock.calls.map(([, delay]) => delay ?? 0)
    const refreshTimerDelays = () => delays().filter((delay) => delay > 10 * SECOND)
    try {
      const auth = createAuthClient({ baseUrl: LONG, fetch: tap.fetch })
      await auth.login(DEMO)
      expect(refreshTimerDelays()).toEqual([MAX_TIMEOUT])

      await vi.advanceTimersByTimeAsync(MAX_TIMEOUT)
      await idle()
      expect(longMock.count('/refresh')).toBe(0)
      expect(refreshTimerDelays()).toEqual([MAX_TIMEOUT, MAX_TIMEOUT])

      await vi.advanceTimersByTimeAsync(refreshAt - 1 - Date.now())
      await idle()
      expect(tap.calls('/refresh')).toBe(0)
      expect(refreshTimerDelays()).toEqual([MAX_TIMEOUT, MAX_TIMEOUT, refreshAt - T0 - 2 * MAX_TIMEOUT])

      await vi.advanceTimersByTimeAsync(1)
      await settle(() => longMock.count('/refresh') === 1, 'the refresh at refreshAt')
      // The refreshed 15-minute token is scheduled as usual.
      await idle()
      expect(refreshTimerDelays().at(-1)).toBe(15 * MINUTE - SECOND - 30 * SECOND)
      expect(Math.max(...delays())).toBeLessThanOrEqual(MAX_TIMEOUT)
    } finally {
      setTimeoutSpy.mockRestore()
    }
  })
})

describe('timers end with the session', () => {
  it('logout clears the refresh timer: no refresh happens afterwards, even hours later', async () => {
    startClock()
    const tap = tapFetch()
    const auth = createAuthClient({ baseUrl: API, fetch: tap.fetch })
    await auth.login(DEMO)
    expect(await pendingTimers()).toBe(1)
    await auth.logout()
    expect(await pendingTimers()).toBe(0)
    await vi.advanceTimersByTimeAsync(5 * HOUR)
    await idle()
    expect(tap.calls('/refresh')).toBe(0)
    expect(mock.count('/refresh')).toBe(0)
    expect(await hasToken(auth)).toBe(false)
  })

  it('logout during a timer-driven refresh: its late answer arms no timer and nothing refreshes afterwards', async () => {
    startClock()
    // No logout route: the server session survives, so the late refresh answer is a valid one.
    const auth = createAuthClient({ baseUrl: API, endpoints: { logout: false } })
    await auth.login(DEMO)
    mock.failNextRefreshes(1, { delay: 5 * SECOND })
    await vi.advanceTimersByTimeAsync(45 * SECOND)
    await auth.logout()
    await vi.advanceTimersByTimeAsync(5 * SECOND)
    await settle(() => mock.count('/refresh') === 1, 'the late refresh answer')
    expect(mock.requests.filter((request) => request.route === '/refresh').map((request) => request.status)).toEqual([
      200,
    ])
    expect(await pendingTimers()).toBe(0)
    await vi.advanceTimersByTimeAsync(5 * HOUR)
    await idle()
    expect(mock.count('/refresh')).toBe(1)
    expect(await hasToken(auth)).toBe(false)
  })

  it.each([
    {
      trigger: 'the timer',
      refuse: async (_auth: AuthClient) => {
        await vi.advanceTimersByTimeAsync(45 * SECOND)
      },
    },
    {
      trigger: 'a request answered 401',
      refuse: async (auth: AuthClient) => {
        await vi.advanceTimersByTimeAsync(10 * SECOND)
        await expect(flushDue(auth.api.get('protected'))).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
      },
    },
    {
      trigger: 'refresh()',
      refuse: async (auth: AuthClient) => {
        await vi.advanceTimersByTimeAsync(10 * SECOND)
        await expect(auth.refresh()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
      },
    },
  ])(
    'a refresh refused via $trigger clears the timer: no refresh is tried again, even hours later',
    async ({ refuse }) => {
      startClock()
      const auth = createAuthClient({ baseUrl: API })
      const sessionExpired = vi.fn()
      auth.on('sessionExpired', sessionExpired)
      await auth.login(DEMO)
      await mock.revokeAllSessions()
      await refuse(auth)
      await settle(() => sessionExpired.mock.calls.length === 1, 'the sessionExpired event')
      expect(mock.requests.filter((request) => request.route === '/refresh').map((request) => request.status)).toEqual([
        400,
      ])
      // Before the 45 s refreshAt for the request and refresh() cases: the timer must be gone, not spent.
      expect(await pendingTimers()).toBe(0)
      await vi.advanceTimersByTimeAsync(5 * HOUR)
      await idle()
      expect(mock.count('/refresh')).toBe(1)
      expect(sessionExpired).toHaveBeenCalledTimes(1)
      expect(await hasToken(auth)).toBe(false)
    },
  )
})

describe('tokens without a usable lifetime', () => {
  it.each([
    { label: 'a JWT without exp', craft: () => mock.signAccessToken({ sub: '1', name: 'user1', iat: T0 / SECOND }) },
    { label: 'an opaque (non-JWT) access token', craft: async () => 'opaque-access-token' },
  ])('$label: no timer-driven refresh, but a 401 refreshes once and the replay succeeds', async ({ craft }) => {
    startClock()
    const tap = tapFetch({ '/login': craft })
    const auth = createAuthClient({ baseUrl: API, fetch: tap.fetch })
    await auth.login(DEMO)
    expect(await pendingTimers()).toBe(0)
    await vi.advanceTimersByTimeAsync(2 * HOUR)
    await idle()
    expect(mock.count('/refresh')).toBe(0)

    // The mock refuses it (no exp, or not a JWT): the one refresh gets a real token for the replay.
    const response = await flushDue(auth.api.get('protected'))
    expect(response.status).toBe(200)
    expect(mock.count('/refresh')).toBe(1)
    expect(answered(mock, 401)).toBe(1)
    expect(answered(mock, 200)).toBe(1)
  })

  it('schedules a token without iat from local receipt time', async () => {
    startClock()
    // Expires 120 s after sending: 119 s counted, refreshed a quarter of that (29.75 s) before, 89.25 s after.
    const tap = tapFetch({ '/login': () => mock.signAccessToken({ sub: '1', name: 'user1', exp: T0 / SECOND + 120 }) })
    const auth = createAuthClient({ baseUrl: API, fetch: tap.fetch })
    await auth.login(DEMO)
    await vi.advanceTimersByTimeAsync(89.25 * SECOND - 100)
    await idle()
    expect(tap.calls('/refresh')).toBe(0)
    await vi.advanceTimersByTimeAsync(100)
    await settle(() => mock.count('/refresh') === 1, 'the refresh 89.25 s after sending')
  })

  it.each([
    { label: 'exp in the past locally, no iat', claims: () => ({ exp: Date.now() / SECOND - 10 }) },
    { label: 'exp now locally, no iat', claims: () => ({ exp: Date.now() / SECOND }) },
    { label: 'exp before iat', claims: () => ({ iat: Date.now() / SECOND, exp: Date.now() / SECOND - 10 }) },
  ])('a lifetime <= 0 ($label) causes no refresh loop', async ({ claims }) => {
    startClock()
    // Every login and refresh answer carries such a token (which the mock then refuses).
    const stale = () => mock.signAccessToken({ sub: '1', name: 'user1', ...claims() })
    const tap = tapFetch({ '/login': stale, '/refresh': stale })
    const auth = createAuthClient({ baseUrl: API, fetch: tap.fetch })
    await auth.login(DEMO)
    expect(await pendingTimers()).toBe(0)
    await vi.advanceTimersByTimeAsync(HOUR)
    await idle()
    expect(mock.count('/refresh')).toBe(0)

    // One request: refused, one refresh, one replay (refused again), and that is all.
    const response = await flushDue(auth.fetch(`${API}/protected`))
    expect(response.status).toBe(401)
    expect(mock.count('/refresh')).toBe(1)
    expect(answered(mock, 401)).toBe(2)
    expect(await pendingTimers()).toBe(0)
    await vi.advanceTimersByTimeAsync(HOUR)
    await idle()
    expect(mock.count('/refresh')).toBe(1)
    expect(tap.calls('/refresh')).toBe(1)
  })
})

// 1000 (or 2000) round trips through MSW take seconds of real time, more on a busy machine.
describe('1000 concurrent requests', { timeout: 60_000 }, () => {
  it.each([
    { label: 'at expiry', asleep: 61 * SECOND },
    { label: 'inside the margin', asleep: 50 * SECOND },
  ])('$label share exactly one refresh and all 1000 succeed without a 401', async ({ asleep }) => {
    startClock()
    const client = trackedClient({ baseUrl: API })
    const { auth } = client
    await auth.login(DEMO)
    vi.setSystemTime(T0 + asleep)
    const results = await flushDue(thousandRequests(auth))
    await refreshesLanded([client])
    expect(results.filter((result) => result.user.name === 'user1')).toHaveLength(1000)
    expect(mock.count('/refresh')).toBe(1)
    expect(answered(mock, 401)).toBe(0)
    expect(answered(mock, 200)).toBe(1000)
  })

  it('answered 401 because the token expired on the server only: the first 401s share one refresh, later ones replay with the new token', async () => {
    startClock()
    // One 401 in a hundred reaches the client only once the refresh is over, as on a network with uneven latency.
    let refreshIsOver = () => {}
    const refreshOver = new Promise<void>((resolve) => {
      refreshIsOver = resolve
    })
    let refusals = 0
    let lateRefusals = 0
    const unevenFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const response = await globalThis.fetch(input, init)
      if (response.status === 401 && refusals++ % 100 === 99) {
        await refreshOver
        lateRefusals++
      }
      return response
    }
    const auth = createAuthClient({ baseUrl: API, fetch: unevenFetch })
    auth.on('refreshed', () => refreshIsOver())
    await auth.login(DEMO)
    // Only the server's clock moves: the client still holds a token it believes fresh.
    mock.advanceClock(61 * SECOND)
    const results = await flushDue(thousandRequests(auth))
    expect(results.filter((result) => result.user.name === 'user1')).toHaveLength(1000)
    expect(mock.count('/refresh')).toBe(1)
    expect(lateRefusals).toBeGreaterThan(0)
    expect(answered(mock, 401)).toBe(refusals)
    expect(answered(mock, 200)).toBe(1000)
  })
})

describe('getAccessToken and the refreshed event', () => {
  it('getAccessToken returns undefined without a session and a fresh token, refreshing first when due', async () => {
    startClock()
    const auth = createAuthClient({ baseUrl: API })
    expect(await hasToken(auth)).toBe(false)
    expect(mock.count()).toBe(0)

    await auth.login(DEMO)
    expect(issuedAt(await auth.getAccessToken())).toBe(T0)
    vi.setSystemTime(T0 + 44 * SECOND)
    expect(issuedAt(await auth.getAccessToken())).toBe(T0)
    expect(mock.count('/refresh')).toBe(0)

    // Inside the margin: the current token at once, and a refresh for the next call.
    vi.setSystemTime(T0 + 50 * SECOND)
    const refreshed = new Promise((resolve) => auth.on('refreshed', resolve))
    expect(issuedAt(await auth.getAccessToken())).toBe(T0)
    await refreshed
    expect(mock.count('/refresh')).toBe(1)
    expect(issuedAt(await auth.getAccessToken())).toBe(T0 + 50 * SECOND)

    // Expired: only after a refresh.
    vi.setSystemTime(T0 + 120 * SECOND)
    expect(issuedAt(await auth.getAccessToken())).toBe(T0 + 120 * SECOND)
    expect(mock.count('/refresh')).toBe(2)

    await auth.logout()
    expect(await hasToken(auth)).toBe(false)
  })

  it('fires refreshed once per refresh with the claims and expiresAt = sending + lifetime - 1 s', async () => {
    startClock()
    // The server runs 10 minutes ahead: expiresAt must come from sending + lifetime, not from exp. Refreshes
    // fall on whole seconds (margin 14 s), so the second taken off for `iat` rounding is the only one.
    const auth = createAuthClient({ baseUrl: BEHIND, refreshMargin: 14 * SECOND })
    const refreshed: Array<{ at: number; claims: JwtPayload | undefined; expiresAt: number | undefined }> = []
    auth.on('refreshed', ({ claims, expiresAt }) => refreshed.push({ at: Date.now(), claims, expiresAt }))
    await auth.login(DEMO)
    await idle()
    expect(refreshed).toHaveLength(0)

    await vi.advanceTimersByTimeAsync(45 * SECOND)
    await settle(() => refreshed.length === 1, 'the proactive refresh event')
    // Three callers, one refresh, one event.
    await Promise.all([auth.refresh(), auth.refresh(), auth.refresh()])
    await vi.advanceTimersByTimeAsync(45 * SECOND)
    await settle(() => refreshed.length === 3, 'the next proactive refresh event')
    await idle()

    expect(behindMock.count('/refresh')).toBe(3)
    expect(refreshed).toHaveLength(3)
    expect(refreshed.map(({ at, expiresAt }) => [at - T0, (expiresAt ?? 0) - T0])).toEqual([
      [45 * SECOND, 104 * SECOND],
      [45 * SECOND, 104 * SECOND],
      [90 * SECOND, 149 * SECOND],
    ])
    for (const { at, claims } of refreshed) {
      expect(claims).toMatchObject({
        sub: '1',
        name: 'user1',
        iat: (at + SKEW) / SECOND,
        exp: (at + SKEW) / SECOND + 60,
      })
    }
  })
})
