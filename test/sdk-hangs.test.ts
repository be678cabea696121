/**
 * Nothing hangs: an auth answer whose headers arrive but whose body then stalls is bounded by `timeout`
 * (default 10 s) like one whose headers never come; every caller waiting on it settles, and the client is
 * not wedged afterwards (login, refresh and logout share one lane: a call stuck on it would block them all).
 *
 * MSW 3 in Node sends a mocked answer's headers together with its first body chunk: a stream that enqueues
 * nothing never delivers the headers at all. So a body that "stalls after the headers" enqueues one byte (a
 * space, which JSON allows before a value) and then nothing, and never closes.
 */
import { http } from 'msw'
import { describe, expect, it, vi } from 'vitest'
import { type AuthClient, type AuthClientOptions, createAuthClient } from '../src/index.ts'
import { API, answered, DEMO, installFakeClock, mockServersWithMsw } from './support/sdk.ts'
import { expectAuthError, recordIssuedTokens } from './support/sdk-checks.ts'
import { idle, settle } from './support/time.ts'

const {
  mocks: [cookieMock],
  server,
} = mockServersWithMsw({ accessTokenTtl: 60 })
const mock = cookieMock as NonNullable<typeof cookieMock>
const issued = recordIssuedTokens(server)

const DEFAULT_TIMEOUT = 10_000

/** What the stalled answers' streams saw: how many started, and how many the client cancelled. */
interface Stalls {
  started: number
  cancelled: number
}

/**
 * Answers the next `method` request to `route` with a 200 whose body never ends: with `headers: true` its
 * headers arrive (one byte of body, then nothing), with `headers: false` not even those.
 */
function stallNext(route: string, stalls: Stalls, { headers }: { headers: boolean }): void {
  server.use(
    http.post(
      `${API}${route}`,
      () => {
        stalls.started++
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            if (headers) controller.enqueue(new TextEncoder().encode(' '))
          },
          cancel() {
            stalls.cancelled++
          },
        })
        return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })
      },
      { once: true },
    ),
  )
}

/** A `fetch` for the client that counts the answers whose headers have arrived (the stalled body is still open). */
function countingFetch() {
  const seen = { headers: 0 }
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init)
    seen.headers++
    return response
  }
  return { fetch, seen }
}

/** Whether `promise` has settled, read synchronously; its rejection is kept for the test to examine. */
function track<T>(promise: Promise<T>) {
  const state = { settled: false, promise }
  promise.then(
    () => {
      state.settled = true
    },
    () => {
      state.settled = true
    },
  )
  return state
}

/** The rejection of a tracked promise (fails the test if it resolved). */
async function rejection(state: { promise: Promise<unknown> }): Promise<unknown> {
  return state.promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  )
}

/** A logged-in cookie client on the fake clock, counting arrived headers. */
async function loggedIn(options: Partial<AuthClientOptions> = {}) {
  installFakeClock()
  const counter = countingFetch()
  const auth = createAuthClient({ baseUrl: API, fetch: counter.fetch, ...options })
  await auth.login(DEMO)
  return { auth, seen: counter.seen }
}

const user = (auth: AuthClient) => auth.api.get('protected').json<{ user: { name: string } }>()

/** Moves fake time to one millisecond before `limit`, checks nothing settled, then to `limit` and waits for all. */
async function expectSettledAt(limit: number, waiters: Array<{ settled: boolean }>): Promise<void> {
  await vi.advanceTimersByTimeAsync(limit - 1)
  await idle()
  expect(
    waiters.map((waiter) => waiter.settled),
    'settled before the timeout',
  ).toEqual(waiters.map(() => false))
  await vi.advanceTimersByTimeAsync(1)
  await settle(() => waiters.every((waiter) => waiter.settled), 'every waiter to settle at the timeout')
}

