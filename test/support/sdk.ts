/**
 * Shared set-up for the SDK tests: the reference server behind MSW (one `setupServer` per test file) and a fake
 * clock. Waiting on fake time and real I/O: `./time.ts`.
 */
import { type SetupServer, setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, vi } from 'vitest'
import { type AuthHandlers, type AuthHandlersOptions, createAuthHandlers } from '../../mock-server/index.ts'

export const API = 'https://api.example.test'
export const DEMO = { username: 'user1', password: 'password123' } as const

/**
 * The timers, `Date` and `performance.now()` that tests drive (the SDK reads both clocks). `setImmediate` and the
 * microtask queue stay real: MSW answers over (intercepted) sockets, i.e. real I/O.
 */
export function installFakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] })
}

/** One mock server's options; `baseUrl` defaults to {@link API}. */
type MockConfig = Partial<AuthHandlersOptions> & { baseUrl?: string }

/** Mock servers for this file behind one MSW server, reset after each test (one handler tuple per config). */
export function mockServers<const C extends readonly MockConfig[]>(...configs: C): { [K in keyof C]: AuthHandlers } {
  return mockServersWithMsw(...configs).mocks as { [K in keyof C]: AuthHandlers }
}

/** The file's single mock server. */
export function mockServer(config: Partial<AuthHandlersOptions> = {}): AuthHandlers {
  return mockServers(config)[0] as AuthHandlers
}

/** How many `/protected` requests were answered with `status`. */
export function answered(mock: AuthHandlers, status: number): number {
  return mock.requests.filter((request) => request.route === '/protected' && request.status === status).length
}

/**
 * {@link mockServers}, plus the file's MSW server itself, for per-test overrides
 * with `server.use(...)` (reset after each test like everything else).
 */
export function mockServersWithMsw(...configs: readonly MockConfig[]): {
  mocks: AuthHandlers[]
  server: SetupServer
} {
  const mocks = configs.map((config) => createAuthHandlers({ baseUrl: API, bcryptCost: 4, ...config }))
  const server = setupServer(...mocks.flatMap((mock) => mock.handlers))
  beforeAll(() => server.listen({ onUnhandledFrame: 'error' }))
  afterEach(() => {
    server.resetHandlers()
    for (const mock of mocks) mock.reset()
    vi.useRealTimers()
  })
  afterAll(() => server.close())
  return { mocks, server }
}
