/**
 * The test controls around one protocol app, whatever carries its requests: MSW
 * handlers (handlers.ts) and the real server's `/__control` API (control.ts) both
 * answer through a kit, so a control behaves the same through either.
 */
import { type AuthApp, type ClientConnection, type CookieChannel, createAuthApp } from './app.ts'
import { FAILURE_EXPECTED, injectedResponse, isRefreshFailure, type RefreshFailure } from './failures.ts'
import { createKitSessions, type KitSessions } from './kit-sessions.ts'
import { createKitTime, type FakeTimers, JUMP_NOTICE_MS, type KitTime } from './kit-time.ts'
import { type AuthAppOptions, DEFAULT_REFRESH_TOKEN_TTL } from './options.ts'
import { createMemoryStore } from './store.ts'

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
  /**
   * Set only when the clock moved 5 s or more while this request was being answered (fake time moved on in one
   * large jump): the milliseconds it moved. The client's timeout may have fired first; see `advanceTime`.
   */
  readonly timeJumpMs?: number
}

/** What the transport carrying a request provides. */
export interface Delivery {
  readonly cookies?: CookieChannel | undefined
  readonly client?: ClientConnection | undefined
  /** Fails the request like a dropped connection, the way this transport can. */
  networkError(): Response
}

/** A queued refresh failure, as it is used: how many refreshes it answered so far, and those requests. */
export interface QueuedFailure {
  /** How many refreshes it was queued for. */
  readonly times: number
  /** How many of them have come (at most `times`). */
  readonly used: number
  /** The refreshes it answered, oldest first (one entry of `requests` each). */
  readonly requests: readonly RecordedRequest[]
}

/** The controls every transport offers, as {@link createAuthHandlers} and the control API expose them. */
export interface TestControls {
  /** Every request answered so far, oldest first. */
  readonly requests: readonly RecordedRequest[]
  /** How many requests reached the given routes (all routes when none is given). */
  count(...routes: AuthRoute[]): number
  /** Makes the next `times` refreshes (under any of the three names) fail as described. */
  failNextRefreshes(times: number, failure: RefreshFailure): QueuedFailure
  /** The next `times` refreshes answer normally, after `delayMs` on the timers (fake timers control it). */
  slowRefreshes(delayMs: number, times?: number): QueuedFailure
  /** The next `times` refreshes never answer: the client's timeout (or abort) ends each. */
  hangRefreshes(times?: number): QueuedFailure
  /** The next refresh rotates for real, then its answer is lost as a dropped connection (no cookie is stored). */
  loseNextRefreshAnswer(): QueuedFailure
  /** Revokes every session server-side: refresh tokens and session-bound access tokens die. */
  revokeAllSessions(): Promise<void>
  /**
   * Revokes the sessions `username` (or an email address) opened by logging in through this kit, and no other;
   * resolves with how many there were.
   */
  revokeSessionsOf(username: string): Promise<number>
  /** Makes every access token issued so far invalid now; refresh tokens keep working. */
  expireAccessTokens(): void
  /**
   * Moves the server's clock past the absolute lifetime (`refreshTokenTtl`) of every session opened so far, so that
   * they end as sessions do when their time is up; returns the server's new time.
   */
  endSessionsByLifetime(): number
  /** Moves the server's clock forward (only the server's: the client's clock is untouched). */
  advanceClock(milliseconds: number): void
  /**
   * Moves fake time (client and server, whose clock reads `Date.now()` by default) forward by `milliseconds`, in
   * steps of 500 ms, letting the answers the mock is working on finish between steps: so a refresh on the way
   * completes before the client's timeout could fire. `timers` is `vi` (vitest), `jest`, or a runner's
   * `advanceTimersByTimeAsync`.
   */
  advanceTime(milliseconds: number, timers: FakeTimers): Promise<void>
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
  'networkError' in failure || 'hang' in failure || ('afterCommit' in failure && 'networkError' in failure.afterCommit)

const isRefresh = (route: AuthRoute) => (REFRESH_ROUTES as readonly string[]).includes(route)

/** A cookie channel that reads the jar but stores nothing: the browser never saw the answer. */
const readOnly = (cookies: CookieChannel | undefined): CookieChannel | undefined =>
  cookies && { read: () => cookies.read(), write: () => {} }

/** A failure waiting in the queue, with the record of its use that `failNextRefreshes` returned. */
interface Queued {
  readonly failure: RefreshFailure
  readonly use: { readonly times: number; used: number; readonly requests: RecordedRequest[] }
}

/** What answering a failure needs besides the request: the app, the transport, and where waits end. */
interface FailureContext {
  readonly app: AuthApp
  readonly delivery: Delivery
  readonly time: KitTime
  /** Resolves when the kit is reset: a hanging answer then ends. */
  readonly released: Promise<void>
}

/** Resolves when `signal` aborts (or never). */
const abortOf = (signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))