describe('a refresh whose body stalls after the headers', () => {
  it.each<[string, number | undefined, number]>([
    ['the default timeout of 10 s', undefined, DEFAULT_TIMEOUT],
    ['the `timeout` option', 2500, 2500],
  ])(
    'rejects every waiter with REFRESH_FAILED after %s, and the client then refreshes again',
    async (_, timeout, limit) => {
      const { auth, seen } = await loggedIn(timeout === undefined ? {} : { timeout })
      // The server alone sees the token expire: requests are refused and wait for the refresh to replay.
      mock.advanceClock(61_000)
      const stalls: Stalls = { started: 0, cancelled: 0 }
      stallNext('/refresh', stalls, { headers: true })
      const headersBefore = seen.headers

      const refresh = track(auth.refresh())
      await settle(() => stalls.started === 1 && seen.headers === headersBefore + 1, 'the stalled refresh headers')
      const viaApi = track(user(auth))
      const viaFetch = track(auth.fetch('protected'))
      await settle(() => answered(mock, 401) === 2, 'two refused requests waiting on the refresh')
      await idle()

      await expectSettledAt(limit, [refresh, viaApi, viaFetch])
      const error = expectAuthError(await rejection(refresh), 'REFRESH_FAILED', issued)
      expect((error.cause as Error | undefined)?.name).toBe('TimeoutError')
      expectAuthError(await rejection(viaApi), 'REFRESH_FAILED', issued)
      expectAuthError(await rejection(viaFetch), 'REFRESH_FAILED', issued)
      expect(mock.count('/refresh')).toBe(0)

      // Not wedged: the next refresh goes out and the session goes on.
      await auth.refresh()
      expect(mock.count('/refresh')).toBe(1)
      expect((await user(auth)).user.name).toBe('user1')
    },
  )

  it('a proactive refresh that stalls makes a request whose token expires meanwhile fail with REFRESH_FAILED, not hang', async () => {
    // 60 s tokens live 59 s: refresh due at 44.25 s; a 20 s timeout outlasts the expiry at 59 s.
    const { auth, seen } = await loggedIn({ timeout: 20_000 })
    const stalls: Stalls = { started: 0, cancelled: 0 }
    stallNext('/refresh', stalls, { headers: true })
    const headersBefore = seen.headers

    await vi.advanceTimersByTimeAsync(44_250)
    await settle(() => stalls.started === 1 && seen.headers === headersBefore + 1, 'the stalled proactive refresh')
    await idle()
    await vi.advanceTimersByTimeAsync(59_000 - 44_250)
    const expired = track(auth.api.get('protected'))
    const token = track(auth.getAccessToken())
    await idle()
    expect([expired.settled, token.settled]).toEqual([false, false])

    await expectSettledAt(20_000 - (59_000 - 44_250), [expired, token])
    expectAuthError(await rejection(expired), 'REFRESH_FAILED', issued)
    expectAuthError(await rejection(token), 'REFRESH_FAILED', issued)
    // The expired token was never sent: the request waited for the refresh, which failed.
    expect(mock.count('/protected')).toBe(0)

    await auth.refresh()
    expect((await user(auth)).user.name).toBe('user1')
  })

  it('on timeout the stalled answer is cancelled, which frees its connection', async () => {
    const { auth, seen } = await loggedIn()
    const stalls: Stalls = { started: 0, cancelled: 0 }
    stallNext('/refresh', stalls, { headers: true })
    const headersBefore = seen.headers

    const refresh = track(auth.refresh())
    await settle(() => seen.headers === headersBefore + 1, 'the stalled refresh headers')
    await idle()
    await expectSettledAt(DEFAULT_TIMEOUT, [refresh])
    expectAuthError(await rejection(refresh), 'REFRESH_FAILED', issued)
    await settle(() => stalls.cancelled === 1, 'the stalled body to be cancelled')
  })
})

