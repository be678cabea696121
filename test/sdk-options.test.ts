/**
 * The options: each one validated when the client is created, each default
 * as documented (observed through behaviour), the SDK's neutrality towards
 * its runtime, and `auth.fetch` as a drop-in fetch for another API client.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { HttpResponse, http } from 'msw'
import type { SetupServer } from 'msw/node'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AuthHandlers } from '../mock-server/index.ts'
import { type AuthClient, type AuthClientOptions, createAuthClient } from '../src/index.ts'
import { recordingFetch } from './support/exchanges.ts'
import { API, DEMO, installFakeClock, mockServersWithMsw } from './support/sdk.ts'
import { drive, flushDue, settle } from './support/time.ts'

const PATHS_API = 'https://paths.example.test/api'

const {
  mocks: [apiMock, pathsMock],
  server,
} = mockServersWithMsw({ baseUrl: API, accessTokenTtl: 60 }, { baseUrl: PATHS_API, accessTokenTtl: 600 }) as {
  mocks: [AuthHandlers, AuthHandlers]
  server: SetupServer
}

// Fake timers throughout, so that no scheduled refresh outlives its test.
beforeEach(() => {
  installFakeClock()
})
afterEach(() => {
  vi.unstubAllGlobals()
})

/** Creates a client from options that may be of any shape. */
const create = (options: unknown) => createAuthClient(options as AuthClientOptions)
const base = { baseUrl: 'https://x.test' }
const noop = () => {}
const adapter = { get: () => null, set: noop, remove: noop }
const adapterWithExtras = { ...adapter, name: 'mine' }

