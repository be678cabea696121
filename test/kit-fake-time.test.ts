/**
 * Fake time as users write it: `vi.useFakeTimers()` with vitest's defaults (which fake `setImmediate`, `Date`,
 * `performance` and more), a login, then one `advanceTimersByTimeAsync` past a 60 s access token. Each pattern runs
 * 20 times in a row: every run must see one refresh and a 200, never a second refresh or a false SESSION_EXPIRED.
 * The loops call the runner's timers directly on purpose: they are the user's pattern under test.
 */
import { createHmac } from 'node:crypto'
import { createAuthClient, isAuthError } from 'ky-token-refresh'
import { type AuthHandlers, createAuthHandlers, type HmacSha256 } from 'ky-token-refresh/mock-server'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'

const baseUrl = 'https://api.example.com'
const RUNS = Array.from({ length: 20 }, (_, index) => index + 1)

/** Captured before any test fakes the timers: real time, for an HMAC that does real asynchronous work. */
const realSetTimeout = globalThis.setTimeout
/** An HMAC that answers after 20 real milliseconds, as one on a thread pool or a remote KMS may. */
const slowHmac: HmacSha256 = (key) => async (data) => {
  await new Promise((resolve) => realSetTimeout(resolve, 20))
  return new Uint8Array(createHmac('sha256', key).update(data).digest())
}

const logged: string[] = []
const logger = { error: (message: string) => logged.push(message) }
const auth = createAuthHandlers({ baseUrl, bcryptCost: 4, accessTokenTtl: 60, logger })
const slow = createAuthHandlers({
  baseUrl: `${baseUrl}/slow`,
  bcryptCost: 4,
  accessTokenTtl: 60,
  hmac: slowHmac,
  logger,
})
const server = setupServer(...auth.handlers, ...slow.handlers)
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }))
afterEach(() => {
  vi.useRealTimers()
  auth.reset()
  slow.reset()
  logged.length = 0
})
afterAll(() => server.close())

type Path = 'MSW handlers' | 'the direct fetch'
const clientOf = (mock: AuthHandlers, path: Path, url = baseUrl) =>
  createAuthClient({ baseUrl: url, ...(path === 'the direct fetch' && { fetch: mock.fetch }) })

/** The status of `GET /protected`, or the code it failed with. */
async function protectedOutcome(client: ReturnType<typeof createAuthClient>): Promise<number | string> {
  try {
    return (await client.api.get('protected')).status
  } catch (error) {
    return isAuthError(error) ? error.code : String(error)
  }
}

describe.each<Path>(['MSW handlers', 'the direct fetch'])('one large jump of fake time, through %s', (path) => {
  it.each(RUNS)('refreshes once and answers 200 (run %i of 20)', async () => {
    vi.useFakeTimers()
    const client = clientOf(auth, path)
    await client.login({ username: 'user1', password: 'password123' })
    await vi.advanceTimersByTimeAsync(61_000)
    expect(await protectedOutcome(client)).toBe(200)
    expect(auth.count('/refresh')).toBe(1)
    expect(logged).toEqual([])
    client.dispose()
  })
})

describe.each<Path>(['MSW handlers', 'the direct fetch'])('auth.advanceTime, through %s', (path) => {
  it.each(RUNS)('refreshes once even when each signature takes 20 real milliseconds (run %i of 20)', async () => {
    vi.useFakeTimers()
    const client = clientOf(slow, path, `${baseUrl}/slow`)
    await client.login({ username: 'user1', password: 'password123' })
    await slow.advanceTime(61_000, vi)
    expect(await protectedOutcome(client)).toBe(200)
    expect(slow.count('/refresh')).toBe(1)
    expect(slow.requests.filter((request) => request.timeJumpMs !== undefined)).toEqual([])
    client.dispose()
  })
})

describe('when fake time jumps over an answer still at work', () => {
  it('records the jump and logs a message naming auth.advanceTime', async () => {
    vi.useFakeTimers()
    const client = clientOf(slow, 'the direct fetch', `${baseUrl}/slow`)
    await client.login({ username: 'user1', password: 'password123' })
    await vi.advanceTimersByTimeAsync(61_000)
    await slow.advanceTime(0, vi) // lets the answers at work finish, moving no time
    const jumped = slow.requests.find((request) => request.timeJumpMs !== undefined)
    expect(jumped).toMatchObject({ route: '/refresh', timeJumpMs: expect.any(Number) })
    expect(jumped?.timeJumpMs).toBeGreaterThanOrEqual(5000)
    expect(logged[0]).toMatch(/while POST \/refresh was being answered.*`await auth\.advanceTime\(ms, vi\)`/s)
    client.dispose()
  })
})

describe('advanceTime’s arguments', () => {
  it('also takes the runner’s advanceTimersByTimeAsync itself, as jest users may pass it', async () => {
    vi.useFakeTimers()
    const start = Date.now()
    await auth.advanceTime(1750, vi.advanceTimersByTimeAsync)
    expect(Date.now() - start).toBe(1750)
  })

  it.each<[string, () => Promise<void>, RegExp]>([
    ['a negative time', () => auth.advanceTime(-1, vi), /`milliseconds` must be a non-negative number/],
    ['no timers', () => auth.advanceTime(10, {} as never), /`timers` must be your runner’s fake timers/],
  ])('refuses %s with a TypeError saying what is expected', async (_, call, message) => {
    await expect(call()).rejects.toThrow(message)
    await expect(call()).rejects.toBeInstanceOf(TypeError)
  })
})
