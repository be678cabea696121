// This file is README's "Testing your app" examples, verbatim and in order (test/readme.test.ts checks it).

import { createAuthClient } from 'ky-token-refresh'
import { createAuthHandlers } from 'ky-token-refresh/mock-server'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest'

const baseUrl = 'https://api.example.com'
const auth = createAuthHandlers({ baseUrl, bcryptCost: 4, accessTokenTtl: 60 })
const server = setupServer(...auth.handlers)
const user = { username: 'user1', password: 'password123' }
beforeAll(() => server.listen({ onUnhandledFrame: 'error' })) // MSW 3's name for onUnhandledRequest
afterEach(() => {
  vi.useRealTimers()
  auth.reset()
})
afterAll(() => server.close())

it('refreshes once when the access token expires', async () => {
  vi.useFakeTimers()
  const client = createAuthClient({ baseUrl })
  await client.login(user)
  await auth.advanceTime(61_000, vi) // past the 60 s token, letting the mock answer between steps
  expect((await client.api.get('protected')).status).toBe(200)
  expect(auth.count('/refresh')).toBe(1)
})

it('asks for a new login when the session is revoked', async () => {
  const client = createAuthClient({ baseUrl })
  await client.login(user)
  expect(await auth.revokeSessionsOf('user1')).toBe(1)
  await expect(client.api.get('protected')).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
  expect(auth.count('/refresh')).toBe(1)
})

it('retries a refresh that fails twice with 503', async () => {
  vi.useFakeTimers()
  const client = createAuthClient({ baseUrl })
  await client.login(user)
  const failure = auth.failNextRefreshes(2, { status: 503 })
  const refreshed = client.refresh()
  await auth.advanceTime(5_000, vi) // the retries' back-off
  await refreshed
  expect(failure.used).toBe(2)
})

it('waits for a slow refresh', async () => {
  vi.useFakeTimers()
  const client = createAuthClient({ baseUrl })
  await client.login(user)
  auth.slowRefreshes(8_000) // under the client's 10 s timeout
  auth.expireAccessTokens()
  const response = client.api.get('protected')
  await auth.advanceTime(8_000, vi)
  expect((await response).status).toBe(200)
})

it('ends the session when a replaced refresh token comes back after the grace window', async () => {
  const client = createAuthClient({ baseUrl, refreshRetries: 0 })
  await client.login(user)
  auth.loseNextRefreshAnswer() // the server rotates; the client never hears of it
  await expect(client.refresh()).rejects.toMatchObject({ code: 'REFRESH_FAILED' })
  auth.advanceClock(11_000) // past the 10 s grace window, presenting the old token is reuse
  await expect(client.refresh()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
})

it('shares one session and one refresh between two tabs', async () => {
  const tab = () => createAuthClient({ baseUrl, crossTab: true })
  const [first, second] = [tab(), tab()]
  await first.login(user)
  await expect.poll(() => second.getAccessToken()).toBeDefined() // the login reached the other tab
  auth.expireAccessTokens()
  await Promise.all([first.api.get('protected'), second.api.get('protected')])
  expect(auth.count('/refresh')).toBe(1)
})

it('keeps the session when a refresh answer is lost after the rotation', async () => {
  vi.useFakeTimers()
  const client = createAuthClient({ baseUrl })
  await client.login(user)
  auth.loseNextRefreshAnswer()
  const refreshed = client.refresh()
  await auth.advanceTime(2_000, vi) // the retry's back-off: the retry is answered from the grace window
  await refreshed
  expect(auth.requests.map((request) => request.status)).toEqual([200, 'network-error', 200])
})

it('refuses logins with 429 once they are throttled', async () => {
  const strict = createAuthHandlers({ baseUrl, bcryptCost: 4, loginThrottle: { maxFailuresPerAccount: 2 } })
  const client = createAuthClient({ baseUrl, fetch: strict.fetch }) // the direct path: no MSW involved
  for (const password of ['wrong-one', 'wrong-two']) await client.login({ ...user, password }).catch(() => {})
  await expect(client.login(user)).rejects.toMatchObject({ code: 'LOGIN_FAILED', status: 429 })
})
