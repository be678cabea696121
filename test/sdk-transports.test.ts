/**
 * How the refresh token travels and where the tokens are kept: the cookie
 * transport (HttpOnly cookie, `credentials: 'include'` on the auth calls
 * only), the body transport (JSON field, rotation, the `storage` adapter) and
 * web storage (never touched).
 *
 * A recording `fetch` option sees what the SDK asked for (MSW in Node reports
 * every request's `credentials` as `'same-origin'`). Tokens are only ever
 * compared, never printed: assertions on them are booleans or indexes.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AuthHandlers } from '../mock-server/index.ts'
import { type AuthClient, type AuthClientOptions, createAuthClient, type RefreshTokenStorage } from '../src/index.ts'
import { recordingFetch } from './support/exchanges.ts'
import { DEMO, installFakeClock, mockServers } from './support/sdk.ts'
import { flushDue, settle } from './support/time.ts'

const COOKIE_API = 'https://cookie.example.test'
const BODY_API = 'https://body.example.test'
const STATIC_API = 'https://static.example.test'

const [cookieMock, bodyMock, staticMock] = mockServers(
  { baseUrl: COOKIE_API, transport: 'cookie', accessTokenTtl: 60 },
  // No grace window: presenting a rotated-out refresh token revokes the whole family at once.
  { baseUrl: BODY_API, transport: 'body', accessTokenTtl: 60, reuseGraceSeconds: 0 },
  { baseUrl: STATIC_API, profile: 'staticBody', accessTokenTtl: 60 },
) as [AuthHandlers, AuthHandlers, AuthHandlers]

// Fake timers throughout, so that no scheduled refresh outlives its test.
beforeEach(() => {
  installFakeClock()
})
afterEach(() => {
  vi.unstubAllGlobals()
})

/** Whether `secret` appears anywhere in `value`: strings, properties (also non-enumerable: message, cause), headers. */
function contains(value: unknown, secret: string, seen = new WeakSet<object>()): boolean {
  if (typeof value === 'string') return value.includes(secret)
  if (typeof value !== 'object' || value === null || seen.has(value)) return false
  seen.add(value)
  if (value instanceof Headers) return [...value].some(([, header]) => header.includes(secret))
  if (value instanceof Request || value instanceof Response) {
    if (value.url.includes(secret) || contains(value.headers, secret, seen)) return true
  }
  return Reflect.ownKeys(value).some((key) => {
    try {
      return contains((value as Record<PropertyKey, unknown>)[key], secret, seen)
    } catch {
      return false
    }
  })
}

function client(options: Omit<AuthClientOptions, 'fetch'>) {
  const recorder = recordingFetch()
  const auth = createAuthClient({ ...options, fetch: recorder.fetch })
  return { auth, ...recorder }
}

function recordEvents(auth: AuthClient): unknown[] {
  const payloads: unknown[] = []
  auth.on('refreshed', (payload) => payloads.push(payload))
  auth.on('refreshFailed', (payload) => payloads.push(payload))
  auth.on('sessionExpired', (payload) => payloads.push(payload))
  return payloads
}

