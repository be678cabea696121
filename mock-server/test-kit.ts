/**
 * The test controls around one protocol app, whatever carries its requests: MSW
 * handlers (handlers.ts) and the real server's `/__control` API (control.ts) both
 * answer through a kit, so a control behaves the same through either.
 */
import { type AuthApp, type ClientConnection, type CookieChannel, createAuthApp } from './app.ts'
import { FAILURE_EXPECTED, injectedResponse, isRefreshFailure, type RefreshFailure } from './failures.ts'
import type { AuthAppOptions } from './options.ts'

/** The routes of the documented servers. */
export type AuthRoute = '/register' | '/login' | '/token' | '/refresh' | '/refresh-token' | '/logout' | '/protected'

/** The three names of the one refresh operation. */
export const REFRESH_ROUTES = ['/token', '/refresh', '/refresh-token'] as const satisfies readonly AuthRoute[]

/** Every route with its method. */
export const ROUTES = [
  ['post', '/register'],
  ['post', '/login'],
  ['post', '/token'],
  ['post', '/refresh'],
  ['post', '/refresh-token'],
  ['post', '/logout'],
  ['get', '/protected'],
] as const satisfies ReadonlyArray<readonly ['get' | 'post', AuthRoute]>

/** One request the kit answered. */
export interface RecordedRequest {
  readonly method: string
  readonly route: AuthRoute
  /** The status answered, or `'network-error'`. */
  readonly status: number | 'network-error'
}

/** What the transport carrying a request provides. */
export interface Delivery {
  readonly cookies?: CookieChannel | undefined
  readonly client?: ClientConnection | undefined
  /** Fails the request like a dropped connection, the way this transport can. */
  networkError(): Response
}

/** The controls every transport offers, as {@link createAuthHandlers} and the control API expose them. */
export interface TestControls {
  /** Every request answered so far, oldest first. */
  readonly requests: readonly RecordedRequest[]
  /** How many requests reached the given routes (all routes when none is given). */
  count(...routes: AuthRoute[]): number
  /** Makes the next `times` refreshes (under any of the three names) fail as described. */
  failNextRefreshes(times: number, failure: RefreshFailure): void
  /** Revokes every session server-side: refresh tokens and session-bound access tokens die. */
  revokeAllSessions(): Promise<void>
  /** Makes every access token issued so far invalid now; refresh tokens keep working. */
  expireAccessTokens(): void
  /** Moves the server's clock forward (only the server's: the client's clock is untouched). */
  advanceClock(milliseconds: number): void
  /** The server's clock, in milliseconds. */
  now(): number
  /** Signs arbitrary claims with the access-token key, to craft edge-case tokens. */
  signAccessToken(claims: Record<string, unknown>): Promise<string>
}

export interface TestKit extends TestControls {
  /** The app answering now (a new one after each reset). */
  readonly app: AuthApp
  /** Answers a request to `route`, applying any queued failure and recording the outcome. */
  answer(route: AuthRoute, request: Request, delivery: Delivery): Promise<Response>
  /** Forgets requests, failures and the clock offset, and recreates the app (a fresh default store). */
  reset(): void
}

/** Whether the client sees a dropped connection rather than an answer. */
const drops = (failure: RefreshFailure) =>
  'networkError' in failure || ('afterCommit' in failure && 'networkError' in failure.afterCommit)

const isRefresh = (route: AuthRoute) => (REFRESH_ROUTES as readonly string[]).includes(route)

/** A cookie channel that reads the jar but stores nothing: the browser never saw the answer. */
const readOnly = (cookies: CookieChannel | undefined): CookieChannel | undefined =>
  cookies && { read: () => cookies.read(), write: () => {} }

async function failed(app: AuthApp, request: Request, delivery: Delivery, failure: RefreshFailure): Promise<Response> {
  if ('networkError' in failure) return delivery.networkError()
  if ('status' in failure) return injectedResponse(failure)
  if ('afterCommit' in failure) {
    // The refresh really happens, then its answer is lost on the way back.
    await app.fetch(request, readOnly(delivery.cookies), delivery.client)
    return 'status' in failure.afterCommit ? injectedResponse(failure.afterCommit) : delivery.networkError()
  }
  await new Promise((resolve) => setTimeout(resolve, failure.delay))
  return app.fetch(request, delivery.cookies, delivery.client)
}

/** The controls around `createAuthApp(options)`, with a server clock of `baseClock() + offset`. */
export function createTestKit(options: AuthAppOptions, baseClock: () => number): TestKit {
  let offset = 0
  const now = () => baseClock() + offset
  const createApp = () => createAuthApp({ ...options, clock: now })
  let app = createApp()
  const requests: RecordedRequest[] = []
  const failures: RefreshFailure[] = []

  return {
    get app() {
      return app
    },
    requests,
    async answer(route, request, delivery) {
      const failure = isRefresh(route) ? failures.shift() : undefined
      const response = failure
        ? await failed(app, request, delivery, failure)
        : await app.fetch(request, delivery.cookies, delivery.client)
      requests.push({
        method: request.method,
        route,
        status: failure && drops(failure) ? 'network-error' : response.status,
      })
      return response
    },
    count: (...routes) => requests.filter((request) => routes.length === 0 || routes.includes(request.route)).length,
    failNextRefreshes(times, failure) {
      if (!Number.isInteger(times) || times < 1) throw new TypeError('`times` must be a positive integer')
      if (!isRefreshFailure(failure)) throw new TypeError(FAILURE_EXPECTED)
      for (let index = 0; index < times; index++) failures.push(failure)
    },
    revokeAllSessions: () => app.revokeAllSessions(),
    expireAccessTokens: () => app.expireAccessTokens(),
    advanceClock(milliseconds) {
      if (!Number.isFinite(milliseconds) || milliseconds < 0)
        throw new TypeError('`milliseconds` must be a non-negative number')
      offset += milliseconds
    },
    now,
    signAccessToken: (claims) => app.signAccessToken(claims),
    reset() {
      app = createApp()
      requests.length = 0
      failures.length = 0
      offset = 0
    },
  }
}
