/**
 * Shared set-up for the SDK tests: the reference server behind MSW (one
 * `setupServer` per test file), a fake clock, and ways to let real I/O settle
 * while the timers stay fake.
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

const realTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Real milliseconds, whatever the fake clock says (`performance` and `Date` are faked). */
const realMilliseconds = () => Number(process.hrtime.bigint() / 1_000_000n)

/** Lets real I/O run (fake timers stay still) until `condition` holds; fails after 5 s of real time. */
export async function settle(condition: () => boolean, what = 'the condition'): Promise<void> {
  const start = realMilliseconds()
  while (!condition()) {
    if (realMilliseconds() - start > 5000) throw new Error(`Timed out waiting for ${what}`)
    await realTurn()
  }
}

/** Awaits `promise` while moving the fake clock on in `step` ms increments (for retries with delays). */
export async function drive<T>(promise: Promise<T>, step = 50, limit = 120_000): Promise<T> {
  let settled = false
  const tracked = promise.finally(() => {
    settled = true
  })
  tracked.catch(() => {})
  for (let elapsed = 0; !settled; elapsed += step) {
    if (elapsed > limit) throw new Error(`Still pending after ${limit} ms of fake time`)
    await realTurn()
    if (!settled) await vi.advanceTimersByTimeAsync(step)
  }
  return tracked
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

/**
 * Awaits `promise` while firing the fake timers that are already due, without
 * moving the clock: for ky's `delay: 0` replay after a refresh. Unlike `drive`,
 * slow real I/O cannot let fake time run into timeouts or scheduled refreshes.
 */
export async function flushDue<T>(promise: Promise<T>, what = 'the promise'): Promise<T> {
  let settled = false
  const tracked = promise.finally(() => {
    settled = true
  })
  tracked.catch(() => {})
  const start = realMilliseconds()
  while (!settled) {
    if (realMilliseconds() - start > 5000) throw new Error(`Timed out waiting for ${what}`)
    await realTurn()
    if (!settled) await vi.advanceTimersByTimeAsync(0)
  }
  return tracked
}
