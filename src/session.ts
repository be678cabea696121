import type { KyInstance } from 'ky'
import { AuthError, type AuthErrorCode } from './errors.ts'
import { claimsOf, type JwtPayload } from './jwt.ts'
import { invalid, isFunction, MAX_TIMEOUT, type NormalizedOptions, type RefreshTokenStorage } from './options.ts'

/** What is known of the current session (decoded, unverified claims). */
export interface SessionInfo {
  readonly claims: JwtPayload | undefined
  /** When the access token expires, in local milliseconds; `undefined` when it does not say. */
  readonly expiresAt: number | undefined
}

/** Events and the value each listener receives. */
export interface AuthEvents {
  /** New tokens arrived (proactive, reactive or explicit refresh). */
  refreshed: SessionInfo
  /** The refresh token was refused: the session is gone, log in again. Emitted once per session. */
  sessionExpired: AuthError
  /** A refresh failed without ending the session (network, timeout, 5xx, malformed answer). */
  refreshFailed: AuthError
}

/** A listener of event `E`, receiving that event's value. */
export type AuthEventListener<E extends keyof AuthEvents> = (payload: AuthEvents[E]) => void

interface AccessToken extends SessionInfo {
  readonly token: string
  readonly refreshAt: number | undefined
}

/**
 * The token state of one client; all of it lives in this closure.
 * `epoch` changes on login and logout, so a refresh started before can never
 * install its result afterwards.
 */
