/**
 * The cool-down after transient refresh failures: an outage costs a few refresh calls, not one per request.
 * After a failure (after ky's retries) no automatic refresh starts for a pause of 1 s doubling per failure in a
 * row (capped at 30 s), jittered to 50-100 % of it. During the pause a request whose token is still valid goes
 * out; one that needs a new token fails at once with REFRESH_FAILED, without a network call. Offline
 * (`navigator.onLine === false`) no refresh is attempted at all.
 */
import { HttpResponse, http } from 'msw'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import type { RefreshFailure } from '../mock-server/index.ts'
import { type AuthClient, type AuthClientOptions, type AuthError, createAuthClient } from '../src/index.ts'
import { API, answered, DEMO, installFakeClock, mockServersWithMsw } from './support/sdk.ts'
import { countingFetch, expectAuthError, recordIssuedTokens, rejectionOf, watchEvents } from './support/sdk-checks.ts'
import { drive, driveUntil, flushDue, settle, turn, withoutWaiting } from './support/time.ts'

const MINUTE_API = 'https://minute.example.test'
const {
  mocks: [longMock, minuteMock],
  server,
} = mockServersWithMsw({}, { accessTokenTtl: 60, baseUrl: MINUTE_API })
// The default 15-minute tokens: they live 899 s, refreshed from 869 s on.
const mock = longMock as NonNullable<typeof longMock>
const minute = minuteMock as NonNullable<typeof minuteMock>
const issued = recordIssuedTokens(server)

const REFRESH_DUE = 869_000
/** A refresh is tried three times (refreshRetries 2): the call and ky's two retries. */
const ATTEMPTS = 3

/** An outage of `base`'s refresh route, on until switched off; counts the calls it refused. */
function outage(base: string, failure: 'status' | 'networkError') {
  const state = { on: true, calls: 0 }
  server.use(
    http.post(`${base}/refresh`, () => {
      if (!state.on) return undefined
      state.calls++
      return failure === 'status' ? new HttpResponse(null, { status: 503 }) : HttpResponse.error()
    }),
  )
  return state
}

async function loggedIn(base: string, options: Partial<AuthClientOptions> = {}) {
  installFakeClock()
  const { fetch, state } = countingFetch()
  const auth = createAuthClient({ baseUrl: base, fetch, ...options })
  await auth.login(DEMO)
  // Fake time stood still during the login: this is when its request was sent.
  const loggedInAt = Date.now()
  return { auth, state, loggedInAt, events: watchEvents(auth), token: (await auth.getAccessToken()) as string }
}

const user = (auth: AuthClient) => auth.api.get('protected').json<{ user: { name: string } }>()

