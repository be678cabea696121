import { base64url } from './jwt.ts'
import { type AuthLogger, isLogger } from './logger.ts'
import { type AuthProfile, type ProfileName, profiles, type RefreshTransport } from './profiles.ts'
import { withStoreFailures } from './store/failure.ts'
import { type AuthStore, createMemoryStore, STORE_METHODS } from './store.ts'

/** The account that exists from the start (tutorial 000's). */
export interface DemoUser {
  readonly username: string
  readonly password: string
}

/** Options of {@link createAuthApp}. Every one is optional; each default is listed. */
export interface AuthAppOptions {
  /**
   * HS256 key of access tokens, at least 32 characters, different from `refreshSecret`.
   * @default 32 random bytes per app (there is no fixed default secret)
   */
  accessSecret?: string | undefined
  /**
   * HS256 key of refresh tokens, at least 32 characters, different from `accessSecret`.
   * @default 32 random bytes per app
   */
  refreshSecret?: string | undefined
  /** Access-token lifetime in seconds. @default 900 */
  accessTokenTtl?: number | undefined
  /** Absolute lifetime of a refresh-token family in seconds; rotation never extends it. @default 604800 */
  refreshTokenTtl?: number | undefined
  /** How login delivers the refresh token, unless the profile fixes it. @default 'cookie' */
  transport?: RefreshTransport | undefined
  /** Observable behaviour: a profile name or a profile object. @default 'reference' */
  profile?: ProfileName | AuthProfile | undefined
  /** Seconds during which replaying the immediate parent returns the same successor. @default 10 */
  reuseGraceSeconds?: number | undefined
  /** Users and token families. @default createMemoryStore() */
  store?: AuthStore | undefined
  /** The server's clock, in milliseconds since the epoch. @default Date.now */
  clock?: (() => number) | undefined
  /** bcrypt cost factor, 4 to 15 (use 4 in tests). @default 10 */
  bcryptCost?: number | undefined
  /** The demo account of tutorial 000, or `false` for none. @default { username: 'user1', password: 'password123' } */
  demoUser?: DemoUser | false | undefined
  /**
   * Origins, besides the server's own, allowed to send cookie-borne refresh and
   * logout requests, and answered with CORS headers (credentials included).
   * @default []
   */
  allowedOrigins?: readonly string[] | undefined
  /** Path prefix of every route, such as `/api/auth`. @default '' */
  basePath?: string | undefined
  /** Largest accepted request body in bytes; larger ones get 413. @default 65536 */
  maxBodyBytes?: number | undefined
  /** Receives the server's own failures (a store that fails), never a token or a secret. @default console */
  logger?: AuthLogger | undefined
}

export interface AppConfig {
  readonly accessSecret: string
  readonly refreshSecret: string
  readonly accessTokenTtl: number
  readonly refreshTokenTtl: number
  readonly transport: RefreshTransport
  readonly profile: AuthProfile
  readonly reuseGraceMs: number
  readonly store: AuthStore
  readonly clock: () => number
  readonly bcryptCost: number
  readonly demoUser: DemoUser | false
  readonly allowedOrigins: ReadonlySet<string>
  readonly basePath: string
  readonly maxBodyBytes: number
  readonly logger: AuthLogger
}

/** The default demo account: `user1` / `password123`. */
export const DEMO_USER: DemoUser = { username: 'user1', password: 'password123' }

export function randomSecret(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)))
}

function fail(option: string, expectation: string): never {
  throw new TypeError(`The \`${option}\` option must be ${expectation}`)
}

function integer(value: number | undefined, option: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min || value > max) fail(option, `an integer from ${min} to ${max}`)
  return value
}

function secret(value: string | undefined, option: string): string {
  if (value === undefined) return randomSecret()
  if (typeof value !== 'string' || value.length < 32) fail(option, 'a string of at least 32 characters')
  return value
}

function origin(value: unknown): string {
  try {
    if (typeof value === 'string') {
      const url = new URL(value)
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/$/, '')) {
        return url.origin
      }
    }
  } catch {}
  return fail('allowedOrigins', 'an array of origins such as "http://localhost:5173"')
}

