/**
 * `ky-token-refresh/mock-server/node`: the protocol app on a real HTTP server
 * (Node only; the runtime-neutral entry never imports this file).
 */
import { createHmac } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { type HttpBindings, serve } from '@hono/node-server'
import { type AuthApp, createAuthApp } from './app.ts'
import { homePage } from './home-page.ts'
import { loggablePath, type RequestLogEntry } from './log.ts'
import { type AuthAppOptions, DEMO_USER } from './options.ts'
import { createServerFetch, type HomeRoute, type ServerFetch } from './server-app.ts'
import { createTestKit, type TestControls } from './test-kit.ts'

export type { RequestLogEntry } from './log.ts'
export type { HomeRoute } from './server-app.ts'

/** Options of {@link startAuthServer}: those of the app, and where to listen. */
export interface AuthServerOptions extends AuthAppOptions {
  /** TCP port; 0 picks a free one. @default 3000 */
  port?: number
  /** Interface to listen on; anything but loopback exposes the server to the network. @default '127.0.0.1' */
  hostname?: string
  /**
   * Serve the test controls under `/__control/` (see `createControlClient`). Refused unless `hostname` is a
   * loopback address: anyone reaching them can revoke sessions and sign tokens. @default false
   */
  controlApi?: boolean
  /** Answers `GET /`. @default a small HTML page naming the server, its routes and the demo user */
  home?: HomeRoute
  /** Called once per request answered, with its method, path (no query string), status and duration. */
  requestLog?: (entry: RequestLogEntry) => void
}

/** A running reference server. */
export interface AuthServer {
  /** Where the server listens, such as `http://127.0.0.1:3000`. */
  readonly url: string
  /** The app it serves, for the controls that need no transport (`revokeAllSessions`, `signAccessToken`). */
  readonly app: AuthApp
  /** The test controls, when `controlApi` is on. */
  readonly controls: TestControls | undefined
  /** Stops accepting connections, ends open ones, and resolves once closed. */
  close(): Promise<void>
}

const LOOPBACK_HOSTS = /^(?:localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/

/** Whether `hostname` only ever accepts connections from this machine. */
export function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.test(hostname)
}

/** HMAC-SHA-256 with `node:crypto`, several times faster than Web Crypto's promise round trips per token. */
function nodeHmac(key: Uint8Array): (data: Uint8Array) => Uint8Array {
  return (data) => createHmac('sha256', key).update(data).digest()
}

function checkOptions(options: AuthServerOptions, port: number, hostname: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError('The `port` option must be an integer from 0 to 65535')
  }
  if (typeof hostname !== 'string' || hostname === '') throw new TypeError('The `hostname` option must be a string')
  if (options.controlApi && !isLoopback(hostname)) {
    throw new TypeError(
      'The `controlApi` option needs a loopback `hostname` (127.0.0.1, ::1 or localhost): the controls must not be reachable from the network',
    )
  }
  if (options.home !== undefined && typeof options.home !== 'function') {
    throw new TypeError('The `home` option must be a function from a Request to a Response')
  }
  if (options.requestLog !== undefined && typeof options.requestLog !== 'function') {
    throw new TypeError('The `requestLog` option must be a function')
  }
}

interface Served {
  readonly app: () => AuthApp
  readonly controls: TestControls | undefined
  readonly fetch: ServerFetch
}

function served(options: AuthServerOptions): Served {
  const { port: _port, hostname: _hostname, controlApi = false, home, requestLog: _log, ...rest } = options
  const appOptions: AuthAppOptions = { hmac: nodeHmac, ...rest }
  const demoUser = appOptions.demoUser === undefined ? DEMO_USER : appOptions.demoUser || undefined
  const homeRoute = home ?? (() => homePage({ basePath: appOptions.basePath ?? '', demoUser, controlApi }))
  if (!controlApi) {
    const app = createAuthApp(appOptions)
    return {
      app: () => app,
      controls: undefined,
      fetch: createServerFetch({ app }, appOptions.basePath ?? '', homeRoute),
    }
  }
  const kit = createTestKit(appOptions, appOptions.clock ?? (() => Date.now()))
  return { app: () => kit.app, controls: kit, fetch: createServerFetch({ kit }, appOptions.basePath ?? '', homeRoute) }
}

/** Answers one request over Node's HTTP server, logging it if asked. */
function nodeFetch(fetch: ServerFetch, log: AuthServerOptions['requestLog']) {
  return async (request: Request, env: HttpBindings) => {
    const started = performance.now()
    let dropped = false
    const response = await fetch(request, {
      client: { address: env.incoming.socket.remoteAddress },
      networkError: () => {
        dropped = true
        env.incoming.socket.destroy()
        return new Response(null, { status: 204 })
      },
    })
    const status = dropped ? 'dropped' : response.status
    log?.({
      method: request.method,
      path: loggablePath(request.url),
      status,
      milliseconds: performance.now() - started,
    })
    return response
  }
}

/** Serves {@link createAuthApp} over HTTP with `@hono/node-server`. */
export function startAuthServer(options: AuthServerOptions = {}): Promise<AuthServer> {
  const { port = 3000, hostname = '127.0.0.1' } = options
  let answering: Served
  try {
    checkOptions(options, port, hostname)
    answering = served(options)
  } catch (error) {
    return Promise.reject(error)
  }
  const fetch = nodeFetch(answering.fetch, options.requestLog)
  return new Promise((resolve, reject) => {
    // The node-server's own Request/Response globals stay off: the process may run other fetch code.
    const server = serve(
      { fetch: (request, env) => fetch(request, env as HttpBindings), port, hostname, overrideGlobalObjects: false },
      (info: AddressInfo) => {
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address
        resolve({
          url: `http://${host}:${info.port}`,
          get app() {
            return answering.app()
          },
          controls: answering.controls,
          close: () =>
            new Promise<void>((done, fail) => {
              server.close((error) => (error ? fail(error) : done()))
              if ('closeAllConnections' in server) server.closeAllConnections()
            }),
        })
      },
    )
    server.once('error', reject)
  })
}