describe('validation at creation', () => {
  /** What each option's TypeError says: the option's name and what it must be, never the value given. */
  const MESSAGES = {
    options: '`options` must be an object with at least `baseUrl`',
    baseUrl: '`baseUrl` must be an http(s) URL without credentials, absolute or relative to the page',
    transport: "`transport` must be 'cookie' or 'body'",
    refreshOn: '`refreshOn` must be a list of HTTP statuses from 400 to 599',
    refreshMargin: '`refreshMargin` must be an integer number of milliseconds from 0 to 2147483647',
    refreshRetries: '`refreshRetries` must be an integer from 0 to 5',
    timeout: '`timeout` must be an integer number of milliseconds from 1 to 2147483647',
    allowedOrigins:
      "`allowedOrigins` must be a list of origins such as 'https://files.example.com' (no path, wildcard or credentials)",
    endpoints: '`endpoints` must be an object of route paths',
    'endpoints.login': '`endpoints.login` must be a non-empty path',
    'endpoints.refresh': '`endpoints.refresh` must be a non-empty path',
    'endpoints.logout': '`endpoints.logout` must be a non-empty path, or false',
    storage: '`storage` must be an object with get, set and remove methods',
    fetch: '`fetch` must be a function',
  } as const
  const STORAGE_WITH_COOKIES = '`storage` is for the body transport only'

  /** [what, the name the message must give, options, the whole message] */
  const invalid: Array<[string, string, unknown, string]> = (
    [
      ['options: null', 'options', null],
      ['options: undefined', 'options', undefined],
      ['options: a string', 'options', 'https://x.test'],
      ['options: a number', 'options', 42],
      ['options: a function', 'options', () => base],
      ['baseUrl missing', 'baseUrl', {}],
      ['baseUrl empty', 'baseUrl', { baseUrl: '' }],
      ['baseUrl garbage', 'baseUrl', { baseUrl: 'not a url at all' }],
      ['baseUrl relative without a page', 'baseUrl', { baseUrl: '/api' }],
      ['baseUrl ftp:', 'baseUrl', { baseUrl: 'ftp://x.test' }],
      ['baseUrl file:', 'baseUrl', { baseUrl: 'file:///etc/passwd' }],
      ['baseUrl javascript:', 'baseUrl', { baseUrl: 'javascript:alert(1)' }],
      ['baseUrl data:', 'baseUrl', { baseUrl: 'data:text/plain,x' }],
      ['baseUrl a number', 'baseUrl', { baseUrl: 42 }],
      ['baseUrl null', 'baseUrl', { baseUrl: null }],
      ['baseUrl with a user and a password', 'baseUrl', { baseUrl: 'https://user:pass@x.test/api' }],
      ['baseUrl with a user only', 'baseUrl', { baseUrl: 'https://user@x.test' }],
      ['baseUrl a URL object with credentials', 'baseUrl', { baseUrl: new URL('https://user:pass@x.test') }],
      ['endpoints.login empty', 'endpoints.login', { ...base, endpoints: { login: '' } }],
      ['endpoints.login a number', 'endpoints.login', { ...base, endpoints: { login: 1 } }],
      ['endpoints.login false', 'endpoints.login', { ...base, endpoints: { login: false } }],
      ['endpoints.login null', 'endpoints.login', { ...base, endpoints: { login: null } }],
      ['endpoints.refresh empty', 'endpoints.refresh', { ...base, endpoints: { refresh: '' } }],
      ['endpoints.refresh an object', 'endpoints.refresh', { ...base, endpoints: { refresh: {} } }],
      ['endpoints.refresh false', 'endpoints.refresh', { ...base, endpoints: { refresh: false } }],
      ['endpoints.logout empty', 'endpoints.logout', { ...base, endpoints: { logout: '' } }],
      ['endpoints.logout true', 'endpoints.logout', { ...base, endpoints: { logout: true } }],
      ['endpoints.logout 0', 'endpoints.logout', { ...base, endpoints: { logout: 0 } }],
      // `null` is not `false`: taking it as the default route would call a logout route the server may not have.
      ['endpoints.logout null', 'endpoints.logout', { ...base, endpoints: { logout: null } }],
      ['endpoints a string', 'endpoints', { ...base, endpoints: 'login' }],
      ['transport unknown', 'transport', { ...base, transport: 'header' }],
      ['transport upper case', 'transport', { ...base, transport: 'COOKIE' }],
      ['transport a number', 'transport', { ...base, transport: 1 }],
      ['refreshOn empty (no status left to refresh on)', 'refreshOn', { ...base, refreshOn: [] }],
      ['refreshOn a fraction', 'refreshOn', { ...base, refreshOn: [401.5] }],
      ['refreshOn a string status', 'refreshOn', { ...base, refreshOn: ['401'] }],
      ['refreshOn NaN', 'refreshOn', { ...base, refreshOn: [Number.NaN] }],
      ['refreshOn 399', 'refreshOn', { ...base, refreshOn: [399] }],
      ['refreshOn 600', 'refreshOn', { ...base, refreshOn: [401, 600] }],
      ['refreshOn 200', 'refreshOn', { ...base, refreshOn: [200] }],
      ['refreshOn null entry', 'refreshOn', { ...base, refreshOn: [null] }],
      ['refreshMargin negative', 'refreshMargin', { ...base, refreshMargin: -1 }],
      ['refreshMargin a fraction', 'refreshMargin', { ...base, refreshMargin: 1.5 }],
      ['refreshMargin NaN', 'refreshMargin', { ...base, refreshMargin: Number.NaN }],
      ['refreshMargin Infinity', 'refreshMargin', { ...base, refreshMargin: Number.POSITIVE_INFINITY }],
      ['refreshMargin above the timer maximum', 'refreshMargin', { ...base, refreshMargin: 2 ** 31 }],
      ['refreshMargin a string', 'refreshMargin', { ...base, refreshMargin: '1000' }],
      ['refreshRetries negative', 'refreshRetries', { ...base, refreshRetries: -1 }],
      ['refreshRetries 6', 'refreshRetries', { ...base, refreshRetries: 6 }],
      ['refreshRetries a fraction', 'refreshRetries', { ...base, refreshRetries: 1.5 }],
      ['refreshRetries a string', 'refreshRetries', { ...base, refreshRetries: '2' }],
      ['timeout 0 (an attempt that could never answer)', 'timeout', { ...base, timeout: 0 }],
      ['timeout negative', 'timeout', { ...base, timeout: -1 }],
      ['timeout a fraction', 'timeout', { ...base, timeout: 1.5 }],
      ['timeout NaN', 'timeout', { ...base, timeout: Number.NaN }],
      ['timeout Infinity', 'timeout', { ...base, timeout: Number.POSITIVE_INFINITY }],
      ['timeout above the timer maximum', 'timeout', { ...base, timeout: 2 ** 31 }],
      ['timeout a string', 'timeout', { ...base, timeout: '10000' }],
      ['timeout false (as ky takes it, to turn the timeout off)', 'timeout', { ...base, timeout: false }],
      ['allowedOrigins garbage entry', 'allowedOrigins', { ...base, allowedOrigins: ['not a url'] }],
      ['allowedOrigins empty entry', 'allowedOrigins', { ...base, allowedOrigins: [''] }],
      ['allowedOrigins ftp: entry', 'allowedOrigins', { ...base, allowedOrigins: ['ftp://files.test'] }],
      ['allowedOrigins a number entry', 'allowedOrigins', { ...base, allowedOrigins: ['https://ok.test', 42] }],
      ['allowedOrigins a wildcard subdomain', 'allowedOrigins', { ...base, allowedOrigins: ['https://*.cdn.test'] }],
      ['allowedOrigins a bare wildcard', 'allowedOrigins', { ...base, allowedOrigins: ['*'] }],
      ['allowedOrigins a path', 'allowedOrigins', { ...base, allowedOrigins: ['https://cdn.test/files'] }],
      [
        'allowedOrigins a path with a trailing slash',
        'allowedOrigins',
        { ...base, allowedOrigins: ['https://cdn.test/files/'] },
      ],
      ['allowedOrigins credentials', 'allowedOrigins', { ...base, allowedOrigins: ['https://user:pass@cdn.test'] }],
      ['allowedOrigins a user only', 'allowedOrigins', { ...base, allowedOrigins: ['https://user@cdn.test'] }],
      ['allowedOrigins a query', 'allowedOrigins', { ...base, allowedOrigins: ['https://cdn.test?key=1'] }],
      ['allowedOrigins an empty query', 'allowedOrigins', { ...base, allowedOrigins: ['https://cdn.test/?'] }],
      ['allowedOrigins a fragment', 'allowedOrigins', { ...base, allowedOrigins: ['https://cdn.test/#top'] }],
      ['storage empty object', 'storage', { ...base, transport: 'body', storage: {} }],
      ['storage without remove', 'storage', { ...base, transport: 'body', storage: { get: noop, set: noop } }],
      [
        'storage with a non-function method',
        'storage',
        { ...base, transport: 'body', storage: { ...adapter, remove: 'x' } },
      ],
      ['storage a string', 'storage', { ...base, transport: 'body', storage: 'localStorage' }],
      ['storage false (as in `isBrowser && adapter`)', 'storage', { ...base, transport: 'body', storage: false }],
      [
        'storage with the cookie transport',
        'storage',
        { ...base, transport: 'cookie', storage: adapter },
        STORAGE_WITH_COOKIES,
      ],
      ['storage with the default (cookie) transport', 'storage', { ...base, storage: adapter }, STORAGE_WITH_COOKIES],
      ['fetch a string', 'fetch', { ...base, fetch: 'fetch' }],
      ['fetch an object', 'fetch', { ...base, fetch: {} }],
      ['fetch false (as in `isTest && fakeFetch`)', 'fetch', { ...base, fetch: false }],
    ] as Array<[string, keyof typeof MESSAGES, unknown, string?]>
  ).map(([what, name, options, message]) => [what, name, options, message ?? MESSAGES[name]])

  it.each(invalid)('%s: throws a TypeError naming `%s` and what it must be', (_, name, options, message) => {
    let error: unknown
    try {
      create(options)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message.startsWith(`\`${name}\` `)).toBe(true)
    expect((error as Error).message).toBe(message)
  })

  /** [what, options]: each bad value carries the marker `hunter2`, which no message may repeat. */
  const secretish: Array<[string, unknown]> = [
    ['a baseUrl with a password and a bad port', { baseUrl: 'https://user:hunter2@x.test:99999/' }],
    ['a baseUrl with a password', { baseUrl: 'https://user:hunter2@x.test/api' }],
    ['a baseUrl that is no URL', { baseUrl: 'hunter2' }],
    ['an allowed origin that is no URL', { ...base, allowedOrigins: ['hunter2'] }],
    ['an allowed origin with a password', { ...base, allowedOrigins: ['https://user:hunter2@cdn.test'] }],
    ['an allowed origin with a query', { ...base, allowedOrigins: ['https://cdn.test?key=hunter2'] }],
    ['an allowed origin with a path', { ...base, allowedOrigins: ['https://cdn.test/hunter2'] }],
    ['an allowed origin with a wildcard', { ...base, allowedOrigins: ['https://*.hunter2.test'] }],
    ['a transport', { ...base, transport: 'hunter2' }],
    ['a refreshOn entry', { ...base, refreshOn: ['hunter2'] }],
    ['a timeout', { ...base, timeout: 'hunter2' }],
    ['an endpoints object', { ...base, endpoints: 'hunter2' }],
    ['a storage', { ...base, transport: 'body', storage: 'hunter2' }],
    ['a storage with the cookie transport', { ...base, storage: { ...adapter, name: 'hunter2' } }],
    ['a fetch', { ...base, fetch: 'hunter2' }],
  ]

  it.each(secretish)('never puts the bad value in the message: %s', (_, options) => {
    let error: unknown
    try {
      create(options)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(TypeError)
    expect([...Object.values(MESSAGES), STORAGE_WITH_COOKIES]).toContain((error as Error).message)
    expect(String(error)).not.toContain('hunter2')
    expect((error as Error).stack ?? '').not.toContain('hunter2')
  })

  /** [what, options] */
  const valid: Array<[string, AuthClientOptions]> = [
    ['http on localhost with a port', { baseUrl: 'http://localhost:3000' }],
    ['a path with a trailing slash', { baseUrl: 'https://x.test/api/v1/' }],
    ['a URL object', { baseUrl: new URL('https://x.test/api') }],
    ['an upper-case scheme and host', { baseUrl: 'HTTPS://X.TEST' }],
    ['logout: false', { ...base, endpoints: { logout: false } }],
    ['endpoints given in part', { ...base, endpoints: { refresh: 'auth/refresh-token' } }],
    ['an absolute endpoint path', { ...base, endpoints: { login: '/auth/login' } }],
    ['transport body', { ...base, transport: 'body' }],
    ['transport cookie', { ...base, transport: 'cookie' }],
    ['refreshOn of one status', { ...base, refreshOn: [419] }],
    ['refreshOn at both bounds', { ...base, refreshOn: [400, 599] }],
    ['refreshMargin 0', { ...base, refreshMargin: 0 }],
    ['refreshMargin at the timer maximum', { ...base, refreshMargin: 2 ** 31 - 1 }],
    ['refreshRetries 0', { ...base, refreshRetries: 0 }],
    ['refreshRetries 5', { ...base, refreshRetries: 5 }],
    ['timeout 1', { ...base, timeout: 1 }],
    ['timeout at the timer maximum', { ...base, timeout: 2 ** 31 - 1 }],
    ['allowedOrigins empty', { ...base, allowedOrigins: [] }],
    ['allowedOrigins with ports and a trailing slash', { ...base, allowedOrigins: ['http://localhost:5173/'] }],
    ['allowedOrigins with an explicit default port', { ...base, allowedOrigins: ['https://files.example.com:443'] }],
    [
      'an asynchronous storage adapter (body transport)',
      { ...base, transport: 'body', storage: { get: async () => 'x', set: async () => {}, remove: async () => {} } },
    ],
    [
      'a storage adapter with extra members (body transport)',
      { ...base, transport: 'body', storage: adapterWithExtras },
    ],
    ['a fetch function', { ...base, fetch: async () => new Response() }],
  ]

  it.each(valid)('accepts %s', (_, options) => {
    const auth = createAuthClient(options)
    expect(typeof auth.fetch).toBe('function')
  })

  it('takes an option given as `undefined` as its default (as ky does, and as the types allow)', () => {
    // Without `exactOptionalPropertyTypes` (the TypeScript default), `{ refreshRetries: undefined }`
    // type-checks; it also comes naturally from spreading configuration: `{ refreshRetries: config.retries }`.
    const names = [
      'endpoints',
      'transport',
      'refreshOn',
      'refreshMargin',
      'allowedOrigins',
      'storage',
      'refreshRetries',
      'timeout',
      'fetch',
    ]
    const refused = names.filter((name) => {
      try {
        create({ ...base, [name]: undefined })
        return false
      } catch {
        return true
      }
    })
    expect(refused).toEqual([])
    expect(() =>
      create({ ...base, endpoints: { login: undefined, refresh: undefined, logout: undefined } }),
    ).not.toThrow()
  })

  it('on() refuses an unknown event, listing the events it takes, or a listener that is not a function, with a TypeError', () => {
    const auth = createAuthClient(base)
    const messages = new Set<string>()
    for (const event of ['refresh', 'expired', 'toString', '__proto__', '']) {
      let error: unknown
      try {
        auth.on(event as 'refreshed', noop)
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(TypeError)
      messages.add((error as Error).message)
    }
    expect(messages.size).toBe(1)
    const [message] = [...messages] as [string]
    // The documented events, in this order; any later addition must be listed too.
    expect(message).toMatch(/^`event` must be one of refreshed, sessionExpired, refreshFailed, storageFailed(, \w+)*$/)
    // The message says exactly what is taken: every event it lists is accepted.
    const listed = message.replace('`event` must be one of ', '').split(', ')
    for (const event of listed) expect(typeof auth.on(event as 'refreshed', noop)).toBe('function')
    for (const listener of [undefined, null, 'listener', {}]) {
      expect(() => auth.on('refreshed', listener as never)).toThrow(new TypeError('`listener` must be a function'))
    }
  })

  it('login() refuses credentials that are not an object, with a TypeError naming `credentials`', async () => {
    const auth = createAuthClient({ baseUrl: API })
    for (const credentials of [null, undefined, 'user1:password123']) {
      await expect(auth.login(credentials as never)).rejects.toThrow(
        new TypeError('`credentials` must be an object, such as { username, password }'),
      )
    }
    expect(apiMock.count('/login')).toBe(0)
  })
})

describe('defaults', () => {
  it('adds a trailing slash to baseUrl and uses login, refresh and logout under it', async () => {
    const { fetch, exchanges } = recordingFetch()
    const auth = createAuthClient({ baseUrl: PATHS_API, fetch }) // no trailing slash
    await auth.login(DEMO)
    await auth.api.get('protected').json()
    await auth.refresh()
    await auth.logout()
    expect(exchanges.map(({ method, route }) => `${method} ${route}`)).toEqual([
      'POST /api/login',
      'GET /api/protected',
      'POST /api/refresh',
      'POST /api/logout',
    ])
    expect(pathsMock.count()).toBe(4)
  })

  it("uses the cookie transport: credentials 'include' on the auth calls, no refresh token in the body", async () => {
    const { fetch, exchanges } = recordingFetch()
    const auth = createAuthClient({ baseUrl: API, fetch })
    await auth.login(DEMO)
    await auth.refresh()
    expect(exchanges.map(({ route, credentials, sent }) => [route, credentials, sent === ''])).toEqual([
      ['/login', 'include', false],
      ['/refresh', 'include', true],
    ])
  })

  it('refreshes on 401 and replays, but lets a 403 through (refreshOn: [401])', async () => {
    server.use(http.get(`${API}/forbidden`, () => HttpResponse.json({ error: 'forbidden' }, { status: 403 })))
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    apiMock.advanceClock(61_000) // expired for the server only
    expect(await flushDue(auth.api.get('protected').json())).toMatchObject({ user: { name: 'user1' } })
    expect(apiMock.count('/refresh')).toBe(1)
    await expect(auth.api.get('forbidden')).rejects.toMatchObject({ response: { status: 403 } })
    expect((await auth.fetch('forbidden')).status).toBe(403)
    expect(apiMock.count('/refresh')).toBe(1)
  })

  it('refreshes 30 s before the conservative expiry (refreshMargin: 30000): at 569 s for a 600 s token', async () => {
    const started: string[] = [] // recorded when the SDK calls fetch, before any I/O
    const fetch: typeof globalThis.fetch = (input, init) => {
      started.push(new URL(input instanceof Request ? input.url : String(input)).pathname)
      return globalThis.fetch(input, init)
    }
    // 600 s tokens: a quarter is more than 30 s. The token counts as living 599 s (`iat` is whole
    // seconds) from the moment the login was sent, so the refresh is due at 599 - 30 = 569 s.
    const auth = createAuthClient({ baseUrl: PATHS_API, fetch })
    await auth.login(DEMO)
    await vi.advanceTimersByTimeAsync(568_999)
    expect(started).toEqual(['/api/login'])
    await vi.advanceTimersByTimeAsync(1)
    expect(started).toEqual(['/api/login', '/api/refresh'])
    await settle(() => pathsMock.count('/refresh') === 1, 'the proactive refresh at 569 s')
  })

  /**
   * An API answered in-process (no sockets): the fake clock can then race ahead
   * without real I/O falling behind it. Login hands out an opaque token (no
   * expiry, so nothing is scheduled); `/refresh` answers with `refresh`.
   */
  function inProcessApi(refresh: (request: Request) => Promise<Response>, options: Partial<AuthClientOptions> = {}) {
    const routes: string[] = []
    const fetch = async (request: Request) => {
      const route = new URL(request.url).pathname
      routes.push(route)
      return route === '/refresh' ? refresh(request) : Response.json({ accessToken: 'opaque' })
    }
    const auth = createAuthClient({
      baseUrl: 'https://in-process.test',
      fetch: fetch as typeof globalThis.fetch,
      ...options,
    })
    return { auth, refreshes: () => routes.filter((route) => route === '/refresh').length }
  }

  it('retries a transiently failing refresh twice (refreshRetries: 2)', async () => {
    let failures = 3
    const { auth, refreshes } = inProcessApi(async () =>
      failures-- > 0 ? new Response(null, { status: 503 }) : Response.json({ accessToken: 'opaque' }),
    )
    await auth.login(DEMO)
    await expect(drive(auth.refresh())).rejects.toMatchObject({ code: 'REFRESH_FAILED', status: 503 })
    expect(refreshes()).toBe(3)
    failures = 2
    await drive(auth.refresh())
    expect(refreshes()).toBe(6)
  })

  /** An in-process refresh route that never answers: each attempt ends when its timeout aborts it. */
  function neverAnsweringRefresh(options: Partial<AuthClientOptions> = {}) {
    const abortedAt: number[] = []
    const start = Date.now()
    const { auth, refreshes } = inProcessApi(
      (request) =>
        new Promise((_, reject) => {
          request.signal.addEventListener('abort', () => {
            abortedAt.push(Date.now() - start)
            reject(request.signal.reason)
          })
        }),
      options,
    )
    return { auth, refreshes, abortedAt }
  }

  it('gives each auth call attempt 10 s to answer (timeout: 10000)', async () => {
    const { auth, refreshes, abortedAt } = neverAnsweringRefresh()
    await auth.login(DEMO)
    const refresh = auth.refresh()
    refresh.catch(() => {})
    await settle(() => refreshes() === 1, 'the first refresh attempt')
    await vi.advanceTimersByTimeAsync(9_999)
    expect(abortedAt).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(abortedAt).toEqual([10_000])
    // Then the retries, each with its own 10 s, and the failure.
    await expect(drive(refresh)).rejects.toMatchObject({ code: 'REFRESH_FAILED', cause: { name: 'TimeoutError' } })
    expect(refreshes()).toBe(3)
  })

  it('`timeout` sets how long each auth call attempt may take to answer', async () => {
    const { auth, refreshes, abortedAt } = neverAnsweringRefresh({ timeout: 2_000, refreshRetries: 0 })
    await auth.login(DEMO)
    const refresh = auth.refresh()
    refresh.catch(() => {})
    await settle(() => refreshes() === 1, 'the refresh attempt')
    await vi.advanceTimersByTimeAsync(1_999)
    expect(abortedAt).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(abortedAt).toEqual([2_000])
    await expect(drive(refresh)).rejects.toMatchObject({ code: 'REFRESH_FAILED', cause: { name: 'TimeoutError' } })
    expect(refreshes()).toBe(1)
  })

  it('sends the token to baseUrl’s origin only (allowedOrigins: [])', async () => {
    const authorized: boolean[] = []
    server.use(
      http.get('https://files.example.test/*', ({ request }) => {
        authorized.push(request.headers.has('authorization'))
        return HttpResponse.json({})
      }),
    )
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    await auth.fetch('https://files.example.test/report')
    expect(authorized).toEqual([false])
  })

  it('looks globalThis.fetch up on each request (fetch: globalThis.fetch)', async () => {
    const auth = createAuthClient({ baseUrl: API }) // created before the stub
    const realFetch = globalThis.fetch
    const seen: string[] = []
    vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push(input instanceof Request ? input.url : String(input))
      return realFetch(input, init)
    })
    await auth.login(DEMO)
    await auth.fetch('protected')
    expect(seen).toEqual([`${API}/login`, `${API}/protected`])
  })
})

