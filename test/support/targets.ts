/**
 * The two transports of the reference app, behind one interface, so that the
 * contract suite runs unchanged through MSW (in-process) and against `npm start`
 * (real HTTP on loopback). Each target behaves like a browser tab: it keeps
 * cookies and sends them unless a request brings its own `Cookie` header.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { createCookieJar } from '../../mock-server/cookie-jar.ts'
import { createAuthHandlers } from '../../mock-server/index.ts'
import type { RefreshTransport } from '../../mock-server/profiles.ts'
import { type StartedServer, startNpmServer, testSecrets } from './npm-start.ts'

/** Lifetimes shared by both transports: short, so the real server's waits stay short. */
export const TTL = { accessSeconds: 2, refreshSeconds: 5, graceSeconds: 1 } as const

export interface ContractTarget {
  readonly name: string
  readonly transport: RefreshTransport
  /** Origin of the server, for `Origin` headers. */
  origin(): string
  /** A browser-like request to `path` (cookies from the jar unless `init.headers` has `cookie`). */
  request(path: string, init?: RequestInit): Promise<Response>
  /** A cookie as the browser would hold it. */
  cookie(name: string): string | undefined
  clearCookies(): void
  /** Lets `milliseconds` pass on the server's clock (instantly through MSW, really over HTTP). */
  elapse(milliseconds: number): Promise<void>
}

/** Both transports through one MSW server, each at its own origin; hooks registered by the caller's file. */
export function mswTargets(): ContractTarget[] {
  const suites = (['cookie', 'body'] as const).map((transport) => {
    const origin = `https://${transport}.api.test`
    const auth = createAuthHandlers({
      baseUrl: origin,
      transport,
      bcryptCost: 4,
      accessTokenTtl: TTL.accessSeconds,
      refreshTokenTtl: TTL.refreshSeconds,
      reuseGraceSeconds: TTL.graceSeconds,
    })
    const target: ContractTarget = {
      name: `through MSW, ${transport} transport`,
      transport,
      origin: () => origin,
      request: (path, init) => fetch(`${origin}${path}`, init),
      cookie: (name) => auth.cookies.get(name),
      clearCookies: () => auth.cookies.clear(),
      async elapse(milliseconds) {
        auth.advanceClock(milliseconds)
      },
    }
    return { auth, target }
  })
  const server = setupServer(...suites.flatMap(({ auth }) => auth.handlers))
  beforeAll(() => server.listen({ onUnhandledFrame: 'error' }))
  afterEach(() => {
    for (const { auth } of suites) auth.reset()
  })
  afterAll(() => server.close())
  return suites.map(({ target }) => target)
}

/**
 * One `npm start` per transport, on a free loopback port, each keeping its sessions in a SQLite file of its
 * own (npm start's default store); hooks registered by the caller's file.
 */
export function npmStartTargets(): ContractTarget[] {
  return (['cookie', 'body'] as const).map((transport) => {
    let server: StartedServer | undefined
    let jar = createCookieJar(() => Date.now(), undefined)
    const folder = mkdtempSync(join(tmpdir(), `ktr-contract-${transport}-`))
    beforeAll(async () => {
      server = await startNpmServer({
        ...testSecrets(),
        DATABASE: join(folder, 'auth.sqlite'),
        REFRESH_TRANSPORT: transport,
        JWT_EXPIRATION: String(TTL.accessSeconds),
        JWT_REFRESH_EXPIRATION: String(TTL.refreshSeconds),
        REFRESH_REUSE_GRACE: String(TTL.graceSeconds),
      })
    })
    afterEach(() => {
      jar = createCookieJar(() => Date.now(), undefined)
    })
    afterAll(async () => {
      await server?.stop()
      rmSync(folder, { recursive: true, force: true })
    })
    const url = () => {
      if (!server) throw new Error('the server is not started')
      return server.url
    }
    return {
      name: `against npm start, ${transport} transport`,
      transport,
      origin: url,
      async request(path, init = {}) {
        const request = new Request(`${url()}${path}`, init)
        const cookie = request.headers.has('cookie') ? undefined : jar.header(request)
        const headers = new Headers(request.headers)
        if (cookie) headers.set('cookie', cookie)
        const response = await fetch(new Request(request, { headers }))
        for (const setCookie of response.headers.getSetCookie()) jar.store(setCookie, request)
        return response
      },
      cookie: (name) => jar.get(name),
      clearCookies: () => jar.clear(),
      elapse: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
    }
  })
}
