import { base64url, type HmacSha256 } from './jwt.ts'
import { type AuthLogger, isLogger } from './logger.ts'
import { type AuthProfile, type ProfileName, profiles, type RefreshTransport } from './profiles.ts'
import { withStoreFailures } from './store/failure.ts'
import { type AuthStore, createMemoryStore, STORE_METHODS } from './store.ts'
import type { LoginThrottleConfig, LoginThrottleOptions } from './throttle.ts'
import { normalizeIdentifier } from './usernames.ts'

/** The account that exists from the start (tutorial 000's). */
export interface DemoUser {
  readonly username: string
  readonly password: string
}

/** An account created at start-up, with claims of its own for role-based UIs. */
export interface SeedUser {
  /** Exactly one of `username` and `email`. */
  readonly username?: string | undefined
  readonly email?: string | undefined
  readonly password: string
  /** Added to the user's access tokens, such as `{ role: 'admin' }`; protocol claims (`sub`, `exp`...) are refused. */
  readonly claims?: Readonly<Record<string, unknown>> | undefined
}

/** The refresh cookie's attributes that a deployment may need to change. */
export interface RefreshCookieOptions {
  /** @default 'refreshToken' */
  readonly name?: string | undefined
  /** @default '/' */
  readonly path?: string | undefined
  /** `'None'` is for a frontend on another site, and needs https. @default 'Strict' */
  readonly sameSite?: 'Strict' | 'Lax' | 'None' | undefined
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
  /** Name, path and SameSite of the refresh cookie. @default { name: 'refreshToken', path: '/', sameSite: 'Strict' } */
  cookie?: RefreshCookieOptions | undefined
  /**
   * Failed logins allowed per account and per client address before 429 + `Retry-After`, or `false` for none.
   * @default { maxFailuresPerAccount: 10, maxFailuresPerClient: 100, windowSeconds: 900 }
   */
  loginThrottle?: LoginThrottleOptions | false | undefined
  /**
   * Take the client address from the last `X-Forwarded-For` entry (the one your proxy appended) instead of the
   * connection. Only behind a proxy that sets it: otherwise any client picks its own address. @default false
   */
  trustProxy?: boolean | undefined
  /** Accounts created at start-up besides the demo user, with claims of their own. @default [] */
  seedUsers?: readonly SeedUser[] | undefined
  /**
   * HMAC-SHA-256 for signing and checking tokens; `startAuthServer` passes `node:crypto`'s, faster than the
   * portable default. @default Web Crypto's
   */
  hmac?: HmacSha256 | undefined
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
  readonly cookie: Required<{ [K in keyof RefreshCookieOptions]: NonNullable<RefreshCookieOptions[K]> }>
  readonly loginThrottle: LoginThrottleConfig | false
  readonly trustProxy: boolean
  readonly seedUsers: readonly SeedUser[]
  readonly hmac: HmacSha256 | undefined
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

const TUTORIAL_CLAIMS: ReadonlySet<unknown> = new Set(['id', 'userId', 'username', 'email', 'role'])

/** `{ html: string }`, `{ text: string }` or `{ json: object }`. */
function isRefusalBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false
  if ('html' in body) return typeof body.html === 'string'
  if ('text' in body) return typeof body.text === 'string'
  return 'json' in body && typeof body.json === 'object' && body.json !== null
}

/** The optional fields a profile words its answers with. */
function checkProfileBodies(profile: AuthProfile): void {
  const { refusalBodies = {}, tutorialClaims = [], protectedUser = 'reference' } = profile
  for (const [refusal, body] of Object.entries(refusalBodies)) {
    if (!isRefusalBody(body)) fail(`profile.refusalBodies.${refusal}`, '{ html }, { text } or { json }')
  }
  if (!Array.isArray(tutorialClaims) || !tutorialClaims.every((claim) => TUTORIAL_CLAIMS.has(claim))) {
    fail('profile.tutorialClaims', `an array of ${[...TUTORIAL_CLAIMS].join(', ')}`)
  }
  if (protectedUser !== 'reference' && protectedUser !== 'claims') {
    fail('profile.protectedUser', '"reference" or "claims"')
  }
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
  checkProfileBodies(profile)
  if (profile.logoutMessage !== undefined && typeof profile.logoutMessage !== 'string') {
    fail('profile.logoutMessage', 'a string or undefined')
  }
}

