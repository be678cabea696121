/**
 * An expired access token is never sent: not with tokens of a few seconds whose `iat` is rounded down to the
 * second (so they may die up to a second earlier than `exp - iat` after their issue), not after the wall clock
 * was set back, and not when the server hands out a token with the same `exp` again.
 *
 * The server's view is what counts: a handler in front of the mock decodes the Authorization header of each
 * `/protected` request and compares its `exp` with the mock's clock at arrival, and the mock records every
 * status it answered (an expired token is answered 401, then replayed, which would hide it from the caller).
 */
import { http } from 'msw'
import { describe, expect, it, vi } from 'vitest'
import type { AuthHandlers } from '../mock-server/index.ts'
import { type AuthClient, createAuthClient } from '../src/index.ts'
import { answered, DEMO, installFakeClock, mockServersWithMsw } from './support/sdk.ts'
import { countingFetch } from './support/sdk-checks.ts'
import { flushDue, settle } from './support/time.ts'
import { claimsOf } from './support/tokens.ts'

const SHORT = 'https://short.example.test'
const MINUTE_API = 'https://minute.example.test'
const {
  mocks: [shortMock, minuteMock],
  server,
} = mockServersWithMsw({ accessTokenTtl: 3, baseUrl: SHORT }, { accessTokenTtl: 60, baseUrl: MINUTE_API })
const short = shortMock as AuthHandlers
const minute = minuteMock as AuthHandlers

/** 2030-01-01T00:00:00Z, a whole second. */
const T0 = Date.UTC(2030, 0, 1)

/** What the server saw at `/protected`: how many requests carried a token, and how many of those had expired. */
function watchArrivals(base: string, mock: AuthHandlers) {
  const seen = { withToken: 0, expired: 0, without: 0 }
  server.use(
    http.get(`${base}/protected`, ({ request }) => {
      const token = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1]
      if (!token) {
        seen.without++
        return
      }
      seen.withToken++
      // JWT `exp` is in whole seconds: the token is dead from that second on (the mock's check is `exp <= now`).
      if ((claimsOf(token).exp as number) * 1000 <= mock.now()) seen.expired++
    }),
  )
  return seen
}

const user = (auth: AuthClient) => auth.api.get('protected').json<{ user: { name: string } }>()

/**
 * Sends a request every `step` ms of fake time for `duration` ms; each must succeed. Time only moves while
 * nothing is in flight (a proactive refresh started by the timer completes first).
 */
async function requestEvery(auth: AuthClient, state: { pending: number }, step: number, duration: number) {
  for (let elapsed = 0; elapsed < duration; elapsed += step) {
    await vi.advanceTimersByTimeAsync(step)
    expect((await flushDue(user(auth), 'a request')).user.name).toBe('user1')
    await settle(() => state.pending === 0, 'nothing in flight')
  }
}

describe('short-lived tokens', () => {
  // Login at each of these offsets into a second: at x.900 a 3 s token issued with `iat` = x dies at (x + 3).000,
  // 2.1 s after its issue; a client counting 3 s from receipt would send it dead for 0.9 s.
  it.each([0, 250, 500, 900, 999])(
    'with 3 s tokens and a request every 300 ms for 30 s, the server never sees an expired token (login at x.%i s)',
    async (millis) => {
      installFakeClock()
      vi.setSystemTime(T0 + 7000 + millis)
      const { fetch, state } = countingFetch()
      const auth = createAuthClient({ baseUrl: SHORT, fetch })
      const seen = watchArrivals(SHORT, short)
      await auth.login(DEMO)

      await requestEvery(auth, state, 300, 30_000)

      expect(seen.withToken).toBe(100)
      expect(seen.without).toBe(0)
      expect(seen.expired, 'requests that arrived with an expired token').toBe(0)
      expect(answered(short, 401)).toBe(0)
      expect(answered(short, 200)).toBe(100)
      // Proactive refreshes kept up (a 3 s token counts as living 2 s, refreshed at 1.5 s), at most one a second.
      expect(short.count('/refresh')).toBeGreaterThanOrEqual(15)
      expect(short.count('/refresh')).toBeLessThanOrEqual(30)
    },
  )

  it.each([100, 500, 950])(
    'with the server clock %i ms ahead of the client, 3 s tokens are never sent expired',
    async (ahead) => {
      installFakeClock()
      vi.setSystemTime(T0 + 7900)
      short.advanceClock(ahead)
      const { fetch, state } = countingFetch()
      const auth = createAuthClient({ baseUrl: SHORT, fetch })
      const seen = watchArrivals(SHORT, short)
      await auth.login(DEMO)

      await requestEvery(auth, state, 300, 30_000)

      expect(seen.withToken).toBe(100)
      expect(seen.expired, 'requests that arrived with an expired token').toBe(0)
      expect(answered(short, 401)).toBe(0)
    },
  )
})