async function failed(request: Request, failure: RefreshFailure, context: FailureContext): Promise<Response> {
  const { app, delivery, time } = context
  if ('networkError' in failure) return delivery.networkError()
  if ('status' in failure) return injectedResponse(failure)
  if ('afterCommit' in failure) {
    // The refresh really happens, then its answer is lost on the way back.
    await app.fetch(request, readOnly(delivery.cookies), delivery.client)
    return 'status' in failure.afterCommit ? injectedResponse(failure.afterCommit) : delivery.networkError()
  }
  if ('hang' in failure) {
    await time.asleep(Promise.race([abortOf(request.signal), context.released]))
    return delivery.networkError()
  }
  await time.asleep(new Promise((resolve) => setTimeout(resolve, failure.delay)))
  return app.fetch(request, delivery.cookies, delivery.client)
}

function checkedTimes(times: unknown): number {
  if (!Number.isInteger(times) || (times as number) < 1) throw new TypeError('`times` must be a positive integer')
  return times as number
}

/** The queue of injected refresh failures, and the one-call scenarios built on it. */
function failureQueue() {
  const queue: Queued[] = []
  const enqueue = (times: unknown, failure: RefreshFailure): QueuedFailure => {
    const count = checkedTimes(times)
    if (!isRefreshFailure(failure)) throw new TypeError(FAILURE_EXPECTED)
    const use = { times: count, used: 0, requests: [] }
    for (let index = 0; index < count; index++) queue.push({ failure, use })
    return use
  }
  return {
    queue,
    failNextRefreshes: enqueue,
    slowRefreshes(delayMs: number, times = 1) {
      if (!Number.isFinite(delayMs) || delayMs < 0) throw new TypeError('`delayMs` must be a non-negative number')
      return enqueue(times, { delay: delayMs })
    },
    hangRefreshes: (times = 1) => enqueue(times, { hang: true }),
    loseNextRefreshAnswer: () => enqueue(1, { afterCommit: { networkError: true } }),
  }
}

/** The record of a request answered `response`, noting a clock that jumped while it was answered. */
function recordOf(route: AuthRoute, request: Request, status: RecordedRequest['status'], movedMs: number) {
  return { method: request.method, route, status, ...(movedMs >= JUMP_NOTICE_MS && { timeJumpMs: movedMs }) }
}

function checkedMilliseconds(milliseconds: unknown): number {
  if (!Number.isFinite(milliseconds) || (milliseconds as number) < 0) {
    throw new TypeError('`milliseconds` must be a non-negative number')
  }
  return milliseconds as number
}

/** A promise that resolves at the next reset, renewed by each: a hanging answer ends with it. */
function resetSignal() {
  let release = () => {}
  const next = () =>
    new Promise<void>((resolve) => {
      release = resolve
    })
  let promise = next()
  return {
    get promise() {
      return promise
    },
    fire() {
      release()
      promise = next()
    },
  }
}

/** What answering needs from the kit: its app now, its clocks, its records and its queue. */
interface Answering {
  readonly app: () => AuthApp
  readonly baseClock: () => number
  readonly time: KitTime
  readonly released: () => Promise<void>
  readonly requests: RecordedRequest[]
  readonly queue: Queued[]
  readonly sessions: KitSessions
  /** Whether to say so when the clock jumped over an answer: only where time may be fake (not the real server). */
  readonly noticeJumps: boolean
}

