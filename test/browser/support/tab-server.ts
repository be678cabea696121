/**
 * The reference app and a test page on ONE origin (so the HttpOnly refresh cookie is first-party), for
 * tabs.test.ts: `GET /tab.html` and `/tab.js` (tab-page.ts bundled with esbuild) are answered here, everything
 * else goes to `createAuthApp`. Every request to the app is recorded here, where the server sees it, with the
 * claims (never the token) of the Bearer token it carried, of the refresh cookie it presented and of the access
 * token it was given. A request can be held, as a refresh that takes long; the server's clock can be moved ahead.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createAuthApp, REFRESH_COOKIE } from '../../../mock-server/app.ts'
import { bundle } from './page-server.ts'

/** The claims a recorded token is known by. */
export interface TokenClaims {
  readonly jti: string | undefined
  readonly exp: number | undefined
  /** The user's name. */
  readonly name: string | undefined
}

/** One request as the server saw it. */
export interface Hit {
  /** The test process's `Date.now()` when it arrived. */
  readonly at: number
  readonly method: string
  readonly path: string
  /** The status answered; 503 for a held request let go without reaching the app. */
  status: number | undefined
  /** The server's clock when it arrived, in seconds (as `exp` counts). */
  readonly serverNow: number
  /** The Bearer token it carried, if any. */
  readonly bearer: TokenClaims | undefined
  /** The refresh cookie it presented, if any (`jti` names the family head: each one can be rotated once). */
  readonly refreshCookie: TokenClaims | undefined
  /** The access token the answer gave, if any. */
  issued: TokenClaims | undefined
}

/** A request being held: `arrived` resolves once it is; `release` lets it go (to the app, or answered 503). */
export interface Hold {
  readonly arrived: Promise<void>
  release(): void
}

export interface TabServer {
  /** The origin, such as `http://127.0.0.1:41234`. */
  readonly origin: string
  /** The page's address. */
  readonly pageUrl: string
  /** Everything that reached the app so far, in order of arrival. */
  readonly hits: readonly Hit[]
  /** The recorded requests to `path` (such as `/refresh`), optionally from index `since` of `hits` on. */
  hitsOf(path: string, since?: number): Hit[]
  /**
   * Holds the next request to `path` until released: then it goes to the app as it arrived (`forward`), as a slow
   * answer, or it is answered 503 without reaching the app, as an answer that went nowhere.
   */
  hold(path: string, options?: { forward?: boolean }): Hold
  /** Revokes every session on the server (as an administrator would): the next refresh is refused. */
  revokeAllSessions(): Promise<void>
  /** Moves the server's clock `ms` ahead of the real one. */
  skew(ms: number): void
  /** Forgets the recorded requests and lets the held ones go (the app's sessions stay). */
  clear(): void
  close(): Promise<void>
}

/** The payload of a JWT, decoded and not verified: test bookkeeping only. */
function claimsOf(token: string | undefined): TokenClaims | undefined {
  if (!token) return undefined
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))
    return { jti: claims.jti, exp: claims.exp, name: claims.name }
  } catch {
    return undefined
  }
}

const bearerOf = (request: Request) => /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1]

const cookieOf = (request: Request) =>
  (request.headers.get('cookie') ?? '')
    .split(';')
    .map((pair) => pair.trim().split('='))
    .find(([name]) => name === REFRESH_COOKIE)?.[1]

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Tab: loading</title><script type="module" src="/tab.js"></script></head>
<body><h1>A tab of the app</h1></body>
</html>
`

/** Serves the page and the reference app (cookie transport, 5 s access tokens) on 127.0.0.1, on a free port. */
export async function startTabServer(): Promise<TabServer> {
  const script = await bundle('support/tab-page.ts')
  let skewMs = 0
  const clock = () => Date.now() + skewMs
  const app = createAuthApp({ accessTokenTtl: 5, bcryptCost: 4, transport: 'cookie', clock })
  const hits: Hit[] = []
  const holds = new Map<string, { arrived: () => void; released: Promise<void>; forward: boolean }>()
  const releases = new Set<() => void>()

  const answerApp = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    const hit: Hit = {
      at: Date.now(),
      method: request.method,
      path: url.pathname,
      status: undefined,
      serverNow: Math.floor(clock() / 1000),
      bearer: claimsOf(bearerOf(request)),
      refreshCookie: claimsOf(cookieOf(request)),
      issued: undefined,
    }
    hits.push(hit)
    const held = holds.get(url.pathname)
    if (held) {
      holds.delete(url.pathname)
      held.arrived()
      await held.released
      if (!held.forward) {
        hit.status = 503
        return new Response(null, { status: 503 })
      }
    }
    const response = await app.fetch(request)
    hit.status = response.status
    if (response.ok && response.headers.get('content-type')?.includes('json')) {
      const body = (await response.clone().json()) as { accessToken?: string }
      hit.issued = claimsOf(body.accessToken)
    }
    return response
  }

  const answer = (request: Request): Promise<Response> | Response => {
    const { pathname } = new URL(request.url)
    // The browser's own request, not the app's: kept out of the record.
    if (pathname === '/favicon.ico') return new Response(null, { status: 404 })
    const type = pathname === '/tab.html' ? 'text/html' : pathname === '/tab.js' ? 'text/javascript' : undefined
    if (request.method !== 'GET' || type === undefined) return answerApp(request)
    const body = type === 'text/html' ? PAGE : script
    return new Response(body, { headers: { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' } })
  }

  const { server, origin } = await new Promise<{ server: Server; origin: string }>((resolve, reject) => {
    const started = serve(
      { fetch: answer, port: 0, hostname: '127.0.0.1', overrideGlobalObjects: false },
      (info: AddressInfo) => resolve({ server: started as Server, origin: `http://127.0.0.1:${info.port}` }),
    )
    started.once('error', reject)
  })

  return {
    origin,
    pageUrl: `${origin}/tab.html`,
    hits,
    hitsOf: (path, since = 0) => hits.slice(since).filter((hit) => hit.path === path),
    hold(path, { forward = false } = {}) {
      let arrived: () => void = () => {}
      let release: () => void = () => {}
      const arrival = new Promise<void>((resolve) => {
        arrived = resolve
      })
      const released = new Promise<void>((resolve) => {
        release = resolve
      })
      releases.add(release)
      holds.set(path, { arrived, released, forward })
      return { arrived: arrival, release }
    },
    revokeAllSessions: () => app.revokeAllSessions(),
    skew(ms) {
      skewMs = ms
    },
    clear() {
      hits.length = 0
      holds.clear()
      for (const release of releases) release()
      releases.clear()
    },
    close() {
      for (const release of releases) release()
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
    },
  }
}
