/**
 * Typed calls to the control API of a running reference server (`CONTROL_API=1 npm start`,
 * or `startAuthServer({ controlApi: true })`), for Playwright, Cypress or Node tests.
 * Runtime-neutral: it only needs `fetch`.
 */
import type { RequestsAnswer } from './control.ts'
import type { RefreshFailure } from './failures.ts'
import type { AuthRoute } from './test-kit.ts'

export type { RequestsAnswer } from './control.ts'

/** Why a control call failed: the server answered an error, or no answer came at all. */
export type ControlErrorCode = 'CONTROL_REFUSED' | 'CONTROL_UNREACHABLE'

/** A control call that failed: the server refused it (`status` set) or could not be reached. */
export class ControlError extends Error {
  override readonly name = 'ControlError'
  readonly code: ControlErrorCode
  /** The status the server answered, for `CONTROL_REFUSED`. */
  readonly status: number | undefined
  constructor(code: ControlErrorCode, message: string, status?: number, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.status = status
  }
}

/** Whether `error` is a {@link ControlError}, also across realms (a Playwright fixture, a worker). */
export function isControlError(error: unknown): error is ControlError {
  return error instanceof ControlError || (error instanceof Error && error.name === 'ControlError')
}

/** The server's test controls, one method per control. */
export interface ControlClient {
  /** Makes the next `times` refreshes fail as described (`{ afterCommit }`: rotated, then the answer is lost). */
  failNextRefreshes(times: number, failure: RefreshFailure): Promise<void>
  /** Revokes every session server-side. */
  revokeAllSessions(): Promise<void>
  /** Revokes the sessions `username` opened since the last reset; resolves with how many there were. */
  revokeSessionsOf(username: string): Promise<number>
  /** Moves the server's clock past every session's absolute lifetime; resolves with the new server time (ms). */
  endSessionsByLifetime(): Promise<number>
  /** Makes every access token issued so far invalid now; refresh tokens keep working. */
  expireAccessTokens(): Promise<void>
  /** Moves the server's clock forward; resolves with the new server time (ms). */
  advanceClock(milliseconds: number): Promise<number>
  /** The server's clock, in milliseconds. */
  now(): Promise<number>
  /** Every request the server answered, and the count per route. */
  requests(): Promise<RequestsAnswer>
  /** How many requests reached the given routes (all routes when none is given). */
  count(...routes: AuthRoute[]): Promise<number>
  /** Signs claims with the server's access-token key. */
  signAccessToken(claims: Record<string, unknown>): Promise<string>
  /** Forgets requests, failures, the clock offset, users but the seeded ones, and sessions. */
  reset(): Promise<void>
}

/** Options of {@link createControlClient}. */
export interface ControlClientOptions {
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch | undefined
}

function controlBase(baseUrl: unknown): string {
  try {
    if (typeof baseUrl === 'string') {
      const url = new URL(baseUrl)
      if (url.protocol === 'http:' || url.protocol === 'https:') return `${url.origin}/__control`
    }
  } catch {}
  throw new TypeError('The `baseUrl` argument must be the http(s) URL of the server, such as "http://localhost:3000"')
}

/**
 * A client for the control API of the server at `baseUrl`.
 *
 * @example
 * const control = createControlClient('http://localhost:3000')
 * await control.failNextRefreshes(1, { afterCommit: { networkError: true } })
 */
export function createControlClient(baseUrl: string, options: ControlClientOptions = {}): ControlClient {
  const base = controlBase(baseUrl)
  const send = options.fetch ?? ((input, init) => globalThis.fetch(input, init))

  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    let response: Response
    try {
      response = await send(`${base}${path}`, {
        method,
        ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      })
    } catch (error) {
      throw new ControlError('CONTROL_UNREACHABLE', `The control API at ${base} cannot be reached`, undefined, {
        cause: error,
      })
    }
    const answer = (await response.json().catch(() => ({}))) as { message?: unknown }
    if (!response.ok) {
      const detail = typeof answer.message === 'string' ? answer.message : `status ${response.status}`
      const hint = response.status === 404 ? ' (is the server started with CONTROL_API=1?)' : ''
      throw new ControlError('CONTROL_REFUSED', `${method} ${path} was refused: ${detail}${hint}`, response.status)
    }
    return answer as T
  }

  return {
    failNextRefreshes: async (times, failure) => {
      await call('POST', '/fail-refreshes', { times, failure })
    },
    revokeAllSessions: async () => {
      await call('POST', '/revoke-sessions')
    },
    revokeSessionsOf: async (username) =>
      (await call<{ revoked: number }>('POST', '/revoke-user-sessions', { username })).revoked,
    endSessionsByLifetime: async () => (await call<{ now: number }>('POST', '/end-sessions')).now,
    expireAccessTokens: async () => {
      await call('POST', '/expire-access-tokens')
    },
    advanceClock: async (milliseconds) =>
      (await call<{ now: number }>('POST', '/clock', { advanceMs: milliseconds })).now,
    now: async () => (await call<{ now: number }>('GET', '/clock')).now,
    requests: () => call<RequestsAnswer>('GET', '/requests'),
    count: async (...routes) => {
      const { counts, total } = await call<RequestsAnswer>('GET', '/requests')
      return routes.length === 0 ? total : routes.reduce((sum, route) => sum + (counts[route] ?? 0), 0)
    },
    signAccessToken: async (claims) =>
      (await call<{ accessToken: string }>('POST', '/sign-access-token', { claims })).accessToken,
    reset: async () => {
      await call('POST', '/reset')
    },
  }
}
