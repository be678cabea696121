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

/** Paths of the auth routes, resolved against `baseUrl`. */
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
  endpoints?: Partial<AuthEndpoints>
  /** @default 'cookie' */
  transport?: RefreshTransport
  /** Statuses of an API answer that mean "refresh and replay once". @default [401] */
  refreshOn?: readonly number[]
  /** Refresh this many milliseconds (an integer) before expiry, at most a quarter of the token's lifetime. @default 30000 */
  refreshMargin?: number
  /** Further origins (`https://files.example.com`) that receive the access token. @default [] */
  allowedOrigins?: readonly string[]
  /** Where the body transport keeps the refresh token. @default in memory */
  storage?: RefreshTokenStorage
  /**
   * Retries (0 to 5) of a refresh that failed transiently (a network error, a timeout, 408, 413, 429, 500, 502,
   * 503, 504: ky's list), with exponential backoff and jitter. Each attempt times out after ky's 10 s. @default 2
   */
  refreshRetries?: number
  /** The fetch implementation. @default globalThis.fetch, looked up on each request */
  fetch?: typeof fetch
}

const DEFAULTS = {
  transport: 'cookie',
  refreshOn: [401],
  refreshMargin: 30_000,
  allowedOrigins: [],
  refreshRetries: 2,
} as const

export interface NormalizedOptions {
  readonly baseUrl: string
  readonly endpoints: AuthEndpoints
  readonly transport: RefreshTransport
  readonly refreshOn: readonly number[]
  readonly refreshMargin: number
  /** `baseUrl`'s origin and the allowed ones. */
  readonly origins: ReadonlySet<string>
  readonly storage?: RefreshTokenStorage
  readonly refreshRetries: number
  readonly fetch?: typeof fetch
}

/** Throws a TypeError naming the bad argument or option (never its value, which may be a secret). */
export const invalid: (name: string) => never = (name) => {
  throw new TypeError(`Invalid \`${name}\``)
}

const integer = (value: number, option: string, min: number, max: number) => {
  if (!(Number.isInteger(value) && value >= min && value <= max)) invalid(option)
}

/** An http(s) URL: absolute, or relative to `base` (the page, for `baseUrl` in browsers). */
const httpUrl = (value: unknown, option: string, base?: string): URL => {
  try {
    const url = new URL(value as string, base)
    if (/^https?:$/.test(url.protocol)) return url
  } catch {}
  return invalid(option)
}

/** `defaults`, overridden by each entry of `value` that is not `undefined` (an `undefined` option takes its default). */
const withDefaults = (defaults: object, value: unknown, name: string) => {
  if (typeof (value ?? {}) !== 'object') invalid(name)
  const merged: Record<string, unknown> = { ...defaults }
  for (const [key, entry] of Object.entries(value ?? {})) if (entry !== undefined) merged[key] = entry
  return merged
}

export const isFunction = (value: unknown): boolean => typeof value === 'function'

/** Defaults filled in, every option checked. */
export function normalizeOptions(options: AuthClientOptions): NormalizedOptions {
  if (!options) invalid('options')
  const merged = withDefaults(DEFAULTS, options, 'options')
  const { transport, refreshOn, storage, allowedOrigins, fetch } = merged as unknown as NormalizedOptions &
    AuthClientOptions

  const base = httpUrl(merged.baseUrl, 'baseUrl', globalThis.location?.href)
  base.pathname = base.pathname.replace(/\/?$/, '/')
  const endpoints = withDefaults(
    { login: 'login', refresh: 'refresh', logout: 'logout' },
    merged.endpoints,
    'endpoints',
  )
  for (const [name, path] of Object.entries(endpoints)) {
    if (!(typeof path === 'string' && path) && !(name === 'logout' && path === false)) invalid(`endpoints.${name}`)
  }
  if (transport !== 'cookie' && transport !== 'body') invalid('transport')
  // A single value is taken as a list of one.
  const statuses = [refreshOn].flat()
  for (const status of statuses) integer(status, 'refreshOn', 400, 599)
  for (const [name, min, max] of [
    ['refreshMargin', 0, MAX_TIMEOUT],
    ['refreshRetries', 0, 5],
  ] as const) {
    integer(merged[name] as number, name, min, max)
  }
  if (storage != null && !(isFunction(storage.get) && isFunction(storage.set) && isFunction(storage.remove))) {
    invalid('storage')
  }
  if (fetch != null && !isFunction(fetch)) invalid('fetch')

  return Object.assign(merged, {
    baseUrl: base.href,
    endpoints,
    refreshOn: statuses,
    origins: new Set([
      base.origin,
      ...[allowedOrigins].flat().map((origin) => httpUrl(origin, 'allowedOrigins').origin),
    ]),
  }) as unknown as NormalizedOptions
}