describe('a login whose body stalls after the headers', () => {
  it('rejects with LOGIN_FAILED after `timeout`, and the login queued behind it then succeeds', async () => {
    installFakeClock()
    const { fetch, seen } = countingFetch()
    const auth = createAuthClient({ baseUrl: API, fetch })
    const stalls: Stalls = { started: 0, cancelled: 0 }
    stallNext('/login', stalls, { headers: true })

    const first = track(auth.login(DEMO))
    await settle(() => seen.headers === 1, 'the stalled login headers')
    const second = track(auth.login(DEMO))
    await idle()

    await expectSettledAt(DEFAULT_TIMEOUT, [first])
    const error = expectAuthError(await rejection(first), 'LOGIN_FAILED', issued)
    expect((error.cause as Error | undefined)?.name).toBe('TimeoutError')
    // The lane is free again: the second login goes out and opens a working session.
    await settle(() => second.settled, 'the second login')
    await second.promise
    expect((await user(auth)).user.name).toBe('user1')
  })

  it('rejects with LOGIN_FAILED after the `timeout` option, then a new login works', async () => {
    installFakeClock()
    const { fetch, seen } = countingFetch()
    const auth = createAuthClient({ baseUrl: API, fetch, timeout: 1234 })
    const stalls: Stalls = { started: 0, cancelled: 0 }
    stallNext('/login', stalls, { headers: true })

    const login = track(auth.login(DEMO))
    await settle(() => seen.headers === 1, 'the stalled login headers')
    await idle()
    await expectSettledAt(1234, [login])
    expectAuthError(await rejection(login), 'LOGIN_FAILED', issued)

    await auth.login(DEMO)
    expect((await user(auth)).user.name).toBe('user1')
  })
})

describe('logout never hangs', () => {
  it('a logout whose answer stalls after the headers settles within `timeout` (resolved or LOGOUT_FAILED)', async () => {
    const { auth, seen } = await loggedIn()
    const stalls: Stalls = { started: 0, cancelled: 0 }
    stallNext('/logout', stalls, { headers: true })
    const headersBefore = seen.headers

    const logout = track(auth.logout())
    await settle(() => seen.headers === headersBefore + 1, 'the stalled logout headers')
    await idle()
    if (!logout.settled) await vi.advanceTimersByTimeAsync(DEFAULT_TIMEOUT)
    await settle(() => logout.settled, 'the logout to settle')
    await logout.promise.catch((error: unknown) => expectAuthError(error, 'LOGOUT_FAILED', issued))

    await auth.login(DEMO)
    expect((await user(auth)).user.name).toBe('user1')
  })

  it('a logout whose answer never comes rejects with LOGOUT_FAILED after `timeout`', async () => {
    const { auth } = await loggedIn({ timeout: 3000 })
    const stalls: Stalls = { started: 0, cancelled: 0 }
    stallNext('/logout', stalls, { headers: false })

    const logout = track(auth.logout())
    await settle(() => stalls.started === 1, 'the logout to arrive')
    await idle()
    await expectSettledAt(3000, [logout])
    expectAuthError(await rejection(logout), 'LOGOUT_FAILED', issued)

    await auth.login(DEMO)
    expect((await user(auth)).user.name).toBe('user1')
  })

  it('a logout during a refresh whose body stalls resolves once the refresh timed out, and the refresh settles', async () => {
    const { auth, seen } = await loggedIn()
    const stalls: Stalls = { started: 0, cancelled: 0 }
    stallNext('/refresh', stalls, { headers: true })
    const headersBefore = seen.headers

    const refresh = track(auth.refresh())
    await settle(() => seen.headers === headersBefore + 1, 'the stalled refresh headers')
    await idle()
    const logout = track(auth.logout())
    // Memory is cleared at once, whatever the network does.
    expect(await auth.getAccessToken()).toBeUndefined()

    await vi.advanceTimersByTimeAsync(DEFAULT_TIMEOUT)
    await settle(() => refresh.settled && logout.settled, 'the refresh and the logout to settle')
    const error = await rejection(refresh)
    expect(['LOGGED_OUT', 'REFRESH_FAILED']).toContain((error as { code?: string }).code)
    await logout.promise
    expect(mock.count('/logout')).toBe(1)

    await auth.login(DEMO)
    expect((await user(auth)).user.name).toBe('user1')
  })
})
