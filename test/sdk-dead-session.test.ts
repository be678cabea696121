/**
 * A dead session says so on every path. Once the refresh token was refused (or the user logged out), a request
 * answered 401 rejects with SESSION_EXPIRED, its cause the server's Response, through `auth.api` and
 * `auth.fetch` alike, and no refresh is tried again. With the body transport and no refresh token at all, the
 * first 401 is SESSION_EXPIRED at once: a refresh with nothing to present is never sent.
 */
import { http } from 'msw'
import { describe, expect, it } from 'vitest'
import type { AuthHandlers } from '../mock-server/index.ts'
import { type AuthClient, type AuthError, createAuthClient } from '../src/index.ts'
import { API, answered, DEMO, installFakeClock, mockServersWithMsw } from './support/sdk.ts'
import { expectAuthError, recordIssuedTokens, rejectionOf, watchEvents } from './support/sdk-checks.ts'
import { turn, withoutWaiting } from './support/time.ts'

const BODY_API = 'https://body.example.test'
const {
  mocks: [cookieMock, bodyMock],
  server,
} = mockServersWithMsw({ accessTokenTtl: 60 }, { accessTokenTtl: 60, baseUrl: BODY_API, transport: 'body' })
const mock = cookieMock as AuthHandlers
const body = bodyMock as AuthHandlers
const issued = recordIssuedTokens(server)

/** Every refresh request that reached `base`, whoever answered it. */
function refreshArrivals(base: string): { count: number } {
  const arrivals = { count: 0 }
  server.use(
    http.post(`${base}/refresh`, () => {
      arrivals.count++
    }),
  )
  return arrivals
}

/** Checks a SESSION_EXPIRED caused by a 401 Response. */
function expectEndedBy401(error: unknown): AuthError {
  const expired = expectAuthError(error, 'SESSION_EXPIRED', issued)
  expect(expired.cause instanceof Response).toBe(true)
  expect((expired.cause as Response).status).toBe(401)
  return expired
}

const ENDINGS: Array<[string, (auth: AuthClient) => Promise<unknown>, number]> = [
  [
    'an explicit refresh was refused',
    async (auth) => {
      await mock.revokeAllSessions()
      expectAuthError(await rejectionOf(auth.refresh()), 'SESSION_EXPIRED', issued)
    },
    1,
  ],
  [
    "a request's refresh was refused",
    async (auth) => {
      await mock.revokeAllSessions()
      expectAuthError(await withoutWaiting(rejectionOf(auth.api.get('protected'))), 'SESSION_EXPIRED', issued)
    },
    1,
  ],
  ['the user logged out', (auth) => auth.logout(), 0],
]

describe('after the session ended', () => {
  it.each(ENDINGS)(
    'when %s, a 401 rejects with SESSION_EXPIRED caused by the Response, through auth.api and auth.fetch, with no refresh',
    async (_, end, refreshes) => {
      installFakeClock()
      const auth = createAuthClient({ baseUrl: API })
      const events = watchEvents(auth)
      await auth.login(DEMO)
      await end(auth)
      await turn()
      const expiredEvents = events.sessionExpired.length
      expect(mock.count('/refresh')).toBe(refreshes)
      const refusedBefore = answered(mock, 401)

      expectEndedBy401(await withoutWaiting(rejectionOf(auth.api.get('protected'))))
      expectEndedBy401(await withoutWaiting(rejectionOf(auth.fetch('protected'))))
      expectEndedBy401(await withoutWaiting(rejectionOf(auth.fetch(`${API}/protected`, { method: 'GET' }))))

      // Each request went out once (no token, so refused), and none was replayed or refreshed.
      expect(answered(mock, 401) - refusedBefore).toBe(3)
      expect(mock.count('/refresh')).toBe(refreshes)
      expect(await auth.getAccessToken()).toBeUndefined()
      await turn()
      // The session had ended already: no further sessionExpired.
      expect(events.sessionExpired).toHaveLength(expiredEvents)

      // A new login revives everything.
      await auth.login(DEMO)
      const answer = await auth.api.get('protected').json<{ user: { name: string } }>()
      expect(answer.user.name).toBe('user1')
    },
  )
})

describe('the body transport without a refresh token', () => {
  it('a client that never logged in gets SESSION_EXPIRED on its first 401, without any refresh request', async () => {
    installFakeClock()
    const auth = createAuthClient({ baseUrl: BODY_API, transport: 'body' })
    const events = watchEvents(auth)
    const arrivals = refreshArrivals(BODY_API)

    expectAuthError(await withoutWaiting(rejectionOf(auth.api.get('protected'))), 'SESSION_EXPIRED', issued)
    expectAuthError(await withoutWaiting(rejectionOf(auth.fetch('protected'))), 'SESSION_EXPIRED', issued)
    expect(arrivals.count).toBe(0)
    expect(body.count('/refresh')).toBe(0)
    expect(answered(body, 401)).toBe(2)
    await turn()
    expect(events.sessionExpired).toHaveLength(1)
  })

  it('after a login whose answer carried no refresh token, the first 401 gives SESSION_EXPIRED without a refresh request', async () => {
    installFakeClock()
    const now = Math.floor(Date.now() / 1000)
    // A server that hands out an access token only (no rotation, no refresh token in the body).
    const accessToken = await body.signAccessToken({ sub: '1', name: 'user1', iat: now, exp: now + 60 })
    server.use(http.post(`${BODY_API}/login`, () => Response.json({ accessToken }), { once: true }))
    const auth = createAuthClient({ baseUrl: BODY_API, transport: 'body' })
    const arrivals = refreshArrivals(BODY_API)
    await auth.login(DEMO)
    expect((await auth.api.get('protected').json<{ user: { name: string } }>()).user.name).toBe('user1')

    // The server alone sees the token expire.
    body.advanceClock(61_000)
    expectAuthError(await withoutWaiting(rejectionOf(auth.api.get('protected'))), 'SESSION_EXPIRED', issued)
    expectAuthError(await withoutWaiting(rejectionOf(auth.fetch('protected'))), 'SESSION_EXPIRED', issued)
    expect(arrivals.count).toBe(0)
    expect(answered(body, 401)).toBe(2)
  })
})
