/**
 * The documented auth protocol as one fetch app, `(Request) => Promise<Response>`.
 * The MSW handlers and the Node server both call this very app.
 */
import { compare, hash, truncates } from 'bcryptjs'
import { type Context, Hono } from 'hono'
import { generateCookie } from 'hono/cookie'
import { cors } from 'hono/cors'
import type { CookieOptions } from 'hono/utils/cookie'
import { parse as parseCookies } from 'hono/utils/cookie'
import { HttpProblem, optionalString, problemResponse, readJsonObject, requiredString } from './http.ts'
import { type AuthAppOptions, normalizeAppOptions, randomSecret } from './options.ts'
import { createSessions, type IssuedTokens } from './sessions.ts'
import { isStoreFailure } from './store/failure.ts'
import type { StoredUser } from './store.ts'

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

/** The protocol as a fetch app, plus the controls that need no transport. */
export interface AuthApp {
  /** Answers one request; never rejects. `cookies` is for transports without a cookie header. */
  fetch(request: Request, cookies?: CookieChannel): Promise<Response>
  /** Revokes every refresh-token family and, with them, every access token bound to a session. */
  revokeAllSessions(): Promise<void>
  /** Signs arbitrary claims with the access-token key, to craft edge-case tokens in tests. */
  signAccessToken(claims: Record<string, unknown>): Promise<string>
}

/** Name of the HttpOnly cookie that carries the refresh token (as in tutorial 001). */
export const REFRESH_COOKIE = 'refreshToken'

// `env` is absent when the app is called without a cookie channel.
type AppEnv = { Bindings: { cookies?: CookieChannel } }
type AppContext = Context<AppEnv>

const USERNAME = /^[^\s\p{Cc}]{1,64}$/u
const EMAIL = /^[^\s@\p{Cc}]{1,64}@[^\s@\p{Cc}]{1,189}$/u

/** Refusals that must not tell an unknown user from a wrong password: one constant answer. */
const INVALID_CREDENTIALS = 'Invalid credentials'
/** The longest cookie lifetime browsers keep (RFC 6265bis: 400 days), in seconds. */
const MAX_COOKIE_AGE = 400 * 24 * 60 * 60

/** A store failure is the store's unavailability (503, worth retrying); anything else is a bug (500). */
function serverProblem(error: unknown): HttpProblem {
  return isStoreFailure(error)
    ? new HttpProblem(503, 'store_unavailable', 'The session store is unavailable; try again', { 'retry-after': '1' })
    : new HttpProblem(500, 'server_error', 'Internal error')
}

/** Logout when the revocation failed: the cookie is gone, but the session may live on server-side. */
function revocationFailed(cause: unknown): HttpProblem {
  if (!isStoreFailure(cause)) throw cause
  const problem = new HttpProblem(
    503,
    'revocation_failed',
    'Logged out here, but the session could not be revoked server-side; log out again with the refresh token',
    { 'retry-after': '1' },
  )
  return Object.assign(problem, { cause })
}

function loginKey(body: Record<string, unknown>): string {
  const username = optionalString(body, 'username')
  const email = optionalString(body, 'email')
  if ((username === undefined) === (email === undefined)) {
    throw new HttpProblem(400, 'invalid_request', 'Exactly one of "username" and "email" is required')
  }
  if (username !== undefined) {
    if (!USERNAME.test(username))
      throw new HttpProblem(400, 'invalid_request', '"username" must be 1 to 64 visible characters')
    return `username:${username}`
  }
  if (!EMAIL.test(email as string)) throw new HttpProblem(400, 'invalid_request', '"email" must be an email address')
  return `email:${(email as string).toLowerCase()}`
}

/**
 * The documented auth protocol as one `(Request) => Promise<Response>` app: register, login, the refresh
 * operation under `/token`, `/refresh` and `/refresh-token`, protected, logout.
 *
 * @example
 * const app = createAuthApp({ bcryptCost: 4 })
 * const response = await app.fetch(new Request('http://localhost/protected'))
 */