describe('cookie transport', () => {
  it("sends credentials: 'include' on login, refresh and logout only; API calls keep the default", async () => {
    const { auth, exchanges } = client({ baseUrl: COOKIE_API })
    await auth.login(DEMO)
    await auth.api.get('protected').json()
    await auth.fetch('protected')
    await auth.refresh()
    // The server alone sees the token as expired: a 401, a reactive refresh, a replay.
    cookieMock.advanceClock(61_000)
    expect((await flushDue(auth.fetch('protected'))).status).toBe(200)
    await auth.logout()
    expect(exchanges.map(({ route, credentials }) => `${route} ${credentials}`)).toEqual([
      '/login include',
      '/protected same-origin',
      '/protected same-origin',
      '/refresh include',
      '/protected same-origin',
      '/refresh include',
      '/protected same-origin',
      '/logout include',
    ])
  })

  it('keeps the refresh token out of JavaScript: events, getAccessToken() and request bodies', async () => {
    const { auth, exchanges } = client({ baseUrl: COOKIE_API })
    const events = recordEvents(auth)
    const cookies = new Set<string>()
    const keepCookie = () => {
      const cookie = cookieMock.cookies.get('refreshToken')
      if (cookie) cookies.add(cookie)
    }
    await auth.login(DEMO)
    keepCookie()
    const accessTokens = [await auth.getAccessToken()]
    await auth.refresh() // explicit
    keepCookie()
    await vi.advanceTimersByTimeAsync(46_000) // proactive, at 45 s of a 60 s token
    await settle(() => cookieMock.count('/refresh') === 2, 'the proactive refresh')
    keepCookie()
    accessTokens.push(await auth.getAccessToken())
    await cookieMock.revokeAllSessions()
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
    await auth.logout()
    await settle(() => events.length === 3, 'the events')

    // The reference server rotates the cookie on every refresh: three distinct refresh tokens.
    expect(cookies.size).toBe(3)
    expect(events).toHaveLength(3)
    for (const cookie of cookies) {
      expect(events.some((payload) => contains(payload, cookie))).toBe(false)
      expect(accessTokens.some((token) => token === undefined || token.includes(cookie))).toBe(false)
      expect(exchanges.some(({ sent }) => sent.includes(cookie))).toBe(false)
    }
    // Nothing to send but the cookie the runtime adds.
    expect(exchanges.filter(({ route }) => route !== '/login').map(({ route, sent }) => `${route} ${sent}`)).toEqual([
      '/refresh ',
      '/refresh ',
      '/refresh ',
      '/logout ',
    ])
  })
})