function chosenProfile(option: AuthAppOptions['profile']): AuthProfile {
  // Only `undefined` defaults: a `null` profile is a mistake to report.
  const name = option === undefined ? 'reference' : option
  // `hasOwn`, so that names such as "toString" or "__proto__" are not taken from Object.prototype.
  const profile =
    typeof name === 'object' ? name : Object.hasOwn(profiles, name) ? profiles[name as ProfileName] : undefined
  if (!profile) fail('profile', `one of ${Object.keys(profiles).join(', ')}, or a profile object`)
  checkProfile(profile)
  return profile
}

function demoUserOf(demoUser: AuthAppOptions['demoUser'] = DEMO_USER): DemoUser | false {
  if (
    demoUser !== false &&
    (typeof demoUser !== 'object' ||
      demoUser === null ||
      typeof demoUser.username !== 'string' ||
      typeof demoUser.password !== 'string')
  ) {
    fail('demoUser', 'false or { username, password } strings')
  }
  return demoUser
}

function storeOf(option: AuthStore | undefined): AuthStore {
  const store = option ?? createMemoryStore()
  for (const method of STORE_METHODS) {
    if (typeof store[method] !== 'function') fail('store', `an AuthStore (missing \`${method}\`)`)
  }
  // A store's failure, whatever it throws, becomes one typed error: the app answers 503 and logs it.
  return withStoreFailures(store)
}

function loggerOf(option: AuthLogger | undefined): AuthLogger {
  const logger = option ?? console
  if (!isLogger(logger)) fail('logger', 'an object with an error(message, details) method')
  return logger
}

function basePathOf(basePath: unknown = ''): string {
  if (typeof basePath !== 'string' || !/^(\/[\w.~-]+)*$/.test(basePath)) fail('basePath', 'a path such as "/api/auth"')
  return basePath
}

function allowedOriginsOf(option: AuthAppOptions['allowedOrigins']): ReadonlySet<string> {
  if (option !== undefined && !Array.isArray(option)) {
    fail('allowedOrigins', 'an array of origins such as "http://localhost:5173"')
  }
  return new Set((option ?? []).map(origin))
}

const COOKIE_NAME = /^[!#$%&'*+\-.^\w`|~]+$/

function cookieOf(option: RefreshCookieOptions | undefined): AppConfig['cookie'] {
  if (option !== undefined && (typeof option !== 'object' || option === null)) fail('cookie', 'an object')
  const { name = 'refreshToken', path = '/', sameSite = 'Strict' } = option ?? {}
  if (typeof name !== 'string' || !COOKIE_NAME.test(name)) fail('cookie.name', 'a cookie name such as "refreshToken"')
  if (typeof path !== 'string' || !/^\/[\w.~/-]*$/.test(path)) fail('cookie.path', 'a path such as "/" or "/api/auth"')
  if (sameSite !== 'Strict' && sameSite !== 'Lax' && sameSite !== 'None') {
    fail('cookie.sameSite', '"Strict", "Lax" or "None"')
  }
  return { name, path, sameSite }
}

function loginThrottleOf(option: AuthAppOptions['loginThrottle']): LoginThrottleConfig | false {
  if (option === false) return false
  if (option !== undefined && (typeof option !== 'object' || option === null)) {
    fail('loginThrottle', 'false or { maxFailuresPerAccount, maxFailuresPerClient, windowSeconds }')
  }
  const limits = option ?? {}
  return {
    maxFailuresPerAccount: integer(limits.maxFailuresPerAccount, 'loginThrottle.maxFailuresPerAccount', 10, 0, 1e6),
    maxFailuresPerClient: integer(limits.maxFailuresPerClient, 'loginThrottle.maxFailuresPerClient', 100, 0, 1e6),
    windowMs: integer(limits.windowSeconds, 'loginThrottle.windowSeconds', 900, 1, 86_400) * 1000,
  }
}

/** Names the token protocol owns: a seeded claim must not override them. */
const RESERVED_CLAIMS = new Set(['sub', 'name', 'sid', 'fam', 'jti', 'iat', 'exp', 'nbf', 'iss', 'aud', 'typ'])

function seedUserOf(user: SeedUser, index: number): SeedUser {
  const where = `seedUsers[${index}]`
  if (typeof user !== 'object' || user === null) fail(where, 'an object { username or email, password, claims? }')
  if ((user.username === undefined) === (user.email === undefined)) fail(where, 'given exactly one of username, email')
  const field = user.email === undefined ? 'username' : 'email'
  try {
    normalizeIdentifier(user[field] as string, field)
  } catch {
    fail(`${where}.${field}`, field === 'email' ? 'an email address' : 'a username of visible characters')
  }
  if (typeof user.password !== 'string' || user.password.length < 8) fail(`${where}.password`, 'at least 8 characters')
  const { claims = {} } = user
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) fail(`${where}.claims`, 'an object')
  for (const claim of Object.keys(claims)) {
    if (RESERVED_CLAIMS.has(claim)) fail(`${where}.claims`, `free of the protocol's own claim "${claim}"`)
  }
  return user
}