export function createSession(options: NormalizedOptions, http: KyInstance) {
  const { endpoints } = options
  const cookie = options.transport === 'cookie'
  let memory: string | undefined
  // With the cookie transport, JavaScript never holds the refresh token: nothing is ever stored (see `adopt`).
  const store: RefreshTokenStorage = (!cookie && options.storage) || {
    get: () => memory,
    set(token) {
      memory = token
    },
    remove() {
      memory = undefined
    },
  }
  let access: AccessToken | undefined
  // A session may exist (an HttpOnly cookie cannot be seen) until a refresh is refused or logout.
  let alive = true
  let epoch = 0
  let inFlight: Promise<string> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  // No prototype: `on('toString')` finds no set of listeners.
  const listeners: Record<keyof AuthEvents, Set<(payload: never) => void>> = {
    __proto__: null,
    refreshed: new Set(),
    sessionExpired: new Set(),
    refreshFailed: new Set(),
  } as never

  // Each listener runs in its own microtask: one that throws is reported (as an uncaught error)
  // and can neither break the client nor stop the other listeners.
  const emit = <E extends keyof AuthEvents>(name: E, payload: AuthEvents[E]) =>
    listeners[name].forEach((listener) => {
      queueMicrotask(() => listener(payload as never))
    })

  /** Forgets the tokens; the storage adapter's failure, even a synchronous one, is in the returned promise. */
  const clear = () => {
    access = undefined
    arm()
    return (async () => store.remove())()
  }

  /**
   * POSTs `json` (a value, or a promise of one) to an auth route, unless `path` is `false`; any failure,
   * the promise's included, becomes an AuthError with `code`, or a more precise one.
   */
  const post = async (path: string | false, json: unknown, code: AuthErrorCode, limit = 0): Promise<unknown> => {
    try {
      json = await json
      const response = path && (await http.post(path, { json, retry: { limit } }))
      return code === 'LOGOUT_FAILED' || (await (response as Response).json())
    } catch (error) {
      // The cause is the answer, not ky's HTTPError: its `options` hold the credentials or refresh token sent.
      const response = (error as { response?: Response }).response
      const status = response?.status
      throw new AuthError(
        error instanceof SyntaxError
          ? 'INVALID_RESPONSE'
          : code === 'REFRESH_FAILED' && [400, 401, 403].includes(status as number)
            ? 'SESSION_EXPIRED'
            : code,
        response ?? error,
        status,
      )
    }
  }

  const arm = () => {
    clearTimeout(timer)
    // No refresh time (no `exp`): reactive refresh only.
    if (!access?.refreshAt) return
    // A negative delay fires at once. A wait longer than the timer maximum was clamped: wait again.
    // Else refresh, as a request would; a failure reaches the `sessionExpired` / `refreshFailed`
    // listeners, and the timer stops.
    timer = setTimeout(
      () => (Date.now() < (access?.refreshAt as number) ? arm() : fresh()),
      Math.min(access.refreshAt - Date.now(), MAX_TIMEOUT),
    )
    // A scheduled refresh must not keep a Node process alive.
    ;(timer as { unref?: () => void }).unref?.()
  }

  /**
   * The session ends (logout, or a usable login): a refresh in flight belongs to it, and its waiters get
   * LOGGED_OUT; later callers need a refresh of their own.
   */
  const ended = () => {
    epoch++
    inFlight = undefined
  }

  /**
   * Installs the tokens of a login or refresh answer, at once: the storage adapter is called in the same
   * turn as memory changes, so its calls come in the order of the session's changes (a later logout's
   * `remove` after this `set`). Returns the `set`, to await.
   */
  const adopt = (body: unknown, login?: boolean) => {
    const { accessToken, refreshToken } = (body ?? {}) as Record<string, unknown>
    const claims = claimsOf(accessToken as string)
    if (
      typeof accessToken !== 'string' ||
      !accessToken ||
      typeof (refreshToken ?? '') !== 'string' ||
      (!login && access?.claims?.sub !== undefined && claims?.sub !== access.claims.sub)
    ) {
      throw new AuthError('INVALID_RESPONSE')
    }
    // Only a usable login ends the previous session, as logout does.
    if (login) ended()
    const stored = !cookie && refreshToken && store.set(refreshToken as string)
    // Timing counts from local receipt and the token's own lifetime: a skewed client clock does not matter.
    const now = Date.now()
    const lifetime = ((claims?.exp as number) - (claims?.iat ?? now / 1000)) * 1000
    const expiresAt = lifetime > 0 ? now + lifetime : undefined
    access = {
      token: accessToken,
      claims,
      expiresAt,
      refreshAt: expiresAt && expiresAt - Math.min(options.refreshMargin, lifetime / 4),
    }
    alive = true
    arm()
    return stored
  }

  const run = async (): Promise<string> => {
    const started = epoch
    try {
      // No body without a refresh token (always so with the cookie transport): the server refuses, or
      // takes the cookie.
      const refreshToken = await store.get()
      // A login while the token was read: that token may be the new session's, not this refresh's to spend.
      const body =
        started === epoch &&
        (await post(
          endpoints.refresh,
          refreshToken ? { refreshToken } : undefined,
          'REFRESH_FAILED',
          options.refreshRetries,
        ))
      if (started === epoch) await adopt(body)
    } catch (cause) {
      if (started === epoch) {
        // A failing storage adapter, for one, throws its own errors.
        const error = cause instanceof AuthError ? cause : new AuthError('REFRESH_FAILED', cause)
        if (error.code === 'SESSION_EXPIRED') {
          // The refresh token is dead: a failure to remove it changes nothing.
          clear().catch(() => {})
          if (alive) emit('sessionExpired', error)
          alive = false
        } else {
          emit('refreshFailed', error)
        }
        throw error
      }
    }
    // A logout or another login overtook this refresh: its waiters belong to a session that has ended.
    if (started !== epoch) throw new AuthError('LOGGED_OUT')
    const { token, claims, expiresAt } = access as AccessToken
    emit('refreshed', { claims, expiresAt })
    return token
  }

  /** One refresh at a time: every caller shares the one in flight. */
  const refresh = (): Promise<string> => {
    // Only this refresh may clear its place: after a login or logout, a newer one may hold it.
    const current: Promise<string> =
      inFlight ??
      run().finally(() => {
        if (inFlight === current) inFlight = undefined
      })
    inFlight = current
    return current
  }

  /**
   * The token to send now. Once the refresh time has come (a late timer changes nothing), a refresh
   * starts; until the token expires it still goes out at once, so a slow or failing refresh delays
   * nothing. An expired token waits for the refresh and is never sent.
   */
  const fresh = (): string | undefined | Promise<string | undefined> => {
    // `>=`: false for a token without a refresh time.
    if (!access || !(Date.now() >= (access.refreshAt as number))) return access?.token
    // Its failures reach the `refreshFailed` and `sessionExpired` listeners, and a waiter below.
    refresh().catch(() => {})
    // With a refresh time there is an expiry time; `inFlight` is the refresh just joined.
    return Date.now() < (access.expiresAt as number) ? access.token : inFlight
  }

  return {
    fresh,
    /**
     * Whether a refused request can be replayed: at once if it went out with an older token than
     * the current one, after a refresh otherwise; falsy when no session can be refreshed.
     */
    replayable: (sent: string | null) => (access && sent !== `Bearer ${access.token}`) || (alive && refresh()),

    /** The methods of {@link AuthClient} that belong to the session. */
    methods: {
      refresh: (): Promise<void> => refresh().then(() => {}),

      getAccessToken: async () => fresh(),

      async login(credentials: Record<string, unknown>): Promise<void> {
        if (typeof credentials !== 'object' || !credentials) invalid('credentials')
        const started = epoch
        const body = await post(endpoints.login, credentials, 'LOGIN_FAILED')
        if (started !== epoch) {
          // Overtaken by a logout (no session is alive then): end on the server the session this login
          // opened, whose cookie the browser now holds (a body-transport refresh token, never stored, is
          // out of reach already). Overtaken by another login: that one stands.
          if (!alive) await post(endpoints.logout, undefined, 'LOGOUT_FAILED').catch(() => {})
          throw new AuthError('LOGGED_OUT')
        }
        await adopt(body, true)
      },

      async logout(): Promise<void> {
        // Read before `clear` removes it; a failing adapter still lets the session end, and is reported.
        const refreshToken = (async () => store.get())()
        ended()
        alive = false
        // Removal and the logout call go side by side: a store that fails to remove the token must not keep
        // it alive on the server too. Each failure is reported.
        const removed = post(false, clear(), 'LOGOUT_FAILED')
        removed.catch(() => {})
        await post(
          endpoints.logout,
          refreshToken.then((token) => (token ? { refreshToken: token } : undefined)),
          'LOGOUT_FAILED',
        )
        await removed
      },

      on<E extends keyof AuthEvents>(name: E, listener: AuthEventListener<E>): () => void {
        const set = listeners[name]
        if (!set || !isFunction(listener)) invalid('event')
        set.add(listener as (payload: never) => void)
        return () => set.delete(listener as (payload: never) => void)
      },
    },
  }
}
