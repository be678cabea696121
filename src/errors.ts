/**
 * What went wrong, as a code to `switch` on:
 * - `LOGIN_FAILED`: the login call failed; `status` is the server's answer (400/401: wrong credentials), absent for a
 *   network error or a timeout.
 * - `SESSION_EXPIRED`: there is no session to refresh: the refresh token was refused (400, 401 or 403), there was none
 *   to send, or the session had already ended; log in again.
 * - `REFRESH_FAILED`: the refresh failed transiently (network, timeout, 429, 5xx, offline, a failing storage adapter),
 *   after any retries, or is cooling down after such a failure; the session is kept.
 * - `INVALID_RESPONSE`: a login or refresh answer had no usable token; the message names the field, `status` is the
 *   answer's.
 * - `LOGGED_OUT`: the session this call belonged to ended (logout, or a login as someone else) before it completed.
 * - `LOGOUT_FAILED`: the session was cleared locally, but the logout call or the storage adapter failed, so the server
 *   may not have revoked it.
 * - `STORAGE_FAILED`: the storage adapter failed to keep a new refresh token; the session goes on with the token in
 *   memory, but a reload will need a new login.
 */
export type AuthErrorCode =
  | 'LOGIN_FAILED'
  | 'SESSION_EXPIRED'
  | 'REFRESH_FAILED'
  | 'INVALID_RESPONSE'
  | 'LOGGED_OUT'
  | 'LOGOUT_FAILED'
  | 'STORAGE_FAILED'

/** What an {@link AuthError} carries besides its code. */
export interface AuthErrorDetails {
  /** The server's `Response`, the network error, or the adapter's error. */
  readonly cause?: unknown
  /** The HTTP status of the answer behind the error. */
  readonly status?: number | undefined
  /** Says what was wrong, never with a value (tokens and credentials stay out of messages). */
  readonly detail?: string
}

/**
 * Every error this package produces. The message is the code, followed by a detail where there is one
 * (`INVALID_RESPONSE: \`accessToken\` must be a non-empty string (status 200)`). No token ever appears in it.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError'
  readonly code: AuthErrorCode
  /** The HTTP status behind the error, when there was an answer. */
  readonly status: number | undefined

  constructor(code: AuthErrorCode, details: AuthErrorDetails = {}) {
    const status = details.status === undefined ? '' : ` (status ${details.status})`
    super(details.detail ? `${code}: ${details.detail}${status}` : code, { cause: details.cause })
    this.code = code
    this.status = details.status
  }
}

/** `error` is an {@link AuthError}; also across realms (iframes, duplicated packages), by name. */
export function isAuthError(error: unknown): error is AuthError {
  // `instanceof` fails across realms and duplicated packages; the literal name does not.
  return (error as Error | undefined)?.name === 'AuthError'
}

/** `error` as an AuthError: itself when it is one, else an AuthError of `code` whose cause it is. */
export function asAuthError(error: unknown, code: AuthErrorCode): AuthError {
  return isAuthError(error) ? error : new AuthError(code, { cause: error })
}
