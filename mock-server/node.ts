/**
 * `ky-token-refresh/mock-server/node`: the protocol app on a real HTTP server
 * (Node only; the runtime-neutral entry never imports this file).
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { type AuthApp, createAuthApp } from './app.ts'
import type { AuthAppOptions } from './options.ts'

export {
  type ConnectedRedisStore,
  connectRedisStore,
  createRedisStore,
  type RedisClient,
  type RedisStore,
  type RedisStoreOptions,
} from './store/redis.ts'
export { createSqliteStore, type SqliteStore } from './store/sqlite.ts'

/** Options of {@link startAuthServer}: those of the app, and where to listen. */
export interface AuthServerOptions extends AuthAppOptions {
  /** TCP port; 0 picks a free one. @default 3000 */
  port?: number
  /** Interface to listen on. @default '127.0.0.1' */
  hostname?: string
}

/** A running reference server. */
export interface AuthServer {
  /** Where the server listens, such as `http://127.0.0.1:3000`. */
  readonly url: string
  /** The app it serves, for the controls that need no transport (`revokeAllSessions`, `signAccessToken`). */
  readonly app: AuthApp
  /** Stops accepting connections, ends open ones, and resolves once closed. */
  close(): Promise<void>
}

/** Serves {@link createAuthApp} over HTTP with `@hono/node-server`. */
export function startAuthServer(options: AuthServerOptions = {}): Promise<AuthServer> {
  const { port = 3000, hostname = '127.0.0.1', ...appOptions } = options
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    return Promise.reject(new TypeError('The `port` option must be an integer from 0 to 65535'))
  }
  let app: AuthApp
  try {
    app = createAuthApp(appOptions)
  } catch (error) {
    return Promise.reject(error)
  }
  return new Promise((resolve, reject) => {
    // The node-server's own Request/Response globals stay off: the process may run other fetch code.
    const server = serve(
      { fetch: (request) => app.fetch(request), port, hostname, overrideGlobalObjects: false },
      (info: AddressInfo) => {
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address
        resolve({
          url: `http://${host}:${info.port}`,
          app,
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
