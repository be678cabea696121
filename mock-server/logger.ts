/**
 * Where the reference server reports what went wrong on its side (a failing
 * store). It never receives a token or a secret: only the operation, the
 * route and the error (whose message is the store's own).
 */

/** What the app reports alongside a message. */
export interface LogDetails {
  /** The store operation that failed, such as `rotateFamily`. */
  readonly operation?: string
  /** The route being answered, such as `/refresh`. */
  readonly route?: string
  /** The error, with its `cause`. */
  readonly error?: unknown
}

/** Receives the server's error reports; `console` is one. */
export interface AuthLogger {
  error(message: string, details: LogDetails): void
}

export function isLogger(value: unknown): value is AuthLogger {
  return typeof value === 'object' && value !== null && typeof (value as AuthLogger).error === 'function'
}
