/**
 * What went wrong, as a code to `switch` on:
 * - `LOGIN_FAILED`: the login call failed; `status` is the server's answer (400/401: wrong credentials), absent for a network error.
 * - `SESSION_EXPIRED`: the refresh token was refused (400, 401 or 403), or there was none to send; log in again.
 * - `REFRESH_FAILED`: the refresh failed transiently (network, timeout, 429, 5xx, a failing storage adapter) after any retries; the session is kept.
 * - `INVALID_RESPONSE`: a login or refresh answer had no usable token (not JSON, no `accessToken`, another user's token).
 * - `LOGGED_OUT`: the session ended (logout, or another login) while this call waited for a refresh or was logging in.
 * - `LOGOUT_FAILED`: the session was cleared locally, but the logout call or the storage adapter failed, so the server may not have revoked it.
 */
export type AuthErrorCode =
  | 'LOGIN_FAILED'
  | 'SESSION_EXPIRED'
  | 'REFRESH_FAILED'
  | 'INVALID_RESPONSE'
  | 'LOGGED_OUT'
  | 'LOGOUT_FAILED'

/**
 * Every error this package produces. The message is the code
 * (`SESSION_EXPIRED`); details are in `status` and `cause` (the server's
 * `Response`, or the network error). No token ever appears in a message.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError'
  // `declare`: assigned in the constructor, with no class-field code emitted for them.
  declare readonly code: AuthErrorCode
  /** The HTTP status behind the error, when there was an answer. */
  declare readonly status: number | undefined

  constructor(code: AuthErrorCode, cause?: unknown, status?: number) {
    super(code, { cause })
    this.code = code
    this.status = status
  }
}

/** `error` is an {@link AuthError}; also across realms (iframes, duplicated packages), by name. */
export function isAuthError(error: unknown): error is AuthError {
  // `instanceof` fails across realms and duplicated packages; the literal name does not.
  return (error as Error | undefined)?.name === 'AuthError'
}
