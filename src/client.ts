import ky, { type KyInstance, type Options } from 'ky'
import { type AuthClientOptions, normalizeOptions } from './options.ts'
import { type AuthEventListener, type AuthEvents, createSession } from './session.ts'

/** What {@link createAuthClient} returns. */
export interface AuthClient {
  /** A ky instance: Bearer token attached (allowed origins only), refreshed before expiry and on `refreshOn` statuses. */
  readonly api: KyInstance
  /** `fetch` with the same behaviour, for wrapping other API clients; answers every status like fetch does (a network failure rejects with ky's `NetworkError`). */
  readonly fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
  /** Posts `credentials` as JSON to the login route and starts the session. */
  login(credentials: Record<string, unknown>): Promise<void>
  /** Ends the session at once (memory and timer, then the stored refresh token), then calls the logout route. */
  logout(): Promise<void>
  /** Refreshes now (sharing any refresh in flight); after a reload, restores a cookie session. */
  refresh(): Promise<void>
  /** A token valid now, for non-fetch transports (WebSocket...): an expired one is refreshed first; `undefined` without a session. */
  getAccessToken(): Promise<string | undefined>
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends keyof AuthEvents>(event: E, listener: AuthEventListener<E>): () => void
}

/** `promise`, or the caller's abort: aborting stops this caller's wait, never the shared refresh. */
const abortable = <T>(promise: T, signal: AbortSignal): Promise<Awaited<T>> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      signal.throwIfAborted()
      signal.addEventListener('abort', () => reject(signal.reason))
    }),
  ])

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
  const { origins, refreshOn } = normalized
  // `undefined` values keep ky's defaults (fetch looked up per request, default credentials).
  const shared = { baseUrl: normalized.baseUrl, fetch: normalized.fetch } as Options
  const session = createSession(
    normalized,
    ky.create({
      ...shared,
      credentials: normalized.transport === 'cookie' ? 'include' : undefined,
      // At most 5 retries: 0.3 s doubling, with full jitter, stays under 10 s in all.
      // Each call sets its own `limit`.
      retry: { methods: ['post'], retryOnTimeout: true, jitter: true, maxRetryAfter: 10_000 },
    } as Options),
  )
  const allowed = (url: string) => origins.has(new URL(url).origin)

  // Synchronous unless a refresh is due: most requests pay for no promise and no abort listener.
  const attach = ({ request }: { request: Request }) => {
    const set = (token: string | undefined) => {
      if (token) request.headers.set('authorization', `Bearer ${token}`)
    }
    if (!allowed(request.url)) return
    const token = session.fresh()
    return typeof token === 'object' ? abortable(token, request.signal).then(set) : set(token)
  }

  const api = ky.create({
    ...shared,
    hooks: {
      beforeRequest: [attach],
      beforeRetry: [attach],
      afterResponse: [
        ({ request, options, response, retryCount }) => {
          if (
            !refreshOn.includes(response.status) ||
            // The origin that answered: a redirect may have left the allowed ones.
            !allowed(response.url || request.url) ||
            // Replays once: only a first answer, and only if the retry limit allows one (ky keeps a copy
            // of the body for retries only).
            retryCount ||
            !options.retry.limit
          ) {
            return
          }
          // The replay passes `beforeRetry`, which attaches the now current token.
          // A falsy value leaves the answer as it is.
          return abortable(session.replayable(request.headers.get('authorization')), request.signal).then(
            (replay) => replay && ky.retry({ delay: 0 }),
          ) as Promise<ReturnType<typeof ky.retry> | undefined>
        },
      ],
      // ky's errors keep the request, whose Authorization header would be printed wherever they are logged.
      beforeError: [
        ({ error }) => {
          ;(error as { request?: Request }).request?.headers.delete('authorization')
          return error
        },
      ],
    },
  })

  return {
    ...session.methods,
    api,
    // Plain fetch semantics: no HTTP errors thrown, no timeout, no retry but the one replay.
    // Async, so that every failure is a rejection, as with fetch.
    fetch: async (input, init) =>
      api(input, { ...init, throwHttpErrors: false, timeout: false, retry: { limit: 1, shouldRetry: () => false } }),
  }
}