describe('runtime neutrality', () => {
  it('importing touches no DOM or Node global; creating a client reads only `location` and `document`', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(23) // type stripping
    const probe = fileURLToPath(new URL('./support/runtime-neutrality-probe.mjs', import.meta.url))
    const entry = pathToFileURL(fileURLToPath(new URL('../src/index.ts', import.meta.url))).href
    // Throws if the child exits non-zero.
    const output = execFileSync(process.execPath, [probe, entry], { encoding: 'utf8', timeout: 15_000 })
    const result = JSON.parse(output) as {
      hits: Array<{ phase: string; name: string }>
      urls: string[]
      error?: string
    }
    expect(result.error).toBeUndefined()
    // Import and use: nothing at all. Creation: `location`, because `baseUrl` may be relative to the page
    // (`globalThis.location?.href`, so runtimes without one are fine), and `document`, which tells a page (where
    // tabs are coordinated and the page's lifecycle is watched) from elsewhere. Acceptable: it happens when the
    // application creates its client, never at import, and reads nothing else.
    expect(result.hits).toEqual([
      { phase: 'create', name: 'location' },
      { phase: 'create', name: 'document' },
      { phase: 'create', name: 'document' },
      { phase: 'relative', name: 'location' },
      { phase: 'relative', name: 'document' },
      { phase: 'relative', name: 'document' },
    ])
    expect(result.urls).toEqual([
      'https://x.test/login',
      'https://x.test/data',
      'https://x.test/data',
      'https://x.test/logout',
      'https://app.test/shop/api/items',
    ])
  })
})

