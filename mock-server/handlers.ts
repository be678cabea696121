/**
 * The protocol app behind MSW handlers, with the controls edge-case tests need.
 * Works with `setupServer` (Node) and `setupWorker` (browser).
 */
import { type HttpHandler, HttpResponse, http } from 'msw'
import type { AuthApp } from './app.ts'
import { createCookieJar } from './cookie-jar.ts'
import { createDirectFetch, type FetchFunction } from './direct-fetch.ts'
import type { AuthAppOptions } from './options.ts'
import { syncHmacSha256 } from './sync-hmac.ts'
import { createTestKit, ROUTES, type TestControls } from './test-kit.ts'

export type { RefreshFailure } from './failures.ts'
export { type AuthRoute, type QueuedFailure, REFRESH_ROUTES, type RecordedRequest } from './test-kit.ts'

/**
 * Options of {@link createAuthHandlers}: those of the app, and where its routes live. `hmac` defaults to a synchronous
 * HMAC-SHA-256 in plain JavaScript rather than Web Crypto's, so that no answer waits on real asynchronous work that a
 * fake clock could overtake.
 */
export interface AuthHandlersOptions extends Omit<AuthAppOptions, 'basePath'> {
  /** Where the auth routes live, such as `https://api.example.com` or `https://example.com/api/auth`. */
  readonly baseUrl: string
}

/** MSW handlers serving the protocol app, and the controls edge-case tests need. */
export interface AuthHandlers extends TestControls {
  /** Pass to `setupServer(...handlers)` or `setupWorker(...handlers)`. */
  readonly handlers: readonly HttpHandler[]
  /** The protocol app itself, for direct calls. */
  readonly app: AuthApp
  /**
   * A `fetch` that calls the app directly, without MSW: pass it as the SDK's `fetch` option. Requests to the
   * auth routes are answered like the handlers answer them (same controls, cookies and records); any other
   * request goes to `globalThis.fetch`. Its memory stays flat over any number of requests, where MSW 3 in Node
   * keeps about 51 KB per intercepted request.
   */
  readonly fetch: FetchFunction
  /** The emulated browser cookie jar (the HttpOnly refresh cookie lives here). */
  readonly cookies: { get(name: string): string | undefined; clear(): void }
  /**
   * Forgets requests, failures, cookies and the clock offset, and with the default store every user and
   * session but the demo user. A `store` you passed in is kept as it is: clear it yourself.
   */
  reset(): void
}

function validBaseUrl(value: unknown): URL {
  try {
    if (typeof value === 'string') {
      const url = new URL(value)
      // The path becomes the app's `basePath`, so it must be one the app accepts (an error naming `basePath` would puzzle).
      const pathOk = /^(\/[\w.~-]+)*\/?$/.test(url.pathname)
      if ((url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash && pathOk) return url
    }
  } catch {}
  throw new TypeError('The `baseUrl` option must be an absolute http(s) URL such as "https://api.example.com"')
}

function clockOf(clock: unknown): () => number {
  if (clock === undefined) return () => Date.now()
  if (typeof clock !== 'function') throw new TypeError('The `clock` option must be a function returning milliseconds')
  return clock as () => number
}

/**
 * MSW handlers serving the documented auth routes from {@link createAuthApp}.
 * Failed logins are not throttled unless `loginThrottle` is given, so tests may fail logins at will.
 *
 * @example
 * const auth = createAuthHandlers({ baseUrl: 'https://api.example.com', bcryptCost: 4 })
 * const server = setupServer(...auth.handlers)
 */
export function createAuthHandlers(options: AuthHandlersOptions): AuthHandlers {
  if (typeof options !== 'object' || options === null) throw new TypeError('The `options` argument must be an object')
  const base = validBaseUrl(options.baseUrl)
  const basePath = base.pathname.replace(/\/+$/, '')
  // The page that installed the worker is trusted by definition; in Node there is none.
  const pageOrigin: string | undefined = globalThis.location?.origin
  const { baseUrl: _, ...appOptions } = options
  const kit = createTestKit(
    {
      loginThrottle: false,
      // Synchronous, so that an answer involves no real asynchronous work a fake clock could overtake.
      hmac: syncHmacSha256,
      ...appOptions,
      basePath,
      allowedOrigins: [...(options.allowedOrigins ?? []), ...(pageOrigin && pageOrigin !== 'null' ? [pageOrigin] : [])],
    },
    clockOf(options.clock),
    { noticeJumps: true },
  )
  const jar = createCookieJar(kit.now, pageOrigin)

  const handlers = ROUTES.map(([method, route]) =>
    http[method](`${base.origin}${basePath}${route}`, ({ request }) =>
      kit.answer(route, request, {
        cookies: { read: () => jar.header(request), write: (setCookie) => jar.store(setCookie, request) },
        networkError: () => HttpResponse.error(),
      }),
    ),
  )

  return {
    handlers,
    fetch: createDirectFetch(kit, jar, `${base.origin}${basePath}`),
    get app() {
      return kit.app
    },
    requests: kit.requests,
    count: kit.count,
    failNextRefreshes: kit.failNextRefreshes,
    slowRefreshes: kit.slowRefreshes,
    hangRefreshes: kit.hangRefreshes,
    loseNextRefreshAnswer: kit.loseNextRefreshAnswer,
    revokeAllSessions: kit.revokeAllSessions,
    revokeSessionsOf: kit.revokeSessionsOf,
    expireAccessTokens: kit.expireAccessTokens,
    endSessionsByLifetime: kit.endSessionsByLifetime,
    advanceClock: kit.advanceClock,
    advanceTime: kit.advanceTime,
    now: kit.now,
    cookies: { get: (name) => jar.get(name), clear: () => jar.clear() },
    signAccessToken: kit.signAccessToken,
    reset() {
      kit.reset()
      jar.clear()
    },
  }
}
