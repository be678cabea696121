/**
 * The kit's one-call scenarios, each driven through the SDK on the MSW handlers: what each does to a client, and
 * what it returns for a test to assert. Then their arguments, checked with messages that say what is expected.
 */
import { describe, expect, it } from 'vitest'
import { createAuthClient } from '../src/index.ts'
import { API, DEMO, installFakeClock, mockServer } from './support/sdk.ts'
import { rejectionOf } from './support/sdk-checks.ts'
import { drive } from './support/time.ts'

const ADA = { username: 'ada', password: 'password-of-ada' }
const mock = mockServer({ seedUsers: [ADA], refreshTokenTtl: 3600 })
const client = (options = {}) => createAuthClient({ baseUrl: API, ...options })

describe('failing refreshes', () => {
  it('failNextRefreshes returns how many refreshes the failure answered, and those requests', async () => {
    const auth = client({ refreshRetries: 0 })
    await auth.login(DEMO)
    const failure = mock.failNextRefreshes(2, { status: 503 })
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'REFRESH_FAILED' })
    expect(failure).toMatchObject({ times: 2, used: 1 })
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'REFRESH_FAILED' })
    await auth.refresh()
    expect(failure.used).toBe(2)
    expect(failure.requests.map(({ route, status }) => `${route} ${status}`)).toEqual(['/refresh 503', '/refresh 503'])
  })

  it('slowRefreshes answers normally after the delay, on the fake timers', async () => {
    installFakeClock()
    const auth = client()
    await auth.login(DEMO)
    const slow = mock.slowRefreshes(3000)
    const start = Date.now()
    await drive(auth.refresh(), 100)
    expect(Date.now() - start).toBeGreaterThanOrEqual(3000)
    expect(slow.requests).toEqual([{ method: 'POST', route: '/refresh', status: 200 }])
  })

  it('hangRefreshes never answers: the client’s timeout ends the refresh, recorded as a network error', async () => {
    installFakeClock()
    const auth = client({ refreshRetries: 0, fetch: mock.fetch })
    await auth.login(DEMO)
    const hang = mock.hangRefreshes()
    const start = Date.now()
    const error = await drive(rejectionOf(auth.refresh()), 1000)
    expect(error).toMatchObject({ code: 'REFRESH_FAILED' })
    expect(Date.now() - start).toBeGreaterThanOrEqual(10_000) // the SDK's default timeout
    expect(hang.requests).toEqual([{ method: 'POST', route: '/refresh', status: 'network-error' }])
  })

  it('ends a hanging answer at reset, so no request outlives its test', async () => {
    const hang = mock.hangRefreshes()
    const refresh = mock.fetch(`${API}/refresh`, { method: 'POST' })
    mock.reset()
    await expect(refresh).rejects.toThrow(TypeError)
    expect(hang.used).toBe(1)
  })

  it('loseNextRefreshAnswer rotates, then loses the answer: the retry is answered from the grace window', async () => {
    installFakeClock()
    const auth = client()
    await auth.login(DEMO)
    const lost = mock.loseNextRefreshAnswer()
    await drive(auth.refresh())
    expect(lost.requests.map(({ status }) => status)).toEqual(['network-error'])
    expect(mock.requests.map(({ status }) => status)).toEqual([200, 'network-error', 200])
    expect((await auth.fetch('protected')).status).toBe(200)
  })
})

describe('ending sessions', () => {
  it('revokeSessionsOf ends one user’s sessions, whatever the spelling of the name, and no other', async () => {
    const [demo, ada, adaAgain] = [client({ refreshRetries: 0 }), client(), client()]
    await demo.login(DEMO)
    await ada.login(ADA)
    await adaAgain.login(ADA)
    expect(await mock.revokeSessionsOf('ADA')).toBe(2)
    await expect(ada.refresh()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
    expect((await demo.fetch('protected')).status).toBe(200)
    expect(await mock.revokeSessionsOf('nobody')).toBe(0)
  })

  it('endSessionsByLifetime moves the server past the sessions’ absolute lifetime: the next refresh is refused', async () => {
    const auth = client()
    await auth.login(DEMO)
    const before = mock.now()
    expect(mock.endSessionsByLifetime()).toBeGreaterThan(before + 3600 * 1000)
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
    const fresh = client()
    await fresh.login(DEMO) // a new session starts on the moved clock, as after a real week
    expect((await fresh.fetch('protected')).status).toBe(200)
  })
})

describe('the scenarios’ arguments', () => {
  it.each<[string, () => unknown, string]>([
    ['slowRefreshes(-1)', () => mock.slowRefreshes(-1), '`delayMs` must be a non-negative number'],
    ['slowRefreshes(10, 0)', () => mock.slowRefreshes(10, 0), '`times` must be a positive integer'],
    ['hangRefreshes(1.5)', () => mock.hangRefreshes(1.5), '`times` must be a positive integer'],
    [
      'failNextRefreshes(1, { hang: false })',
      () => mock.failNextRefreshes(1, { hang: false as never }),
      '{ hang: true }',
    ],
    ['advanceClock(NaN)', () => mock.advanceClock(Number.NaN), '`milliseconds` must be a non-negative number'],
  ])('refuses %s with a TypeError saying what is expected', (_, call, message) => {
    expect(call).toThrow(TypeError)
    expect(call).toThrow(message)
  })

  it.each([42, '', 'a b'])('refuses revokeSessionsOf(%j) with a TypeError naming `username`', async (username) => {
    const refused = await rejectionOf(mock.revokeSessionsOf(username as string))
    expect(refused).toBeInstanceOf(TypeError)
    expect((refused as Error).message).toMatch(/^`username` must be a username or an email address/)
  })
})