/** A minimal fetch-based client in the style of openapi-fetch: builds a Request, never throws on a status. */
function createTodoClient({ fetch, baseUrl }: { fetch: typeof globalThis.fetch; baseUrl: string }) {
  const call = async (method: string, path: string, body?: unknown) => {
    const request = new Request(new URL(path, baseUrl), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    })
    const response = await fetch(request)
    const data: unknown = response.headers.get('content-type')?.includes('json') ? await response.json() : undefined
    return response.ok ? { data, response } : { error: data, response }
  }
  return {
    GET: (path: string) => call('GET', path),
    POST: (path: string, body: unknown) => call('POST', path, body),
  }
}

describe('auth.fetch as the fetch of another API client', () => {
  /** What the todo API received: whether the token was current, and the body. */
  let received: Array<{ method: string; valid: boolean; body: string }> = []

  /** A todo API that checks the Bearer token with the mock's own /protected route. */
  function serveTodos(): void {
    received = []
    const todos = async ({ request }: { request: Request }) => {
      const check = await apiMock.app.fetch(
        new Request(`${API}/protected`, { headers: { authorization: request.headers.get('authorization') ?? '' } }),
      )
      received.push({ method: request.method, valid: check.ok, body: await request.text() })
      if (!check.ok) return check
      return request.method === 'POST' ? HttpResponse.json({ id: 2 }, { status: 201 }) : HttpResponse.json([{ id: 1 }])
    }
    server.use(
      http.get(`${API}/todos`, todos),
      http.post(`${API}/todos`, todos),
      http.get(`${API}/todos/:id`, () => HttpResponse.json({ error: 'not found' }, { status: 404 })),
      http.get(`${API}/boom`, () => HttpResponse.json({ error: 'boom' }, { status: 500 })),
    )
  }

  async function todoClient(): Promise<{ auth: AuthClient; todos: ReturnType<typeof createTodoClient> }> {
    serveTodos()
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    return { auth, todos: createTodoClient({ fetch: auth.fetch, baseUrl: API }) }
  }

  it('gets the Bearer token', async () => {
    const { todos } = await todoClient()
    expect(await todos.GET('todos')).toMatchObject({ data: [{ id: 1 }] })
    expect(received).toEqual([{ method: 'GET', valid: true, body: '' }])
  })

  it('refreshes on 401 and replays the request, body included', async () => {
    const { todos } = await todoClient()
    apiMock.advanceClock(61_000)
    expect(await flushDue(todos.POST('todos', { title: 'milk' }))).toMatchObject({ data: { id: 2 } })
    expect(apiMock.count('/refresh')).toBe(1)
    expect(received).toEqual([
      { method: 'POST', valid: false, body: '{"title":"milk"}' },
      { method: 'POST', valid: true, body: '{"title":"milk"}' },
    ])
  })

  it('answers 404 and 500 with a Response, as fetch does: no HTTPError, no refresh', async () => {
    const { todos } = await todoClient()
    const missing = await todos.GET('todos/99')
    expect(missing.response).toBeInstanceOf(Response)
    expect(missing).toMatchObject({ error: { error: 'not found' }, response: { status: 404, ok: false } })
    const broken = await todos.GET('boom')
    expect(broken).toMatchObject({ error: { error: 'boom' }, response: { status: 500 } })
    expect(apiMock.count('/refresh')).toBe(0)
  })

  it('rejects, as fetch does, rather than throwing synchronously, for a URL it cannot send', async () => {
    const auth = createAuthClient({ baseUrl: API })
    // fetch() never throws synchronously: `auth.fetch(url).catch(handle)` must be able to handle this.
    for (const url of ['https://user:pass@api.example.test/x', 'http://[::1']) {
      let result: Promise<Response> | undefined
      expect(() => {
        result = auth.fetch(url)
      }).not.toThrow()
      await expect(result).rejects.toThrow(TypeError)
    }
  })
})