describe('the wall clock set back', () => {
  it('setting the wall clock back an hour does not postpone the refresh past the expiry', async () => {
    installFakeClock()
    vi.setSystemTime(T0)
    const { fetch, state } = countingFetch()
    const auth = createAuthClient({ baseUrl: MINUTE_API, fetch })
    const seen = watchArrivals(MINUTE_API, minute)
    await auth.login(DEMO)

    await requestEvery(auth, state, 1000, 10_000)
    // The client's wall clock jumps an hour back (NTP, a user); the monotonic clock and the server do not:
    // the mock's clock (Date.now() plus its offset) is kept on true time.
    vi.setSystemTime(Date.now() - 3_600_000)
    minute.advanceClock(3_600_000)

    // 60 s tokens live 59 s, refreshed at 44.25 s: over two minutes, refreshes come on time.
    await requestEvery(auth, state, 1000, 110_000)
    expect(seen.expired, 'requests that arrived with an expired token').toBe(0)
    expect(answered(minute, 401)).toBe(0)
    expect(answered(minute, 200)).toBe(120)
    expect(minute.count('/refresh')).toBeGreaterThanOrEqual(2)
  })

  it('a scheduled refresh fires on time after the wall clock was set back, with no request to prompt it', async () => {
    installFakeClock()
    vi.setSystemTime(T0)
    const auth = createAuthClient({ baseUrl: MINUTE_API })
    await auth.login(DEMO)
    vi.setSystemTime(Date.now() - 3_600_000)
    minute.advanceClock(3_600_000)

    await vi.advanceTimersByTimeAsync(44_250)
    await settle(() => minute.count('/refresh') === 1, 'the proactive refresh at 44.25 s')
  })
})

describe('the same token issued again', () => {
  it('a refresh answered with the very same access token does not extend its expiry', async () => {
    installFakeClock()
    vi.setSystemTime(T0)
    const { fetch, state } = countingFetch()
    const auth = createAuthClient({ baseUrl: MINUTE_API, fetch })
    const seen = watchArrivals(MINUTE_API, minute)
    await auth.login(DEMO)
    const first = (await auth.getAccessToken()) as string

    await requestEvery(auth, state, 1000, 30_000)
    // A server (or a cache in front of it) answers the refresh with the token the client already holds.
    let reissued = 0
    server.use(
      http.post(
        `${MINUTE_API}/refresh`,
        () => {
          reissued++
          return Response.json({ accessToken: first })
        },
        { once: true },
      ),
    )
    await auth.refresh()
    expect(reissued).toBe(1)
    expect((await auth.getAccessToken()) === first).toBe(true)

    // The token still dies 60 s after login; it must be replaced before then, not 60 s after its re-issue.
    await requestEvery(auth, state, 1000, 60_000)
    expect(seen.expired, 'requests that arrived with an expired token').toBe(0)
    expect(answered(minute, 401)).toBe(0)
    expect(minute.count('/refresh')).toBeGreaterThanOrEqual(1)
  })

  it('a token re-issued with the same `exp` is refreshed when the first one would have been', async () => {
    installFakeClock()
    vi.setSystemTime(T0)
    const auth = createAuthClient({ baseUrl: MINUTE_API })
    await auth.login(DEMO)
    const first = (await auth.getAccessToken()) as string
    server.use(http.post(`${MINUTE_API}/refresh`, () => Response.json({ accessToken: first }), { once: true }))
    await vi.advanceTimersByTimeAsync(30_000)
    await auth.refresh()

    // Due at 44.25 s after login (59 s of life less a quarter), whatever the re-issue said.
    await vi.advanceTimersByTimeAsync(44_250 - 30_000 - 1)
    for (let index = 0; index < 20; index++) await new Promise((resolve) => setImmediate(resolve))
    expect(minute.count('/refresh')).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    await settle(() => minute.count('/refresh') === 1, 'the refresh due 44.25 s after login')
  })
})
