/**
 * The documented auth protocol as one fetch app, `(Request) => Promise<Response>`.
 * The MSW handlers and the Node server both call this very app.
 */
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { createAccounts } from './accounts.ts'
import { extraClaimsOf } from './claims.ts'
import type { ClientConnection, CookieChannel } from './connection.ts'
import { HttpProblem, problemResponse } from './http.ts'
import { type AppConfig, type AuthAppOptions, normalizeAppOptions, randomSecret } from './options.ts'
import { createRefreshCookie } from './refresh-cookie.ts'
import { type AppEnv, authRoutes } from './routes.ts'
import { createSessions } from './sessions.ts'
import { isStoreFailure } from './store/failure.ts'

export type { ClientConnection, CookieChannel } from './connection.ts'

/** The protocol as a fetch app, plus the controls that need no transport. */
export interface AuthApp {
  /**
   * Answers one request; never rejects. `cookies` is for transports without a cookie header,
   * `client` for those that know the peer's address.
   */
  fetch(request: Request, cookies?: CookieChannel, client?: ClientConnection): Promise<Response>
  /** Revokes every refresh-token family and, with them, every access token bound to a session. */
  revokeAllSessions(): Promise<void>
  /**
   * Makes every access token issued so far invalid at once (the access-token key is replaced until the app is
   * recreated); refresh tokens keep working, so a client's next refresh succeeds.
   */
  expireAccessTokens(): void
  /** Signs arbitrary claims with the access-token key, to craft edge-case tokens in tests. */
  signAccessToken(claims: Record<string, unknown>): Promise<string>
}

/** Name of the HttpOnly cookie that carries the refresh token by default (as in tutorial 001). */
export const REFRESH_COOKIE = 'refreshToken'

/** A store failure is the store's unavailability (503, worth retrying); anything else is a bug (500). */
function serverProblem(error: unknown): HttpProblem {
  return isStoreFailure(error)
    ? new HttpProblem(503, 'store_unavailable', 'The session store is unavailable; try again', { 'retry-after': '1' })
    : new HttpProblem(500, 'server_error', 'Internal error')
}

function withCors(app: Hono<AppEnv>, config: AppConfig): void {
  if (config.allowedOrigins.size === 0) return
  app.use(
    cors({
      origin: [...config.allowedOrigins],
      credentials: true,
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['Authorization', 'Content-Type'],
      exposeHeaders: ['WWW-Authenticate', 'Retry-After'],
    }),
  )
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
  const accounts = createAccounts(config)
  const extraClaims = extraClaimsOf(config.profile, accounts.claimsOf)
  let sessions = createSessions(config, extraClaims)

  const app = new Hono<AppEnv>()
  withCors(app, config)
  const routes = authRoutes({ config, accounts, cookie: createRefreshCookie(config.cookie), sessions: () => sessions })
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
    fetch: async (request, cookies, client) =>
      app.fetch(request, cookies || client ? { ...(cookies && { cookies }), ...(client && { client }) } : undefined),
    revokeAllSessions: async () => {
      await config.store.revokeAllFamilies()
    },
    expireAccessTokens() {
      sessions = createSessions({ ...config, accessSecret: randomSecret() }, extraClaims)
    },
    signAccessToken: (claims) => sessions.signAccessToken(claims),
  }
}