describe('body transport', () => {
  it('sends the refresh token from login in the refresh body', async () => {
    const { auth, issued, presented } = client({ baseUrl: BODY_API, transport: 'body' })
    await auth.login(DEMO)
    await auth.refresh()
    const [fromLogin] = issued('refreshToken')
    expect(fromLogin).toBeTypeOf('string')
    expect(presented('/refresh').map((token) => token === fromLogin)).toEqual([true])
  })

  it('replaces the refresh token with the rotated one (reuse of the old one would revoke the session)', async () => {
    const { auth, issued, presented } = client({ baseUrl: BODY_API, transport: 'body' })
    await auth.login(DEMO)
    await auth.refresh()
    await auth.refresh()
    const tokens = issued('refreshToken')
    expect(tokens).toHaveLength(3)
    expect(new Set(tokens).size).toBe(3)
    expect(presented('/refresh').map((token) => tokens.indexOf(token as string))).toEqual([0, 1])
    // Had the second refresh presented the first token, the server would have revoked the family.
    expect(bodyMock.requests.filter(({ route }) => route === '/refresh').map(({ status }) => status)).toEqual([
      200, 200,
    ])
    expect(await auth.api.get('protected').json()).toMatchObject({ user: { name: 'user1' } })
  })

  it('keeps the old refresh token when the server sends no new one (staticBody)', async () => {
    const { auth, issued, presented } = client({ baseUrl: STATIC_API, transport: 'body' })
    await auth.login(DEMO)
    await auth.refresh()
    await auth.refresh()
    const tokens = issued('refreshToken')
    expect(tokens).toHaveLength(1) // only login hands one out
    expect(presented('/refresh').map((token) => token === tokens[0])).toEqual([true, true])
    expect(staticMock.count('/refresh')).toBe(2)
    expect(await auth.api.get('protected').json()).toMatchObject({ user: { name: 'user1' } })
  })

  it('keeps the refresh token in the memory of its own client by default', async () => {
    const first = client({ baseUrl: BODY_API, transport: 'body' })
    const second = client({ baseUrl: BODY_API, transport: 'body' })
    await first.auth.login(DEMO)
    // Nothing shared: the second client has no refresh token to send, so it sends no refresh at all.
    await expect(second.auth.refresh()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
    expect(second.exchanges).toEqual([])
    await first.auth.refresh()
    expect(bodyMock.requests.filter(({ route }) => route === '/refresh').map(({ status }) => status)).toEqual([200])
  })

  /** A storage adapter whose calls are recorded; `async` makes every method return a promise settled later. */
  function recordingStorage(async: boolean) {
    let value: string | undefined
    const calls: string[] = []
    const values: string[] = []
    const later = <T>(result: () => T) =>
      async ? Promise.resolve().then(() => Promise.resolve().then(result)) : result()
    const storage = {
      get: vi.fn(() => {
        calls.push('get')
        return later(() => value)
      }),
      set: vi.fn((token: string) => {
        calls.push('set')
        values.push(token)
        return later(() => {
          value = token
        })
      }),
      remove: vi.fn(() => {
        calls.push('remove')
        return later(() => {
          value = undefined
        })
      }),
    } satisfies RefreshTokenStorage
    return { storage, calls, values, current: () => value }
  }

  describe.each([
    ['a synchronous', false],
    ['an asynchronous', true],
  ] as const)('with %s storage adapter', (_, async) => {
    it('stores each new refresh token, reads it to refresh, and removes it when the session dies', async () => {
      const { storage, calls, values } = recordingStorage(async)
      const { auth, issued, presented } = client({ baseUrl: BODY_API, transport: 'body', storage })
      await auth.login(DEMO)
      expect(calls).toEqual(['set'])
      await auth.refresh()
      expect(calls).toEqual(['set', 'get', 'set'])
      const tokens = issued('refreshToken')
      expect(values.map((token) => tokens.indexOf(token))).toEqual([0, 1])
      expect(presented('/refresh').map((token) => tokens.indexOf(token as string))).toEqual([0])

      await bodyMock.revokeAllSessions()
      await expect(auth.refresh()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
      expect(calls).toEqual(['set', 'get', 'set', 'get', 'remove'])
    })

    it('removes the refresh token on logout, after reading it for the logout call', async () => {
      const { storage, calls, current } = recordingStorage(async)
      const { auth, issued, presented } = client({ baseUrl: BODY_API, transport: 'body', storage })
      await auth.login(DEMO)
      await auth.logout()
      expect(calls).toEqual(['set', 'get', 'remove'])
      await Promise.resolve().then(() => Promise.resolve())
      expect(current()).toBeUndefined()
      // The server got the token to revoke.
      expect(presented('/logout').map((token) => token === issued('refreshToken')[0])).toEqual([true])
    })
  })
})

describe('errors', () => {
  it('a failed login carries neither the password nor the username anywhere in the error or its cause', async () => {
    const { auth } = client({ baseUrl: BODY_API, transport: 'body' })
    const credentials = { username: 'user1', password: 'a-password-that-is-wrong' }
    const error = await auth.login(credentials).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'LOGIN_FAILED', status: 400 })
    expect(contains(error, credentials.password)).toBe(false)
    expect(contains(error, credentials.username)).toBe(false)
  })

  it.each([
    ['refused (session expired)', { status: 401 }, 'SESSION_EXPIRED'],
    ['failing (server error)', { status: 500 }, 'REFRESH_FAILED'],
  ] as const)(
    'a %s refresh in the body transport carries no token in the error or its cause',
    async (_, failure, code) => {
      const { auth, issued } = client({ baseUrl: BODY_API, transport: 'body', refreshRetries: 0 })
      await auth.login(DEMO)
      bodyMock.failNextRefreshes(1, failure)
      const error = await auth.refresh().catch((caught: unknown) => caught)
      expect(error).toMatchObject({ code })
      // The cause is the server's answer, which can still be read.
      expect((error as Error).cause).toBeInstanceOf(Response)
      const tokens = [...issued('refreshToken'), ...issued('accessToken')]
      expect(tokens.length).toBeGreaterThanOrEqual(2)
      expect(tokens.some((token) => contains(error, token))).toBe(false)
    },
  )

  it('a storage adapter that throws on set does not fail the refresh: storageFailed carries its error, and the newest token is presented', async () => {
    const broken = new Error('disk full')
    const storage = {
      value: undefined as string | undefined,
      get() {
        return this.value
      },
      set(token: string) {
        if (this.value) throw broken
        this.value = token
      },
      remove() {
        this.value = undefined
      },
    }
    const { auth, issued, presented } = client({ baseUrl: BODY_API, transport: 'body', storage })
    const failures: unknown[] = []
    const storageFailures: unknown[] = []
    auth.on('refreshFailed', (error) => failures.push(error))
    auth.on('storageFailed', (error) => storageFailures.push(error))
    await auth.login(DEMO)
    await auth.refresh()
    await settle(() => storageFailures.length > 0, 'the storageFailed event')
    expect(storageFailures).toHaveLength(1)
    expect(storageFailures[0]).toMatchObject({ name: 'AuthError', code: 'STORAGE_FAILED', cause: broken })
    expect(failures).toEqual([])
    // The store still holds the spent (login) token; the second refresh presents the newest, from memory.
    await auth.refresh()
    const tokens = issued('refreshToken')
    expect(storage.value === tokens[0]).toBe(true)
    expect(presented('/refresh').map((token) => tokens.indexOf(token as string))).toEqual([0, 1])
    expect(bodyMock.requests.filter(({ route }) => route === '/refresh').map(({ status }) => status)).toEqual([
      200, 200,
    ])
    expect(await auth.api.get('protected').json()).toMatchObject({ user: { name: 'user1' } })
  })

  it('a storage adapter whose get throws, with no token in memory, fails the refresh with REFRESH_FAILED and its error as the cause', async () => {
    const broken = new Error('storage unavailable')
    const storage = {
      get(): string {
        throw broken
      },
      set() {},
      remove() {},
    }
    const { auth, exchanges } = client({ baseUrl: BODY_API, transport: 'body', storage })
    const failures: unknown[] = []
    auth.on('refreshFailed', (error) => failures.push(error))
    // A new client (a reload): only the adapter could hold a refresh token.
    const error = await auth.refresh().catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'AuthError', code: 'REFRESH_FAILED', cause: broken })
    await settle(() => failures.length > 0, 'the refreshFailed event')
    expect(failures).toEqual([error])
    expect(exchanges).toEqual([])
  })
})

