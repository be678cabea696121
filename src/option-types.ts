/**
 * The options of {@link createAuthClient} as users write them: the public types, with their defaults in TSDoc.
 * `options.ts` fills in the defaults and checks them.
 */
/** The largest delay `setTimeout` takes. */
export const MAX_TIMEOUT = 2 ** 31 - 1

/** How the server hands out the refresh token. */
export type RefreshTransport = 'cookie' | 'body'

/**
 * Where a body-transport refresh token is kept between calls. The default
 * keeps it in memory: a reload then needs a new login. An adapter over
 * `localStorage` survives reloads but exposes the token to any script that
 * runs on the page (XSS); prefer the cookie transport when the server has it.
 */
export interface RefreshTokenStorage {
  get(): string | null | undefined | Promise<string | null | undefined>
  set(refreshToken: string): void | Promise<void>
  remove(): void | Promise<void>
}

/** Paths of the auth routes, resolved against `baseUrl` as URLs are (a leading `/` starts at the origin). */
export interface AuthEndpoints {
  /** @default 'login' */
  login: string
  /** @default 'refresh' */
  refresh: string
  /** `false` when the server has no logout route. @default 'logout' */
  logout: string | false
}

/** Options of {@link createAuthClient}; only `baseUrl` is required. Each default is listed. */
export interface AuthClientOptions {
  /** The API; a trailing slash is added. Requests to its origin carry the access token. */
  baseUrl: string | URL
  /** @default { login: 'login', refresh: 'refresh', logout: 'logout' } */
  endpoints?: Partial<AuthEndpoints> | undefined
  /** @default 'cookie' */
  transport?: RefreshTransport | undefined
  /** Statuses of an API answer that mean "refresh and replay once" (400 to 599). @default [401] */
  refreshOn?: readonly number[] | undefined
  /** Refresh this many milliseconds (an integer) before expiry, at most a quarter of the token's lifetime. @default 30000 */
  refreshMargin?: number | undefined
  /** Further origins (`https://files.example.com`: no path, wildcard or credentials) that receive the access token. @default [] */
  allowedOrigins?: readonly string[] | undefined
  /** Where the body transport keeps the refresh token (not for the cookie transport). @default in memory */
  storage?: RefreshTokenStorage | undefined
  /**
   * Retries (0 to 5) of a refresh that failed transiently (a network error, a timeout, 408, 413, 429, 500, 502,
   * 503, 504: ky's list), with exponential backoff and jitter. @default 2
   */
  refreshRetries?: number | undefined
  /**
   * Milliseconds each login, refresh and logout attempt may take to answer, and again to deliver its body
   * (an integer from 1 to 2147483647). @default 10000
   */
  timeout?: number | undefined
  /** The fetch implementation. @default globalThis.fetch, looked up on each request */
  fetch?: typeof fetch | undefined
  /**
   * Share one session among the tabs of the app: one refresh per expiry for all of them (under a Web Lock), and
   * logins, refreshes, logouts and expiries told to every tab (over a `BroadcastChannel` named after `baseUrl`).
   * Where locks or channels are missing, each client refreshes for itself. @default true in a page, false elsewhere
   */
  crossTab?: boolean | undefined
}
