import ky, { type KyInstance } from 'ky'
import { watchPage } from './browser/page-lifecycle.ts'
import { createTabCoordinator } from './browser/tab-coordinator.ts'
import { createAuthorizedFetch, toRequest } from './fetch/authorized-fetch.ts'
import { type AuthClientOptions, type NormalizedOptions, normalizeOptions } from './options.ts'
import { type Coordinator, soloCoordinator } from './session/coordinator.ts'
import { type AuthEventListener, type AuthEvents, createEvents } from './session/events.ts'
import { Session } from './session/session.ts'
import type { TabNews } from './session/tab-news.ts'
import { createAuthCalls } from './transport/auth-calls.ts'

/** What {@link createAuthClient} returns. */
export interface AuthClient {
  /** A ky instance: Bearer token attached (allowed origins only), refreshed before expiry and on `refreshOn` statuses. */
  readonly api: KyInstance
  /** `fetch` with the same behaviour and fetch's own semantics, for wrapping other API clients. */
  readonly fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
  /** Posts `credentials` as JSON to the login route and starts a new session. */
  login(credentials: Record<string, unknown>): Promise<void>
  /** Ends the session at once (memory and timer, then the stored refresh token), then calls the logout route. */
  logout(): Promise<void>
  /** Refreshes now (sharing any refresh in flight); after a reload, restores a cookie session. */
  refresh(): Promise<void>
  /** A token valid now, for non-fetch transports (WebSocket...): an expired one is refreshed first; `undefined` without a session. */
  getAccessToken(): Promise<string | undefined>
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends keyof AuthEvents>(event: E, listener: AuthEventListener<E>): () => void
  /** Stops the refresh timer, leaves the other tabs and removes the page listeners; requests still work, refreshing on demand. */
  dispose(): void
}

/**
 * The longest a refresh can take: each attempt's answer and body, with ky's backoff between attempts (at most
 * 10 s each). A cross-tab lock held longer belongs to a tab that is gone.
 */
const longestRefresh = (options: NormalizedOptions) =>
  2 * options.timeout * (options.refreshRetries + 1) + 10_000 * options.refreshRetries

/** The tabs' coordinator when asked for and possible, else none; `onNews` hears the other tabs. */
function coordinatorFor(options: NormalizedOptions, onNews: (news: TabNews) => void): Coordinator {
  if (!options.crossTab) return soloCoordinator
  return createTabCoordinator({ key: options.baseUrl, lockTimeout: longestRefresh(options), onNews }) ?? soloCoordinator
}

/**
 * Creates a client whose access token lives in its memory only.
 *
 * @example
 * const auth = createAuthClient({ baseUrl: 'https://api.example.com' })
 * await auth.login({ username, password })
 * const me = await auth.api.get('protected').json()
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  const normalized = normalizeOptions(options)
  const events = createEvents()
  // News from other tabs is delivered in later tasks, once `session` exists.
  const coordinator = coordinatorFor(normalized, (news) => session.receive(news))
  const session = new Session({ options: normalized, calls: createAuthCalls(normalized), events, coordinator })
  const authorizedFetch = createAuthorizedFetch(normalized, session)
  const unwatchPage = watchPage({ wake: () => session.wake(), online: () => session.online() })

  return {
    api: ky.create({
      baseUrl: normalized.baseUrl,
      // ky hands each attempt to this fetch as a Request, with the options it does not know.
      fetch: (input, extra) => authorizedFetch(input as Request, extra as Record<string, unknown> | undefined),
    }),
    fetch: async (input, init) => authorizedFetch(toRequest(input, init, normalized.baseUrl)),
    login: (credentials) => session.login(credentials),
    logout: () => session.logout(),
    refresh: () => session.refresh(),
    getAccessToken: () => session.accessToken(),
    on: (event, listener) => events.on(event, listener),
    dispose() {
      session.dispose()
      coordinator.close()
      unwatchPage()
    },
  }
}
