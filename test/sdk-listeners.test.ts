/**
 * A throwing event listener is the app's bug, not the client's: it is caught and reported (to
 * `globalThis.reportError` where the runtime has it, else to `console.error`), the other listeners still run,
 * and the client keeps working. Uncaught, it would end a Node process (and fail this file).
 */
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import type { AuthHandlers } from '../mock-server/index.ts'
import { type AuthClient, type AuthEvents, createAuthClient, type RefreshTokenStorage } from '../src/index.ts'
import { API, DEMO, installFakeClock, mockServers } from './support/sdk.ts'
import { rejectionOf } from './support/sdk-checks.ts'
import { drive, turn, withoutWaiting } from './support/time.ts'

const BODY_API = 'https://body.example.test'
const [mock] = mockServers({ accessTokenTtl: 60 }, { baseUrl: BODY_API, transport: 'body' }) as [
  AuthHandlers,
  AuthHandlers,
]

/** A storage adapter whose `set` always throws. */
const brokenStorage: RefreshTokenStorage = {
  get: () => undefined,
  set() {
    throw new Error('quota exceeded')
  },
  remove() {},
}

/** The error-path events (and `refreshed`), each with how to make it fire once on a logged-in client. */
type Tested = 'refreshed' | 'refreshFailed' | 'sessionExpired' | 'storageFailed'

const triggers: Record<
  Tested & keyof AuthEvents,
  { base: string; options?: object; fire: (auth: AuthClient) => Promise<void> }
> = {
  refreshed: { base: API, fire: (auth) => auth.refresh() },
  refreshFailed: {
    base: API,
    fire: async (auth) => {
      mock.failNextRefreshes(3, { status: 503 })
      await drive(rejectionOf(auth.refresh()))
    },
  },
  sessionExpired: {
    base: API,
    fire: async (auth) => {
      await mock.revokeAllSessions()
      await rejectionOf(auth.refresh())
    },
  },
  storageFailed: {
    base: BODY_API,
    options: { transport: 'body', storage: brokenStorage },
    fire: (auth) => auth.refresh(),
  },
}

/** A reporter in place of `globalThis.reportError` (or none), restored after the test. */
function stubReportError(present: boolean) {
  const reportError = vi.fn()
  vi.stubGlobal('reportError', present ? reportError : undefined)
  const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
  onTestFinished(() => {
    vi.unstubAllGlobals()
    consoleError.mockRestore()
  })
  return { reportError, consoleError }
}

/** Whether one of the calls of `spy` passed `error` (compared by identity). */
const received = (spy: { mock: { calls: unknown[][] } }, error: unknown) =>
  spy.mock.calls.filter((args) => args.includes(error)).length

describe('a throwing event listener', () => {
  it.each(Object.keys(triggers) as Tested[])(
    'a `%s` listener that throws is reported to reportError; the listeners after it still run',
    async (event) => {
      installFakeClock()
      const { reportError, consoleError } = stubReportError(true)
      const { base, options, fire } = triggers[event]
      const auth = createAuthClient({ baseUrl: base, ...options })
      await auth.login(DEMO)
      const boom = new Error(`listener of ${event} failed`)
      const ran: string[] = []
      auth.on(event, () => {
        ran.push('first')
        throw boom
      })
      auth.on(event, () => {
        ran.push('second')
      })

      await fire(auth)
      await turn()

      expect(ran).toEqual(['first', 'second'])
      expect(received(reportError, boom)).toBe(1)
      expect(received(consoleError, boom)).toBe(0)
    },
  )

  it('without reportError (Node), the error goes to console.error, and the client keeps working', async () => {
    installFakeClock()
    const { consoleError } = stubReportError(false)
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    const boom = new Error('listener failed')
    let after = 0
    auth.on('refreshed', () => {
      throw boom
    })
    auth.on('refreshed', () => {
      after++
    })

    await auth.refresh()
    await turn()
    expect(received(consoleError, boom)).toBe(1)
    expect(after).toBe(1)

    // Still working: refreshes, requests, and the listener is still called (and still reported).
    await auth.refresh()
    await turn()
    const answer = await auth.api.get('protected').json<{ user: { name: string } }>()
    expect(answer.user.name).toBe('user1')
    expect(received(consoleError, boom)).toBe(2)
    expect(after).toBe(2)
    expect(mock.count('/refresh')).toBe(2)
  })

  it('a listener that throws during a refresh a request waits on does not fail that request', async () => {
    installFakeClock()
    const { reportError } = stubReportError(true)
    const auth = createAuthClient({ baseUrl: API })
    await auth.login(DEMO)
    const boom = new Error('listener failed')
    auth.on('refreshed', () => {
      throw boom
    })
    // The server alone sees the token expire: the request is refused, refreshed and replayed.
    mock.advanceClock(61_000)

    const answer = await withoutWaiting(auth.api.get('protected').json<{ user: { name: string } }>())
    await turn()
    expect(answer.user.name).toBe('user1')
    expect(mock.count('/refresh')).toBe(1)
    expect(received(reportError, boom)).toBe(1)
  })
})
