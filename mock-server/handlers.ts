/**
 * The protocol app behind MSW handlers, with the controls edge-case tests need.
 * Works with `setupServer` (Node) and `setupWorker` (browser).
 */
import { type HttpHandler, HttpResponse, http } from 'msw'
import { type AuthApp, createAuthApp } from './app.ts'
import { createCookieJar } from './cookie-jar.ts'
import type { AuthAppOptions } from './options.ts'

/** The routes of the documented servers. */
export type AuthRoute = '/register' | '/login' | '/token' | '/refresh' | '/refresh-token' | '/logout' | '/protected'

/** The three names of the one refresh operation. */
export const REFRESH_ROUTES = ['/token', '/refresh', '/refresh-token'] as const satisfies readonly AuthRoute[]

/** Statuses whose responses cannot have a body (the Response constructor throws otherwise). */
const NULL_BODY_STATUSES = new Set([204, 205, 304])

const ROUTES = [
  ['post', '/register'],
  ['post', '/login'],
  ['post', '/token'],
  ['post', '/refresh'],
  ['post', '/refresh-token'],
  ['post', '/logout'],
  ['get', '/protected'],
] as const satisfies ReadonlyArray<readonly ['get' | 'post', AuthRoute]>

/** How an injected refresh failure answers. */
export type RefreshFailure =
  /** Answer with this status, and `body` (sent as JSON content) or a JSON error; 204, 205 and 304 take no body. */
  | { readonly status: number; readonly body?: string }
  /** Fail like a dropped connection. */
  | { readonly networkError: true }
  /** Wait this many milliseconds (on the timers, so fake timers control it), then answer normally. */
  | { readonly delay: number }

/** Options of {@link createAuthHandlers}: those of the app, and where its routes live. */
export interface AuthHandlersOptions extends Omit<AuthAppOptions, 'basePath'> {
  /** Where the auth routes live, such as `https://api.example.com` or `https://example.com/api/auth`. */
  readonly baseUrl: string
}

/** One request the handlers answered. */
export interface RecordedRequest {
  readonly method: string
  readonly route: AuthRoute
  /** The status answered, or `'network-error'`. */
  readonly status: number | 'network-error'
}

/** MSW handlers serving the protocol app, and the controls edge-case tests need. */
export interface AuthHandlers {
  /** Pass to `setupServer(...handlers)` or `setupWorker(...handlers)`. */
  readonly handlers: readonly HttpHandler[]
  /** The protocol app itself, for direct calls. */
  readonly app: AuthApp
  /** Every request answered so far, oldest first. */
  readonly requests: readonly RecordedRequest[]
  /** How many requests reached the given routes (all routes when none is given). */
  count(...routes: AuthRoute[]): number
  /** Makes the next `times` refreshes (under any of the three names) fail as described. */
  failNextRefreshes(times: number, failure: RefreshFailure): void
  /** Revokes every session server-side: refresh tokens and session-bound access tokens die. */
  revokeAllSessions(): Promise<void>
  /** Moves the server's clock forward (only the server's: the client's clock is untouched). */
  advanceClock(milliseconds: number): void
  /** The server's clock, in milliseconds. */
  now(): number
  /** The emulated browser cookie jar (the HttpOnly refresh cookie lives here). */
  readonly cookies: { get(name: string): string | undefined; clear(): void }
  /** Signs arbitrary claims with the access-token key, to craft edge-case tokens. */
  signAccessToken(claims: Record<string, unknown>): Promise<string>
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

function injectedResponse({ status, body }: { readonly status: number; readonly body?: string }): Response {
  if (NULL_BODY_STATUSES.has(status)) return new Response(null, { status })
  const text = body ?? JSON.stringify({ error: 'injected_failure', message: 'Injected by failNextRefreshes' })
  return new Response(text, { status, headers: { 'content-type': 'application/json' } })
}

/**
 * MSW handlers serving the documented auth routes from {@link createAuthApp}.
 *
 * @example
 * const auth = createAuthHandlers({ baseUrl: 'https://api.example.com', bcryptCost: 4 })
 * const server = setupServer(...auth.handlers)
 */
export function createAuthHandlers(options: AuthHandlersOptions): AuthHandlers {
  if (typeof options !== 'object' || options === null) throw new TypeError('The `options` argument must be an object')
  const base = validBaseUrl(options.baseUrl)
  const basePath = base.pathname.replace(/\/+$/, '')
  const baseClock = options.clock ?? (() => Date.now())
  if (typeof baseClock !== 'function')
    throw new TypeError('The `clock` option must be a function returning milliseconds')

  let offset = 0
  const now = () => baseClock() + offset
  // The page that installed the worker is trusted by definition; in Node there is none.
  const pageOrigin: string | undefined = globalThis.location?.origin
  const { baseUrl: _, ...appOptions } = options
  const createApp = () =>
    createAuthApp({
      ...appOptions,
      basePath,
      clock: now,
      allowedOrigins: [...(options.allowedOrigins ?? []), ...(pageOrigin && pageOrigin !== 'null' ? [pageOrigin] : [])],
    })

  let app = createApp()
  const jar = createCookieJar(now, pageOrigin)
  const requests: RecordedRequest[] = []
  const failures: RefreshFailure[] = []

  const answer = async (route: AuthRoute, request: Request): Promise<Response> => {
    const failure = (REFRESH_ROUTES as readonly string[]).includes(route) ? failures.shift() : undefined
    if (failure && 'networkError' in failure) {
      requests.push({ method: request.method, route, status: 'network-error' })
      return HttpResponse.error()
    }
    if (failure && 'delay' in failure) await new Promise((resolve) => setTimeout(resolve, failure.delay))
    const response =
      failure && 'status' in failure
        ? injectedResponse(failure)
        : await app.fetch(request, {
            read: () => jar.header(request),
            write: (setCookie) => jar.store(setCookie, request),
          })
    requests.push({ method: request.method, route, status: response.status })
    return response
  }

  const handlers = ROUTES.map(([method, route]) =>
    http[method](`${base.origin}${basePath}${route}`, ({ request }) => answer(route, request)),
  )

  return {
    handlers,
    get app() {
      return app
    },
    requests,
    count: (...routes) => requests.filter((request) => routes.length === 0 || routes.includes(request.route)).length,
    failNextRefreshes(times, failure) {
      if (!Number.isInteger(times) || times < 1) throw new TypeError('`times` must be a positive integer')
      const valid =
        typeof failure === 'object' &&
        failure !== null &&
        (('status' in failure &&
          Number.isInteger(failure.status) &&
          failure.status >= 200 &&
          failure.status <= 599 &&
          (failure.body === undefined ||
            (typeof failure.body === 'string' && !NULL_BODY_STATUSES.has(failure.status)))) ||
          ('networkError' in failure && failure.networkError === true) ||
          ('delay' in failure && Number.isFinite(failure.delay) && failure.delay >= 0))
      if (!valid) throw new TypeError('`failure` must be { status, body? }, { networkError: true } or { delay }')
      for (let index = 0; index < times; index++) failures.push(failure)
    },
    revokeAllSessions: () => app.revokeAllSessions(),
    advanceClock(milliseconds) {
      if (!Number.isFinite(milliseconds) || milliseconds < 0)
        throw new TypeError('`milliseconds` must be a non-negative number')
      offset += milliseconds
    },
    now,
    cookies: { get: (name) => jar.get(name), clear: () => jar.clear() },
    signAccessToken: (claims) => app.signAccessToken(claims),
    reset() {
      app = createApp()
      jar.clear()
      requests.length = 0
      failures.length = 0
      offset = 0
    },
  }
}
