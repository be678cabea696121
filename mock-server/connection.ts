/**
 * What the transport carrying a request gives the app besides the request: a cookie channel where real cookie
 * headers cannot travel, and what it knows of the client's connection. Apart from app.ts, so that the routes and
 * the refresh cookie, which app.ts wires, need not import it back.
 */
import type { BodyReader } from './http.ts'

/**
 * How a transport without real cookie headers exchanges cookies with the app:
 * in a browser, a mocked request or response cannot carry `Cookie` or
 * `Set-Cookie` (forbidden header names), so the MSW handlers pass them here.
 */
export interface CookieChannel {
  /** The `Cookie` header a browser would send with this request. */
  read(): string | undefined
  /** Receives each `Set-Cookie` value of the answer. */
  write(setCookie: string): void
}

/** What the transport knows of the client's connection. */
export interface ClientConnection {
  /** The peer's IP address, as the socket reports it: failed logins are counted per address. */
  readonly address?: string | undefined
  /** Reads the body from the transport itself, faster than through `request.body`. */
  readonly readBody?: BodyReader | undefined
}