/** The app's answer, or the queued failure's, with the time it took on the server's clock (not for waits). */
async function answerOf(kit: Answering, route: AuthRoute, request: Request, delivery: Delivery) {
  const queued = isRefresh(route) ? kit.queue.shift() : undefined
  const startedAt = kit.baseClock()
  const app = kit.app()
  const response = queued
    ? await failed(request, queued.failure, { app, delivery, time: kit.time, released: kit.released() })
    : await app.fetch(request, delivery.cookies, delivery.client)
  const waited = queued && ('delay' in queued.failure || 'hang' in queued.failure)
  return { queued, response, movedMs: waited || !kit.noticeJumps ? 0 : kit.baseClock() - startedAt }
}

async function answered(kit: Answering, route: AuthRoute, request: Request, delivery: Delivery): Promise<Response> {
  const done = kit.time.begin()
  try {
    const { queued, response, movedMs } = await answerOf(kit, route, request, delivery)
    if (movedMs >= JUMP_NOTICE_MS) kit.time.noticeJump(`${request.method} ${route}`, movedMs)
    const status = queued && drops(queued.failure) ? 'network-error' : response.status
    const record = recordOf(route, request, status, movedMs)
    kit.requests.push(record)
    if (queued) {
      queued.use.requests.push(record)
      queued.use.used++
    }
    if (route === '/login') await kit.sessions.noteLogin(response)
    return response
  } finally {
    done()
  }
}

/** How the kit runs: `noticeJumps` where fake timers may move its clock (the MSW handlers), not on a real server. */
export interface TestKitSettings {
  /** @default false */
  readonly noticeJumps?: boolean
}

/** The controls around `createAuthApp(options)`, with a server clock of `baseClock() + offset`. */
export function createTestKit(
  options: AuthAppOptions,
  baseClock: () => number,
  settings: TestKitSettings = {},
): TestKit {
  let offset = 0
  const now = () => baseClock() + offset
  const failures = failureQueue()
  const reset = resetSignal()
  let store = options.store ?? createMemoryStore()
  const createApp = () => createAuthApp({ ...options, store, clock: now })
  let app = createApp()
  const kit: Answering = {
    app: () => app,
    baseClock,
    time: createKitTime(options.logger ?? console),
    released: () => reset.promise,
    requests: [],
    queue: failures.queue,
    sessions: createKitSessions(),
    noticeJumps: settings.noticeJumps ?? false,
  }

  return {
    get app() {
      return app
    },
    requests: kit.requests,
    answer: (route, request, delivery) => answered(kit, route, request, delivery),
    count: (...routes) =>
      kit.requests.filter((request) => routes.length === 0 || routes.includes(request.route)).length,
    failNextRefreshes: failures.failNextRefreshes,
    slowRefreshes: failures.slowRefreshes,
    hangRefreshes: failures.hangRefreshes,
    loseNextRefreshAnswer: failures.loseNextRefreshAnswer,
    revokeAllSessions: () => app.revokeAllSessions(),
    revokeSessionsOf: (username) => kit.sessions.revokeSessionsOf(username, store),
    expireAccessTokens: () => app.expireAccessTokens(),
    endSessionsByLifetime() {
      offset += ((options.refreshTokenTtl ?? DEFAULT_REFRESH_TOKEN_TTL) + 1) * 1000
      return now()
    },
    advanceClock(milliseconds) {
      offset += checkedMilliseconds(milliseconds)
    },
    advanceTime: (milliseconds, timers) => kit.time.advanceTime(milliseconds, timers),
    now,
    signAccessToken: (claims) => app.signAccessToken(claims),
    reset() {
      reset.fire()
      if (options.store === undefined) store = createMemoryStore()
      app = createApp()
      kit.requests.length = 0
      failures.queue.length = 0
      kit.sessions.clear()
      offset = 0
    },
  }
}