function seedUsersOf(option: AuthAppOptions['seedUsers']): readonly SeedUser[] {
  if (option === undefined) return []
  if (!Array.isArray(option)) fail('seedUsers', 'an array of { username or email, password, claims? }')
  return option.map(seedUserOf)
}

function secretsOf(options: AuthAppOptions): { accessSecret: string; refreshSecret: string } {
  const accessSecret = secret(options.accessSecret, 'accessSecret')
  const refreshSecret = secret(options.refreshSecret, 'refreshSecret')
  if (accessSecret === refreshSecret) fail('refreshSecret', 'different from `accessSecret`')
  return { accessSecret, refreshSecret }
}

function transportOf(profile: AuthProfile, option: AuthAppOptions['transport']): RefreshTransport {
  const transport = option ?? 'cookie'
  if (transport !== 'cookie' && transport !== 'body') fail('transport', '"cookie" or "body"')
  return profile.transport ?? transport
}

function clockOf(option: AuthAppOptions['clock']): () => number {
  if (option !== undefined && typeof option !== 'function') fail('clock', 'a function returning milliseconds')
  // Looked up on every call, so fake timers installed after creation still apply.
  return option ?? (() => Date.now())
}

function hmacOf(option: AuthAppOptions['hmac']): HmacSha256 | undefined {
  if (option !== undefined && typeof option !== 'function') fail('hmac', 'a function (key) => (data) => MAC')
  return option
}

/** Access-token lifetime, seconds, when none is given. */
export const DEFAULT_ACCESS_TOKEN_TTL = 900

/** Refresh-token family (session) lifetime, seconds, when none is given. */
export const DEFAULT_REFRESH_TOKEN_TTL = 604_800

export function normalizeAppOptions(options: AuthAppOptions): AppConfig {
  if (typeof options !== 'object' || options === null) throw new TypeError('The `options` argument must be an object')
  const profile = chosenProfile(options.profile)
  if (options.trustProxy !== undefined && typeof options.trustProxy !== 'boolean') fail('trustProxy', 'a boolean')
  return {
    ...secretsOf(options),
    accessTokenTtl: integer(options.accessTokenTtl, 'accessTokenTtl', DEFAULT_ACCESS_TOKEN_TTL, 1, 31_536_000),
    refreshTokenTtl: integer(options.refreshTokenTtl, 'refreshTokenTtl', DEFAULT_REFRESH_TOKEN_TTL, 1, 315_360_000),
    transport: transportOf(profile, options.transport),
    profile,
    reuseGraceMs: integer(options.reuseGraceSeconds, 'reuseGraceSeconds', 10, 0, 3600) * 1000,
    store: storeOf(options.store),
    clock: clockOf(options.clock),
    bcryptCost: integer(options.bcryptCost, 'bcryptCost', 10, 4, 15),
    demoUser: demoUserOf(options.demoUser),
    allowedOrigins: allowedOriginsOf(options.allowedOrigins),
    basePath: basePathOf(options.basePath),
    maxBodyBytes: integer(options.maxBodyBytes, 'maxBodyBytes', 65_536, 1, 16_777_216),
    cookie: cookieOf(options.cookie),
    loginThrottle: loginThrottleOf(options.loginThrottle),
    trustProxy: options.trustProxy ?? false,
    seedUsers: seedUsersOf(options.seedUsers),
    hmac: hmacOf(options.hmac),
    logger: loggerOf(options.logger),
  }
}