describe('web storage', () => {
  /** A Storage double whose every call is recorded. */
  function spyStorage() {
    const data = new Map<string, string>()
    return {
      getItem: vi.fn((key: string) => data.get(key) ?? null),
      setItem: vi.fn((key: string, value: string) => {
        data.set(key, String(value))
      }),
      removeItem: vi.fn((key: string) => {
        data.delete(key)
      }),
      clear: vi.fn(() => data.clear()),
      key: vi.fn((index: number) => [...data.keys()][index] ?? null),
      get length() {
        return data.size
      },
    }
  }

  it.each([
    ['cookie', COOKIE_API],
    ['body', BODY_API],
  ] as const)('the %s transport never puts a token in localStorage or sessionStorage', async (transport, baseUrl) => {
    const localStorage = spyStorage()
    const sessionStorage = spyStorage()
    vi.stubGlobal('localStorage', localStorage)
    vi.stubGlobal('sessionStorage', sessionStorage)
    const { auth, issued } = client({ baseUrl, transport })
    const cookies: string[] = []
    const keepCookie = () => {
      const cookie = cookieMock.cookies.get('refreshToken')
      if (cookie) cookies.push(cookie)
    }
    await auth.login(DEMO)
    keepCookie()
    await auth.api.get('protected').json()
    await auth.refresh()
    keepCookie()
    await auth.logout()

    const tokens = [...issued('accessToken'), ...issued('refreshToken'), ...cookies]
    // Two access tokens, and two refresh tokens (in cookies or in bodies).
    expect(tokens).toHaveLength(4)
    const stored = [localStorage, sessionStorage].flatMap((storage) => storage.setItem.mock.calls.flat())
    expect(tokens.some((token) => stored.some((value) => contains(value, token)))).toBe(false)
    // Stronger still: the SDK does not use web storage at all.
    for (const storage of [localStorage, sessionStorage]) {
      expect(storage.setItem).not.toHaveBeenCalled()
      expect(storage.getItem).not.toHaveBeenCalled()
      expect(storage.removeItem).not.toHaveBeenCalled()
    }
  })
})
