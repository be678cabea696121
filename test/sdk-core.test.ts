import { describe, expect, it, vi } from 'vitest'
import { createAuthClient } from '../src/index.ts'
import { API, answered, DEMO, installFakeClock, mockServers } from './support/sdk.ts'
import { settle } from './support/time.ts'

const [cookieMock, bodyMock] = mockServers(
  { accessTokenTtl: 60, transport: 'cookie' },
  { accessTokenTtl: 60, transport: 'body', baseUrl: 'https://body.example.test' },
)

describe('core flows', () => {
  it('logs in, sends the token and refreshes before expiry (cookie)', async () => {
    installFakeClock()
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    expect(await auth.api.get('protected').json()).toMatchObject({ user: { name: 'user1' } })
    await vi.advanceTimersByTimeAsync(46_000)
    await settle(() => cookieMock.count('/refresh') === 1, 'the proactive refresh')
    expect(await auth.api.get('protected').json()).toMatchObject({ user: { name: 'user1' } })
    expect(answered(cookieMock, 401)).toBe(0)
  })

  it('a session revoked on the server rejects the next request with SESSION_EXPIRED (body)', async () => {
    installFakeClock()
    const auth = createAuthClient({ baseUrl: 'https://body.example.test', transport: 'body' })
    await auth.login(DEMO)
    await bodyMock.revokeAllSessions()
    await expect(auth.api.get('protected').json()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
  })

  it('getAccessToken() always answers a promise: undefined before login, the token after', async () => {
    installFakeClock()
    const auth = createAuthClient({ baseUrl: API })
    const before = auth.getAccessToken()
    expect(before).toBeInstanceOf(Promise)
    expect(await before).toBeUndefined()
    await auth.login(DEMO)
    const after = auth.getAccessToken()
    expect(after).toBeInstanceOf(Promise)
    expect(typeof (await after)).toBe('string')
  })

  // 1000 round trips through MSW take seconds of real time, more on a busy machine.
  it('1000 concurrent requests at expiry share one refresh', { timeout: 60_000 }, async () => {
    installFakeClock()
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    cookieMock.advanceClock(0)
    vi.setSystemTime(Date.now() + 61_000)
    const results = await Promise.all(Array.from({ length: 1000 }, () => auth.api.get('protected').json()))
    expect(results).toHaveLength(1000)
    expect(cookieMock.count('/refresh')).toBe(1)
  })
})