export function createAuthApp(options: AuthAppOptions = {}): AuthApp {
  const config = normalizeAppOptions(options)
  const { profile, store } = config
  const sessions = createSessions(config)

  // Hashes are computed on first use, so creating an app costs nothing.
  let seeded: Promise<string> | undefined
  const ready = () => {
    seeded ??= (async () => {
      if (config.demoUser) {
        const { username, password } = config.demoUser
        await store.insertUser({
          id: '1',
          login: `username:${username}`,
          passwordHash: await hash(password, config.bcryptCost),
        })
      }
      // Compared against when the user is unknown, so both refusals cost the same time.
      return hash(randomSecret(), config.bcryptCost)
    })()
    // A store that failed while seeding is tried again by the next request, not remembered as failed.
    seeded.catch(() => {
      seeded = undefined
    })
    return seeded
  }

  const foreignOrigin = (c: AppContext) => {
    const origin = c.req.header('origin')
    return origin !== undefined && origin !== new URL(c.req.url).origin && !config.allowedOrigins.has(origin)
  }

  const readCookie = (c: AppContext) => {
    const header = c.req.header('cookie') ?? c.env?.cookies?.read()
    return header ? parseCookies(header, REFRESH_COOKIE)[REFRESH_COOKIE] : undefined
  }
  const writeCookie = (c: AppContext, value: string, maxAge: number) => {
    // Browsers keep a cookie at most 400 days (RFC 6265bis), and Hono refuses a longer Max-Age.
    const options: CookieOptions = {
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: Math.min(maxAge, MAX_COOKIE_AGE),
    }
    const setCookie = generateCookie(REFRESH_COOKIE, value, options)
    c.header('set-cookie', setCookie, { append: true })
    c.env?.cookies?.write(setCookie)
  }

  const tokenResponse = (c: AppContext, tokens: IssuedTokens, via: 'cookie' | 'body') => {
    c.header('cache-control', 'no-store')
    c.header('pragma', 'no-cache')
    if (tokens.refreshToken !== undefined && via === 'cookie') {
      writeCookie(c, tokens.refreshToken, Math.max(0, tokens.refreshExpiresAt - Math.floor(config.clock() / 1000)))
    }
    const body: { accessToken: string; refreshToken?: string } = { accessToken: tokens.accessToken }
    if (tokens.refreshToken !== undefined && via === 'body') body.refreshToken = tokens.refreshToken
    return c.json(body)
  }

  /** The refresh token of a request: the JSON field wins; a cookie-borne one must come from an allowed origin. */
  const presentedRefreshToken = async (c: AppContext) => {
    const fromBody = optionalString(await readJsonObject(c.req.raw, config.maxBodyBytes), 'refreshToken')
    if (fromBody !== undefined) return { token: fromBody, via: 'body' as const }
    const fromCookie = readCookie(c)
    if (fromCookie !== undefined && foreignOrigin(c)) {
      throw new HttpProblem(403, 'forbidden_origin', 'Cookie-borne requests must come from an allowed origin')
    }
    return { token: fromCookie || undefined, via: 'cookie' as const }
  }

  const bearerToken = (c: AppContext) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header('authorization') ?? '')
    return match?.[1]
  }

  const routes = new Hono<AppEnv>()

  routes.post('/register', async (c) => {
    const body = await readJsonObject(c.req.raw, config.maxBodyBytes)
    const login = loginKey(body)
    const password = requiredString(body, 'password')
    if (password.length < 8 || truncates(password)) {
      throw new HttpProblem(400, 'invalid_request', '"password" must be 8 to 72 bytes long')
    }
    await ready()
    const user: StoredUser = { id: crypto.randomUUID(), login, passwordHash: await hash(password, config.bcryptCost) }
    if (!(await store.insertUser(user))) throw new HttpProblem(409, 'conflict', 'This account already exists')
    return c.json({ user: { id: user.id, name: login.slice(login.indexOf(':') + 1) } }, 201)
  })

  routes.post('/login', async (c) => {
    const body = await readJsonObject(c.req.raw, config.maxBodyBytes)
    const login = loginKey(body)
    const password = requiredString(body, 'password')
    const dummyHash = await ready()
    const user = await store.findUser(login)
    // bcrypt only reads 72 bytes: a longer password could match a stored prefix, so it never matches.
    const matches = await compare(password, user?.passwordHash ?? dummyHash)
    if (!user || !matches || truncates(password)) {
      throw new HttpProblem(profile.loginFailureStatus, 'invalid_grant', INVALID_CREDENTIALS)
    }
    return tokenResponse(c, await sessions.start(user), config.transport)
  })

  const refresh = async (c: AppContext) => {
    const { token, via } = await presentedRefreshToken(c)
    if (!token) throw new HttpProblem(profile.missingRefreshStatus, 'invalid_request', 'A refresh token is required')
    const tokens = await sessions.refresh(token)
    if (!tokens) {
      throw new HttpProblem(
        profile.invalidRefreshStatus,
        'invalid_grant',
        'The refresh token is invalid, expired or revoked',
      )
    }
    return tokenResponse(c, tokens, via)
  }
  // One operation under the three documented names.
  routes.post('/token', refresh)
  routes.post('/refresh', refresh)
  routes.post('/refresh-token', refresh)

  routes.post('/logout', async (c) => {
    const { token } = await presentedRefreshToken(c)
    const revocation = await sessions.end({ refreshToken: token, accessToken: bearerToken(c) }).then(
      () => undefined,
      (error: unknown) => error,
    )
    // The cookie is expired whatever the store did: this browser is logged out either way.
    writeCookie(c, '', 0)
    c.header('cache-control', 'no-store')
    if (revocation !== undefined) throw revocationFailed(revocation)
    return profile.logoutMessage === undefined ? c.body(null, 204) : c.json({ message: profile.logoutMessage })
  })

  routes.get('/protected', async (c) => {
    const token = bearerToken(c)
    // RFC 6750 §3.1: no error code when the request carries no token at all.
    if (!token)
      throw new HttpProblem(401, 'unauthorized', 'An access token is required', { 'www-authenticate': 'Bearer' })
    const claims = await sessions.authenticate(token)
    if (!claims) {
      throw new HttpProblem(
        profile.invalidAccessStatus,
        'invalid_token',
        'The access token is invalid or expired',
        profile.invalidAccessStatus === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {},
      )
    }
    return c.json({ message: profile.protectedMessage, user: { id: claims.sub, name: claims.name } })
  })

  const app = new Hono<AppEnv>()
  if (config.allowedOrigins.size > 0) {
    app.use(
      cors({
        origin: [...config.allowedOrigins],
        credentials: true,
        allowMethods: ['GET', 'POST'],
        allowHeaders: ['Authorization', 'Content-Type'],
        exposeHeaders: ['WWW-Authenticate'],
      }),
    )
  }
  app.route(config.basePath || '/', routes)
  app.notFound((c) => problemResponse(c, new HttpProblem(404, 'not_found', 'No such route')))
  app.onError((error, c) => {
    if (error instanceof HttpProblem && error.status < 500) return problemResponse(c, error)
    // A 5xx is the server's own failure: reported with its route and cause, never with a token or a secret.
    const route = new URL(c.req.url).pathname.slice(config.basePath.length)
    const cause = error instanceof HttpProblem && error.cause !== undefined ? error.cause : error
    config.logger.error(`Auth server: ${error.message} (${c.req.method} ${route})`, {
      route,
      error: cause,
      ...(isStoreFailure(cause) && { operation: cause.operation }),
    })
    return problemResponse(c, error instanceof HttpProblem ? error : serverProblem(error))
  })

  return {
    fetch: async (request, cookies) => app.fetch(request, cookies ? { cookies } : undefined),
    revokeAllSessions: async () => {
      await store.revokeAllFamilies()
    },
    signAccessToken: (claims) => sessions.signAccessToken(claims),
  }
}
