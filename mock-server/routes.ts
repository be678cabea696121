/** The protocol's routes on a Hono router: register, login, the refresh operation, logout, protected. */
import { type Context, Hono } from 'hono'
import type { Accounts } from './accounts.ts'
import { protectedUserOf } from './claims.ts'
import type { ClientConnection, CookieChannel } from './connection.ts'
import { HttpProblem, optionalString, readJsonObject, requiredString } from './http.ts'
import type { AppConfig } from './options.ts'
import type { RefreshCookie } from './refresh-cookie.ts'
import type { IssuedTokens, Sessions } from './sessions.ts'
import { isStoreFailure } from './store/failure.ts'
import { loginKeyOfBody } from './usernames.ts'

// `env` is absent when the app is called without a cookie channel or a connection.
export type AppEnv = { Bindings: { cookies?: CookieChannel; client?: ClientConnection } }
type AppContext = Context<AppEnv>

export interface RouteDependencies {
  readonly config: AppConfig
  readonly accounts: Accounts
  readonly cookie: RefreshCookie
  /** The current sessions (replaced when every access token is expired at once). */
  sessions(): Sessions
}

/** The client a failed login is counted against: the connection, or the proxy's last entry when trusted. */
function clientAddress(c: AppContext, trustProxy: boolean): string {
  const forwarded = trustProxy ? c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim() : undefined
  return forwarded || c.env?.client?.address || 'unknown'
}

function bearerToken(c: AppContext): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header('authorization') ?? '')?.[1]
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

/**
 * The answer carrying tokens, built as one `Response` with a plain headers object: no `Headers` is built per answer,
 * and the Node server writes such an answer's headers as they are.
 */
function tokenResponder({ config, cookie }: RouteDependencies) {
  return (c: AppContext, tokens: IssuedTokens, via: 'cookie' | 'body') => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      pragma: 'no-cache',
    }
    if (tokens.refreshToken !== undefined && via === 'cookie') {
      const maxAge = Math.max(0, tokens.refreshExpiresAt - Math.floor(config.clock() / 1000))
      headers['set-cookie'] = cookie.setCookie(c, tokens.refreshToken, maxAge)
    }
    const body: { accessToken: string; refreshToken?: string } = { accessToken: tokens.accessToken }
    if (tokens.refreshToken !== undefined && via === 'body') body.refreshToken = tokens.refreshToken
    return new Response(JSON.stringify(body), { headers })
  }
}

/** The refresh token of a request: the JSON field wins; a cookie-borne one must come from an allowed origin. */
function refreshTokenReader({ config, cookie }: RouteDependencies) {
  const foreignOrigin = (c: AppContext) => {
    const origin = c.req.header('origin')
    return origin !== undefined && origin !== new URL(c.req.url).origin && !config.allowedOrigins.has(origin)
  }
  return async (c: AppContext) => {
    const fromBody = optionalString(
      await readJsonObject(c.req.raw, config.maxBodyBytes, c.env?.client?.readBody),
      'refreshToken',
    )
    if (fromBody !== undefined) return { token: fromBody, via: 'body' as const }
    const fromCookie = cookie.read(c)
    if (fromCookie !== undefined && foreignOrigin(c)) {
      throw new HttpProblem(403, 'forbidden_origin', 'Cookie-borne requests must come from an allowed origin')
    }
    return { token: fromCookie || undefined, via: 'cookie' as const }
  }
}

function accountRoutes(routes: Hono<AppEnv>, deps: RouteDependencies): void {
  const { config, accounts } = deps
  const respond = tokenResponder(deps)
  routes.post('/register', async (c) => {
    const body = await readJsonObject(c.req.raw, config.maxBodyBytes, c.env?.client?.readBody)
    const login = loginKeyOfBody(body)
    const user = await accounts.register(login, requiredString(body, 'password'))
    return c.json({ user: { id: user.id, name: login.slice(login.indexOf(':') + 1) } }, 201)
  })
  routes.post('/login', async (c) => {
    const body = await readJsonObject(c.req.raw, config.maxBodyBytes, c.env?.client?.readBody)
    const login = loginKeyOfBody(body)
    const password = requiredString(body, 'password')
    const user = await accounts.verify(login, password, clientAddress(c, config.trustProxy))
    return respond(c, await deps.sessions().start(user), config.transport)
  })
}

function sessionRoutes(routes: Hono<AppEnv>, deps: RouteDependencies): void {
  const { profile } = deps.config
  const respond = tokenResponder(deps)
  const presented = refreshTokenReader(deps)
  const refresh = async (c: AppContext) => {
    const { token, via } = await presented(c)
    if (!token) {
      const body = profile.refusalBodies?.missingRefresh
      throw new HttpProblem(profile.missingRefreshStatus, 'invalid_request', 'A refresh token is required', {}, body)
    }
    const tokens = await deps.sessions().refresh(token)
    if (!tokens) {
      const message = 'The refresh token is invalid, expired or revoked'
      throw new HttpProblem(
        profile.invalidRefreshStatus,
        'invalid_grant',
        message,
        {},
        profile.refusalBodies?.invalidRefresh,
      )
    }
    return respond(c, tokens, via)
  }
  // One operation under the three documented names.
  routes.post('/token', refresh)
  routes.post('/refresh', refresh)
  routes.post('/refresh-token', refresh)

  routes.post('/logout', async (c) => {
    const { token } = await presented(c)
    const revocation = await deps
      .sessions()
      .end({ refreshToken: token, accessToken: bearerToken(c) })
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    // The cookie is expired whatever the store did: this browser is logged out either way.
    deps.cookie.write(c, '', 0)
    c.header('cache-control', 'no-store')
    if (revocation !== undefined) throw revocationFailed(revocation)
    return profile.logoutMessage === undefined ? c.body(null, 204) : c.json({ message: profile.logoutMessage })
  })
}

function protectedRoute(routes: Hono<AppEnv>, deps: RouteDependencies): void {
  const { profile } = deps.config
  routes.get('/protected', async (c) => {
    const token = bearerToken(c)
    // RFC 6750 §3.1: no error code when the request carries no token at all.
    if (!token) {
      const body = profile.refusalBodies?.missingAccess
      throw new HttpProblem(401, 'unauthorized', 'An access token is required', { 'www-authenticate': 'Bearer' }, body)
    }
    const claims = await deps.sessions().authenticate(token)
    if (!claims) {
      const challenge =
        profile.invalidAccessStatus === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {}
      const message = 'The access token is invalid or expired'
      throw new HttpProblem(
        profile.invalidAccessStatus,
        'invalid_token',
        message,
        challenge,
        profile.refusalBodies?.invalidAccess,
      )
    }
    return c.json({ message: profile.protectedMessage, user: protectedUserOf(profile, claims) })
  })
}

export function authRoutes(deps: RouteDependencies): Hono<AppEnv> {
  const routes = new Hono<AppEnv>()
  accountRoutes(routes, deps)
  sessionRoutes(routes, deps)
  protectedRoute(routes, deps)
  return routes
}
