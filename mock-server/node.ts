/**
 * `ky-token-refresh/mock-server/node`: the protocol app on a real HTTP server
 * (Node only; the runtime-neutral entry never imports this file).
 */
import { createHmac, createSecretKey } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type HttpBindings, serve } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { type AuthApp, createAuthApp } from './app.ts'
import { homePage } from './home-page.ts'
import { type BodyReader, payloadTooLarge } from './http.ts'
import { loggablePath, type RequestLogEntry } from './log.ts'
import { type AuthAppOptions, DEMO_USER } from './options.ts'
import { createServerFetch, type HomeRoute, type ServerFetch } from './server-app.ts'
import { createTestKit, type TestControls } from './test-kit.ts'

export type { RequestLogEntry } from './log.ts'
export type { HomeRoute } from './server-app.ts'

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
  /**
   * Let `@hono/node-server` replace the process's `Request` and `Response` globals with its lightweight ones,
   * which halves the cost of an answer. Only for a process that runs nothing but this server (`npm start` does):
   * other fetch code in the process would get them too. @default false
   */
  lightweightGlobals?: boolean
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
  // A KeyObject made once: from raw bytes, each createHmac would make one again.
  const secret = createSecretKey(key)
  return (data) => createHmac('sha256', secret).update(data).digest()
}

/** Reads the body from Node's request itself: a Web stream per request costs more than the rest of a refresh. */
function incomingBody(incoming: IncomingMessage): BodyReader {
  return (maxBytes) =>
    new Promise((resolve, reject) => {
      if (incoming.readableEnded) return resolve(new Uint8Array(0))
      const chunks: Buffer[] = []
      let size = 0
      const onData = (chunk: Buffer) => {
        size += chunk.byteLength
        if (size <= maxBytes) return void chunks.push(chunk)
        // Stop collecting, and let the rest drain: the answer is a 413, sent on this connection.
        incoming.off('data', onData)
        incoming.resume()
        reject(payloadTooLarge(maxBytes))
      }
      incoming.on('data', onData)
      // One chunk (a small body) is the body itself: no copy.
      incoming.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)))
      incoming.once('error', reject)
    })
}

/**
 * Writes `response` in one go: headers and body in a single write. Handed a Web `Response`, the node-server
 * would stream its body after the headers (two writes per answer, the largest cost under load) unless it
 * replaced the process's `Response` global with its own, which other fetch code in the process would then get.
 */
async function writeResponse(outgoing: ServerResponse, response: Response): Promise<void> {
  const body = response.body ? new Uint8Array(await response.arrayBuffer()) : undefined
  const headers: Record<string, string | string[]> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  outgoing.writeHead(response.status, headers)
  outgoing.end(body)
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
  const {
    port: _port,
    hostname: _hostname,
    controlApi = false,
    home,
    requestLog: _log,
    lightweightGlobals: _g,
    ...rest
  } = options
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
function nodeFetch(fetch: ServerFetch, log: AuthServerOptions['requestLog'], lightweight: boolean) {
  return async (request: Request, env: HttpBindings) => {
    const started = log ? performance.now() : 0
    let dropped = false
    const response = await fetch(request, {
      client: { address: env.incoming.socket.remoteAddress, readBody: incomingBody(env.incoming) },
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
    // The node-server writes its own lightweight answers in one go; a Web Response is written here.
    if (dropped) return RESPONSE_ALREADY_SENT
    if (lightweight) return response
    await writeResponse(env.outgoing, response)
    return RESPONSE_ALREADY_SENT
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
  const lightweight = options.lightweightGlobals === true
  const fetch = nodeFetch(answering.fetch, options.requestLog, lightweight)
  return new Promise((resolve, reject) => {
    // The node-server's own Request/Response globals stay off unless asked for: the process may run other fetch code.
    const server = serve(
      {
        fetch: (request, env) => fetch(request, env as HttpBindings),
        port,
        hostname,
        overrideGlobalObjects: lightweight,
      },
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
