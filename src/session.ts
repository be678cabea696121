import type { KyInstance } from 'ky'
import { AuthError, type AuthErrorCode } from './errors.ts'
import { claimsOf, type JwtPayload } from './jwt.ts'
import { invalid, MAX_TIMEOUT, type NormalizedOptions, type RefreshTokenStorage } from './options.ts'

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

const EVENTS = ['refreshed', 'sessionExpired', 'refreshFailed']

/**
 * The token state of one client; all of it lives in this closure.
 * `epoch` changes on login and logout, so a refresh started before can never
 * install its result afterwards.
 */
export function createSession(options: NormalizedOptions, http: KyInstance) {
  const { endpoints } = options
  const cookie = options.transport === 'cookie'
  let memory: string | undefined
  // With the cookie transport, JavaScript never holds the refresh token: a store that keeps nothing.
  const store: RefreshTokenStorage = cookie
    ? { get() {}, set() {}, remove() {} }
    : (options.storage ?? {
        get: () => memory,
        set(token) {
          memory = token
        },
        remove() {
          memory = undefined
        },
      })
  let access: AccessToken | undefined
  // A session may exist (an HttpOnly cookie cannot be seen) until a refresh is refused or logout.
  let alive = true
  let epoch = 0
  let inFlight: Promise<string> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const listeners = new Map(EVENTS.map((name) => [name, new Set<(payload: never) => void>()]))

  // Each listener runs in its own microtask: one that throws is reported (as an uncaught error)
  // and can neither break the client nor stop the other listeners.
  const emit = <E extends keyof AuthEvents>(name: E, payload: AuthEvents[E]) =>
    listeners.get(name)?.forEach((listener) => {
      queueMicrotask(() => listener(payload as never))
    })

  const info = (): SessionInfo => ({ claims: access?.claims, expiresAt: access?.expiresAt })

  const clear = () => {
    access = undefined
    clearTimeout(timer)
    store.remove()
  }

  /** POSTs to an auth route; any failure becomes an AuthError with `code`, or a more precise one. */
  const post = async (path: string, json: unknown, code: AuthErrorCode, limit = 0): Promise<unknown> => {
    try {
      const response = await http.post(path, { json, retry: { limit } })
      return code === 'LOGOUT_FAILED' || (await response.json())
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
    // A negative delay fires at once.
    timer = setTimeout(tick, Math.min(access.refreshAt - Date.now(), MAX_TIMEOUT))
    // A scheduled refresh must not keep a Node process alive.
    ;(timer as { unref?: () => void }).unref?.()
  }

  // A wait longer than the timer maximum was clamped: wait again. Nobody awaits the refresh;
  // its failures reach the `sessionExpired` / `refreshFailed` listeners, and the timer stops.
  const tick = () => (Date.now() < (access?.refreshAt as number) ? arm() : refresh().catch(() => {}))

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
    const stored = refreshToken && store.set(refreshToken as string)
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
      const refreshToken = await store.get()
      if (!cookie && !refreshToken) throw new AuthError('SESSION_EXPIRED')
      // No body with the cookie transport, whose store holds nothing.
      const body = await post(
        endpoints.refresh,
        refreshToken && { refreshToken },
        'REFRESH_FAILED',
        options.refreshRetries,
      )
      if (started === epoch) {
        await adopt(body)
        emit('refreshed', info())
      }
    } catch (cause) {
      if (started === epoch) {
        // A failing storage adapter, for one, throws its own errors.
        const error = cause instanceof AuthError ? cause : new AuthError('REFRESH_FAILED', cause)
        if (error.code === 'SESSION_EXPIRED') {
          clear()
          if (alive) emit('sessionExpired', error)
          alive = false
        } else {
          emit('refreshFailed', error)
        }
        throw error
      }
    }
    // A login or logout overtook this refresh: hand out the new session's token, if there is one.
    if (access) return access.token
    throw new AuthError('LOGGED_OUT')
  }

  /** One refresh at a time: every caller shares the one in flight. */
  const refresh = (): Promise<string> => {
    if (!inFlight) {
      const current: Promise<string> = run().finally(() => {
        if (inFlight === current) inFlight = undefined
      })
      inFlight = current
    }
    return inFlight
  }

  /**
   * The token to send now: at once while the refresh time has not come, else a promise of it after a
   * refresh (a late timer changes nothing). A transient failure leaves a token that has not expired usable.
   */
  const fresh = (): string | undefined | Promise<string | undefined> =>
    access && Date.now() >= (access.refreshAt as number)
      ? refresh().then(
          () => access?.token,
          (error) => {
            if (!access || Date.now() >= (access.expiresAt as number)) throw error
            return access.token
          },
        )
      : access?.token

  return {
    fresh,
    /**
     * Whether a refused request can be replayed: at once if it went out with an older token than
     * the current one, after a refresh otherwise; falsy when no session can be refreshed.
     */
    replayable: (sent: string | null) => (access && sent !== `Bearer ${access.token}`) || (alive && refresh()),

    /** The methods of {@link AuthClient} that belong to the session. */
    methods: {
      async refresh(): Promise<void> {
        await refresh()
      },

      getAccessToken: async () => fresh(),

      async login(credentials: Record<string, unknown>): Promise<void> {
        if (typeof credentials !== 'object' || !credentials) invalid('credentials')
        const started = epoch
        const body = await post(endpoints.login, credentials, 'LOGIN_FAILED')
        if (started !== epoch) throw new AuthError('LOGGED_OUT')
        // Only a successful login ends the previous session; a refresh still in flight is discarded.
        epoch++
        await adopt(body, true)
      },

      async logout(): Promise<void> {
        const refreshToken = store.get()
        epoch++
        clear()
        alive = false
        if (endpoints.logout) {
          const token = await refreshToken
          await post(endpoints.logout, token ? { refreshToken: token } : undefined, 'LOGOUT_FAILED')
        }
      },

      on<E extends keyof AuthEvents>(name: E, listener: AuthEventListener<E>): () => void {
        const set = listeners.get(name)
        if (!set || typeof listener !== 'function') invalid('event')
        set.add(listener as (payload: never) => void)
        return () => set.delete(listener as (payload: never) => void)
      },
    },
  }
}