/** A custom profile is checked field by field, like every other option. */
function checkProfile(profile: AuthProfile): void {
  const statuses: Record<string, readonly number[]> = {
    invalidAccessStatus: [401, 403],
    missingRefreshStatus: [400, 401, 403],
    invalidRefreshStatus: [400, 401, 403],
    loginFailureStatus: [400, 401],
  }
  for (const [field, allowed] of Object.entries(statuses)) {
    if (!allowed.includes(profile[field as keyof AuthProfile] as number))
      fail(`profile.${field}`, `one of ${allowed.join(', ')}`)
  }
  for (const field of ['rotate', 'detectReuse', 'slidingRefresh', 'revokeOnLogout'] as const) {
    if (typeof profile[field] !== 'boolean') fail(`profile.${field}`, 'a boolean')
  }
  if (profile.transport !== undefined && profile.transport !== 'cookie' && profile.transport !== 'body') {
    fail('profile.transport', '"cookie", "body" or undefined')
  }
  if (typeof profile.protectedMessage !== 'string') fail('profile.protectedMessage', 'a string')
  if (profile.logoutMessage !== undefined && typeof profile.logoutMessage !== 'string') {
    fail('profile.logoutMessage', 'a string or undefined')
  }
}

export function normalizeAppOptions(options: AuthAppOptions): AppConfig {
  if (typeof options !== 'object' || options === null) throw new TypeError('The `options` argument must be an object')
  const accessSecret = secret(options.accessSecret, 'accessSecret')
  const refreshSecret = secret(options.refreshSecret, 'refreshSecret')
  if (accessSecret === refreshSecret) fail('refreshSecret', 'different from `accessSecret`')

  const { profile: profileOption = 'reference' } = options
  // `hasOwn`, so that names such as "toString" or "__proto__" are not taken from Object.prototype.
  const profile =
    typeof profileOption === 'object'
      ? profileOption
      : Object.hasOwn(profiles, profileOption)
        ? profiles[profileOption]
        : undefined
  if (!profile) fail('profile', `one of ${Object.keys(profiles).join(', ')}, or a profile object`)
  checkProfile(profile)

  const transport = options.transport ?? 'cookie'
  if (transport !== 'cookie' && transport !== 'body') fail('transport', '"cookie" or "body"')

  const { demoUser = DEMO_USER } = options
  if (
    demoUser !== false &&
    (typeof demoUser !== 'object' ||
      demoUser === null ||
      typeof demoUser.username !== 'string' ||
      typeof demoUser.password !== 'string')
  ) {
    fail('demoUser', 'false or { username, password } strings')
  }

  if (options.clock !== undefined && typeof options.clock !== 'function')
    fail('clock', 'a function returning milliseconds')
  if (options.allowedOrigins !== undefined && !Array.isArray(options.allowedOrigins)) {
    fail('allowedOrigins', 'an array of origins such as "http://localhost:5173"')
  }
  const basePath = options.basePath ?? ''
  if (typeof basePath !== 'string' || !/^(\/[\w.~-]+)*$/.test(basePath)) fail('basePath', 'a path such as "/api/auth"')

  const store = options.store ?? createMemoryStore()
  for (const method of STORE_METHODS) {
    if (typeof store[method] !== 'function') fail('store', `an AuthStore (missing \`${method}\`)`)
  }
  const logger = options.logger ?? console
  if (!isLogger(logger)) fail('logger', 'an object with an error(message, details) method')

  return {
    accessSecret,
    refreshSecret,
    accessTokenTtl: integer(options.accessTokenTtl, 'accessTokenTtl', 900, 1, 31_536_000),
    refreshTokenTtl: integer(options.refreshTokenTtl, 'refreshTokenTtl', 604_800, 1, 315_360_000),
    transport: profile.transport ?? transport,
    profile,
    reuseGraceMs: integer(options.reuseGraceSeconds, 'reuseGraceSeconds', 10, 0, 3600) * 1000,
    // A store's failure, whatever it throws, becomes one typed error: the app answers 503 and logs it.
    store: withStoreFailures(store),
    // Looked up on every call, so fake timers installed after creation still apply.
    clock: options.clock ?? (() => Date.now()),
    bcryptCost: integer(options.bcryptCost, 'bcryptCost', 10, 4, 15),
    demoUser,
    allowedOrigins: new Set((options.allowedOrigins ?? []).map(origin)),
    basePath,
    maxBodyBytes: integer(options.maxBodyBytes, 'maxBodyBytes', 65_536, 1, 16_777_216),
    logger,
  }
}
