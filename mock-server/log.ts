/**
 * The request log of the real server: one line per request with method, path, status
 * and time. Never the query string, a header, a cookie or a body, so never a token or a
 * password; a long path segment (a token pasted into a URL) is masked too.
 */

export interface RequestLogEntry {
  readonly method: string
  /** The path, without the query string. */
  readonly path: string
  /** The status answered, or `'dropped'` for a connection closed without an answer. */
  readonly status: number | 'dropped'
  readonly milliseconds: number
}

/** Segments this long are more likely a credential than a route name. */
const LONG_SEGMENT = /[^/]{33,}/g

/** The path of `url` as it may be logged. */
export function loggablePath(url: string): string {
  return new URL(url).pathname.replace(LONG_SEGMENT, '…')
}

/** `POST /login 200 4.1 ms` */
export function formatRequestLine({ method, path, status, milliseconds }: RequestLogEntry): string {
  return `${method} ${path} ${status} ${milliseconds.toFixed(1)} ms`
}