describe('an outage of the refresh route', () => {
  it.each(['status', 'networkError'] as const)(
    'an 8 s outage (%s) with a request every 200 ms costs at most 15 refresh calls, and requests with a valid token still go out',
    async (failure) => {
      const { auth, state, events, token } = await loggedIn(API)
      await vi.advanceTimersByTimeAsync(REFRESH_DUE - 200)
      const down = outage(API, failure)
      const before = mock.count('/protected')

      // 40 requests over 8 s, from the moment the refresh is due; each goes out with the (valid) token.
      for (let step = 0; step < 40; step++) {
        await vi.advanceTimersByTimeAsync(200)
        expect((await flushDue(user(auth), 'a request during the outage')).user.name).toBe('user1')
        await settle(() => state.pending === 0, 'nothing in flight')
      }
      expect(mock.count('/protected') - before).toBe(40)
      expect(answered(mock, 200)).toBe(40)
      expect((await auth.getAccessToken()) === token).toBe(true)
      // Cycles of 3 attempts (ky's backoff 0-0.3 s, 0-0.6 s) start at the earliest at 0, 0.5, 1.5, 3.5 and 7.5 s
      // (pauses of 1, 2, 4, 8 s jittered down to half); at the latest at 0, 2.1, 5.2 s. So 9 to 15 calls.
      expect(down.calls).toBeGreaterThanOrEqual(3 * ATTEMPTS)
      expect(down.calls).toBeLessThanOrEqual(5 * ATTEMPTS)
      await turn()
      // Each completed cycle is one failure (a last one may still be in its backoff): 3 to 5 of them.
      expect(events.refreshFailed.length).toBeGreaterThanOrEqual(3)
      expect(events.refreshFailed.length).toBeLessThanOrEqual(5)
      expect(down.calls).toBeLessThanOrEqual((events.refreshFailed.length + 1) * ATTEMPTS)
      expect(events.sessionExpired).toHaveLength(0)

      // The server is back: once the pause is over a request's refresh succeeds, and the session goes on.
      down.on = false
      for (let waited = 0; events.refreshed === 0; waited += 200) {
        expect(waited, 'fake time before the session recovered').toBeLessThan(20_000)
        await vi.advanceTimersByTimeAsync(200)
        expect((await flushDue(user(auth), 'a request after the outage')).user.name).toBe('user1')
        await settle(() => state.pending === 0, 'nothing in flight')
        await turn()
      }
      expect((await auth.getAccessToken()) === token).toBe(false)
      expect((await flushDue(user(auth))).user.name).toBe('user1')
      expect(answered(mock, 401)).toBe(0)
    },
  )

  it.each<[string, RefreshFailure]>([
    ['503 answers', { status: 503 }],
    ['network errors', { networkError: true }],
  ])(
    'after a refresh failed with %s, a refused request fails fast with REFRESH_FAILED and no refresh call, through auth.api and auth.fetch',
    async (_, failure) => {
      const { auth } = await loggedIn(API)
      // The server alone sees the token expire: every request is refused and needs a new token.
      mock.advanceClock(900_000)
      mock.failNextRefreshes(ATTEMPTS, failure)

      const first = rejectionOf(user(auth))
      await settle(() => answered(mock, 401) === 1, 'the first refusal')
      const failed = expectAuthError(await drive(first, 10), 'REFRESH_FAILED', issued)
      expect(mock.count('/refresh')).toBe(ATTEMPTS)

      // Within the pause (at least 0.5 s after one failure; at most 10 ms have passed).
      const viaApi = expectAuthError(await withoutWaiting(rejectionOf(user(auth))), 'REFRESH_FAILED', issued)
      expect(viaApi.cause === failed).toBe(true)
      const viaFetch = expectAuthError(
        await withoutWaiting(rejectionOf(auth.fetch('protected'))),
        'REFRESH_FAILED',
        issued,
      )
      expect(viaFetch.cause === failed).toBe(true)
      expect(mock.count('/refresh')).toBe(ATTEMPTS)
      expect(answered(mock, 401)).toBe(3)

      // The pause after one failure is at most 1 s: then a request refreshes and is replayed.
      await vi.advanceTimersByTimeAsync(1000)
      expect((await withoutWaiting(user(auth))).user.name).toBe('user1')
      expect(mock.count('/refresh')).toBe(ATTEMPTS + 1)
    },
  )

  it('during the pause a request whose token has expired fails fast with REFRESH_FAILED, and the token is never sent', async () => {
    // 60 s tokens live 59 s, refreshed at 44.25 s.
    const { auth, state, events, loggedInAt } = await loggedIn(MINUTE_API)
    const down = outage(MINUTE_API, 'status')
    await vi.advanceTimersByTimeAsync(44_250)
    await driveUntil(() => events.refreshFailed.length === 1 && state.pending === 0, 'the failed proactive refresh')
    expect(down.calls).toBe(ATTEMPTS)

    // Expired now. The first request starts a refresh (the pause is long over): it fails after its retries.
    await vi.advanceTimersByTimeAsync(loggedInAt + 59_000 - Date.now())
    const first = rejectionOf(user(auth))
    expectAuthError(await drive(first, 10), 'REFRESH_FAILED', issued)
    expect(down.calls).toBe(2 * ATTEMPTS)

    // In the pause that follows (1 to 2 s), the next one fails at once, without any call.
    const second = expectAuthError(await withoutWaiting(rejectionOf(user(auth))), 'REFRESH_FAILED', issued)
    expect((second.cause as AuthError | undefined)?.code).toBe('REFRESH_FAILED')
    expect(down.calls).toBe(2 * ATTEMPTS)
    expect(minute.count('/protected')).toBe(0)

    // Back: after the pause, a request refreshes and goes out with the new token.
    down.on = false
    await vi.advanceTimersByTimeAsync(2000)
    expect((await withoutWaiting(user(auth))).user.name).toBe('user1')
    expect(answered(minute, 401)).toBe(0)
  })
})

describe('offline', () => {
  it('with navigator.onLine false no refresh is attempted (REFRESH_FAILED), and back online the session recovers', async () => {
    const { auth } = await loggedIn(API)
    onTestFinished(() => {
      vi.unstubAllGlobals()
    })
    mock.advanceClock(900_000)
    vi.stubGlobal('navigator', { onLine: false })

    const viaRequest = expectAuthError(await withoutWaiting(rejectionOf(user(auth))), 'REFRESH_FAILED', issued)
    expect(viaRequest.message).toContain('offline')
    expectAuthError(await withoutWaiting(rejectionOf(auth.refresh())), 'REFRESH_FAILED', issued)
    expectAuthError(await withoutWaiting(rejectionOf(auth.fetch('protected'))), 'REFRESH_FAILED', issued)
    expect(mock.count('/refresh')).toBe(0)

    vi.stubGlobal('navigator', { onLine: true })
    expect((await withoutWaiting(user(auth))).user.name).toBe('user1')
    expect(mock.count('/refresh')).toBe(1)
  })

  it('offline, the refresh timer sends nothing either', async () => {
    const { auth } = await loggedIn(API)
    onTestFinished(() => {
      vi.unstubAllGlobals()
    })
    vi.stubGlobal('navigator', { onLine: false })
    await vi.advanceTimersByTimeAsync(REFRESH_DUE + 5000)
    for (let index = 0; index < 20; index++) await turn()
    expect(mock.count('/refresh')).toBe(0)
    expect(await auth.getAccessToken()).toBeTypeOf('string')
  })
})
