/**
 * The fault matrix: every fault of a refresh, on both transports, reached by two paths (the API refuses an access
 * token the server expired, or the token expires on the clock), with several callers at once (ky and fetch faces, and
 * one request to a foreign origin), checked against one set of invariants (test/support/invariants.ts). Faults come
 * from the test kit's controls, from answers written here in place of the kit's, and from a loopback HTTP server
 * whose answer stalls after its headers. The kit's direct fetch carries everything: no MSW, so nothing is kept per
 * request and fake time drives the SDK and the server together.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type AuthHandlers, createAuthHandlers, type RefreshFailure } from '../mock-server/index.ts'
import { type AuthClient, type AuthClientOptions, createAuthClient, type RefreshTransport } from '../src/index.ts'
import { recordFigures } from './support/figures.ts'
import {
  CALLER_HEADER,
  type Caller,
  callerViolations,
  decode,
  type Fetch,
  outcomeOf,
  recordWire,
  startCaller,
  trackWork,
  type Wire,
  wireViolations,
} from './support/invariants.ts'
import { API, DEMO, installFakeClock } from './support/sdk.ts'
import { watchEvents } from './support/sdk-checks.ts'
import { drive, idle, settle } from './support/time.ts'

const FOREIGN = 'https://elsewhere.example.test'
const TTL = 60

const kits: Record<RefreshTransport, AuthHandlers> = {
  cookie: createAuthHandlers({ baseUrl: API, bcryptCost: 4, accessTokenTtl: TTL }),
  body: createAuthHandlers({ baseUrl: API, bcryptCost: 4, accessTokenTtl: TTL, transport: 'body' }),
}

/** An answer written by the test in place of the kit's, for the next refresh. */
type Substitute = (request: Request, kit: AuthHandlers) => Promise<Response>

/** What a fault may use to set itself up. */
interface FaultContext {
  readonly kit: AuthHandlers
  readonly auth: AuthClient
  readonly wire: Wire
  /** Answers the next `times` refreshes with `substitute` instead of the kit. */
  substitute(times: number, substitute: Substitute): void
  /** Starts a caller besides the usual ones (a logout, a login, a request after the login). */
  start(id: string, send: () => Promise<unknown>): void
}

/** What every API caller must end with: all served, none served, or either (the invariants still hold). */
type Expected = 'served' | 'refused' | 'any'

interface Fault {
  readonly name: string
  readonly expected: Expected
  /**
   * The refreshes the fault holds on purpose (a delay, a stall), and for how long in fake time: the clock moves while
   * they wait, and waits again for the server's real work once the hold is over.
   */
  readonly holds?: { readonly count: number; readonly ms: number }
  /** Client options of the case. */
  readonly options?: Partial<AuthClientOptions>
  inject(context: FaultContext): unknown
  /** Runs once the callers have started, for the races. */
  during?(context: FaultContext): Promise<void>
}

/** The loopback server whose answer sends its headers and one byte, then nothing, until the client gives up. */
let stalling: Server
let stallingUrl = ''
beforeAll(async () => {
  stalling = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.write(' ')
  })
  await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve))
  stallingUrl = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}/refresh`
})
afterAll(async () => {
  stalling.closeAllConnections()
  await new Promise((resolve) => stalling.close(resolve))
})

afterEach(() => {
  for (const kit of Object.values(kits)) kit.reset()
  vi.useRealTimers()
})

/** What the matrix did, for README's Reliability figures. */
const tally = { cases: 0, requests: 0, sent: 0, unsettled: 0, violations: 0 }

const control =
  (times: number, failure: RefreshFailure) =>
  ({ kit }: FaultContext) =>
    kit.failNextRefreshes(times, failure)

const answering =
  (times: number, status: number, body: string, headers: Record<string, string> = {}) =>
  ({ substitute }: FaultContext) =>
    substitute(
      times,
      async () => new Response(body, { status, headers: { 'content-type': 'application/json', ...headers } }),
    )

/** Lets callers start and the refresh go out (held by a delay), then runs `race`. */
function racing(race: (context: FaultContext) => void): (context: FaultContext) => Promise<void> {
  return async (context) => {
    await settle(() => context.wire.refreshes > 0, 'the refresh to go out')
    race(context)
  }
}

const ATTEMPTS = 3 // the first try and the default two retries

const transient = [500, 502, 503, 504, 429].flatMap((status): Fault[] => [
  { name: `${status} on every attempt`, expected: 'refused', inject: control(ATTEMPTS, { status }) },
  { name: `${status} once, then an answer`, expected: 'served', inject: control(1, { status }) },
])

const FAULTS: readonly Fault[] = [
  ...transient,
  {
    name: '429 with Retry-After on every attempt',
    expected: 'refused',
    inject: answering(ATTEMPTS, 429, '{"error":"slow_down"}', { 'retry-after': '1' }),
  },
  { name: '429 with Retry-After once', expected: 'served', inject: answering(1, 429, '{}', { 'retry-after': '1' }) },
  { name: '503 with Retry-After once', expected: 'served', inject: answering(1, 503, '{}', { 'retry-after': '2' }) },
  { name: 'a network error on every attempt', expected: 'refused', inject: control(ATTEMPTS, { networkError: true }) },
  { name: 'a network error once', expected: 'served', inject: control(1, { networkError: true }) },
  {
    name: 'no answer within the timeout',
    expected: 'refused',
    holds: { count: ATTEMPTS, ms: 60_000 },
    inject: control(ATTEMPTS, { delay: 60_000 }),
  },
  {
    // A timeout shorter than ky's own 10 s, which would otherwise end the ky callers first (with its TimeoutError).
    name: 'no answer within a 3 s timeout once',
    expected: 'served',
    holds: { count: 1, ms: 60_000 },
    options: { timeout: 3000 },
    inject: control(1, { delay: 60_000 }),
  },
  {
    name: 'an answer whose body stalls after the headers (loopback server)',
    expected: 'refused',
    holds: { count: ATTEMPTS, ms: Number.POSITIVE_INFINITY },
    inject: ({ substitute }) =>
      substitute(ATTEMPTS, (request) => fetch(stallingUrl, { method: 'POST', signal: request.signal })),
  },
  { name: 'a 5-second answer', expected: 'served', holds: { count: 1, ms: 5000 }, inject: control(1, { delay: 5000 }) },
  { name: 'malformed JSON', expected: 'refused', inject: control(1, { status: 200, body: '{"accessToken":' }) },
  { name: '200 without an access token', expected: 'refused', inject: control(1, { status: 200, body: '{}' }) },
  {
    name: 'a token for another user',
    expected: 'refused',
    inject: ({ substitute }) =>
      substitute(1, async (_, kit) => {
        const now = Math.floor(kit.now() / 1000)
        const claims = { sub: 'someone-else', name: 'mallory', sid: 'another-session', iat: now, exp: now + TTL }
        return Response.json({ accessToken: await kit.signAccessToken(claims), refreshToken: 'another-users-token' })
      }),
  },
  { name: 'the refresh route answering 401', expected: 'refused', inject: control(1, { status: 401 }) },
  { name: 'every session revoked on the server', expected: 'refused', inject: ({ kit }) => kit.revokeAllSessions() },
  {
    name: 'the rotation committed, its answer lost to a dropped connection',
    expected: 'served',
    inject: control(1, { afterCommit: { networkError: true } }),
  },
  {
    name: 'the rotation committed, its answer lost to a 502',
    expected: 'served',
    inject: control(1, { afterCommit: { status: 502 } }),
  },
  { name: 'the server clock two minutes ahead', expected: 'served', inject: ({ kit }) => kit.advanceClock(120_000) },
  {
    name: 'a logout racing the refresh',
    expected: 'refused',
    holds: { count: 1, ms: 2000 },
    inject: control(1, { delay: 2000 }),
    during: racing(({ auth, wire, start }) => {
      wire.mark('logout')
      start('logout', () => auth.logout())
    }),
  },
  {
    name: 'a logout during the backoff before a retry of the refresh',
    expected: 'refused',
    inject: control(1, { status: 503 }),
    during: async ({ auth, wire, start }) => {
      await settle(() => wire.records.some((record) => record.status === 503), 'the failed first attempt')
      wire.mark('logout')
      start('logout', () => auth.logout())
    },
  },
  {
    name: 'a login racing the refresh',
    expected: 'any',
    holds: { count: 1, ms: 2000 },
    inject: control(1, { delay: 2000 }),
    during: racing(({ auth, wire, start }) => {
      start('login', async () => {
        await auth.login(DEMO)
        wire.mark('login')
        start('after-login', () => auth.fetch('protected', { headers: { [CALLER_HEADER]: 'after-login' } }))
      })
    }),
  },
]

/** How the callers' tokens come to need a refresh. */
const TRIGGERS = {
  'refused by the API': async (kit: AuthHandlers) => kit.expireAccessTokens(),
  // A sleep: the wall clock jumps past the token's expiry while no timer runs (the server's clock moves with it).
  'expired during a sleep': async () => vi.setSystemTime(Date.now() + (TTL + 1) * 1000),
} as const

/** The transport under test: the substitutes answering in place of the kit, other origins stubbed. */
function faultyFetch(kit: AuthHandlers, substitutes: Substitute[]): Fetch {
  return async (input, init) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    if (url.origin === FOREIGN) return Response.json({ foreign: true })
    const substitute = url.pathname === '/refresh' ? substitutes.shift() : undefined
    return substitute ? substitute(request, kit) : kit.fetch(request)
  }
}

/** The usual callers: two through ky, two through fetch, one to a foreign origin. */
function startCallers(auth: AuthClient): Caller[] {
  const headers = (id: string) => ({ [CALLER_HEADER]: id })
  return [
    startCaller('api-1', () => auth.api.get('protected', { headers: headers('api-1') })),
    startCaller('api-2', () => auth.api.get('protected', { headers: headers('api-2') }).json()),
    startCaller('fetch-1', () => auth.fetch('protected', { headers: headers('fetch-1') })),
    startCaller('fetch-2', () => auth.fetch(`${API}/protected`, { headers: headers('fetch-2') })),
    startCaller('foreign', () => auth.fetch(`${FOREIGN}/data`, { headers: headers('foreign') })),
  ]
}

const API_CALLERS = new Set(['api-1', 'api-2', 'fetch-1', 'fetch-2'])

/** Whether the API callers ended as `expected` says. */
function meets(expected: Expected, outcomes: Record<string, string>): boolean {
  const served = Object.entries(outcomes)
    .filter(([id]) => API_CALLERS.has(id))
    .map(([, outcome]) => outcome === 'answer 200' || outcome === 'answer')
  if (expected === 'served') return served.every(Boolean)
  if (expected === 'refused') return !served.some(Boolean)
  return true
}

/** Runs one case and returns what a failure must show: violations and outcomes (labels, never tokens). */
async function runCase(transport: RefreshTransport, fault: Fault, trigger: keyof typeof TRIGGERS) {
  installFakeClock()
  const kit = kits[transport]
  const substitutes: Substitute[] = []
  const wire = recordWire()
  const transportUnderTest = trackWork(faultyFetch(kit, substitutes))
  if (fault.holds) transportUnderTest.holdNextRefreshes(fault.holds.count, fault.holds.ms)
  const auth = createAuthClient({
    baseUrl: API,
    transport,
    ...fault.options,
    fetch: wire.wrap(transportUnderTest.fetch),
  })
  const events = watchEvents(auth)
  await auth.login(DEMO)
  wire.mark('login')
  const user = decode((await auth.getAccessToken()) ?? '')?.sub
  const callers: Caller[] = []
  const context: FaultContext = {
    kit,
    auth,
    wire,
    substitute: (times, substitute) => substitutes.push(...Array.from({ length: times }, () => substitute)),
    start: (id, send) => callers.push(startCaller(id, send)),
  }
  await fault.inject(context)
  await TRIGGERS[trigger](kit)
  callers.push(...startCallers(auth))
  await fault.during?.(context)
  const hung = await settleAll(callers, transportUnderTest.busy)
  await idle()
  auth.dispose()
  const outcomes = Object.fromEntries(callers.map((caller) => [caller.id, caller.result && outcomeOf(caller.result)]))
  const violations = [
    ...hung,
    ...callerViolations(callers),
    ...wireViolations(wire, { allowed: new Set([API]), user }),
    ...(events.sessionExpired.length > 1 ? [`sessionExpired emitted ${events.sessionExpired.length} times`] : []),
    // The callers share one refresh: its first attempt and retries, no more.
    ...(wire.refreshes > ATTEMPTS ? [`${wire.refreshes} refreshes for one expiry`] : []),
  ]
  tally.cases++
  tally.requests += callers.length
  tally.sent += wire.records.length
  tally.unsettled += callers.filter((caller) => caller.settlements !== 1).length
  tally.violations += violations.length
  return { violations, outcomes, served: meets(fault.expected, outcomes as Record<string, string>) }
}

/** Waits (fake time moving) until every caller, including those started meanwhile, settled; names those that hang. */
async function settleAll(callers: Caller[], busy: () => boolean): Promise<string[]> {
  const limit = 120_000
  try {
    await drive(
      (async () => {
        for (let seen = -1; seen < callers.length; ) {
          seen = callers.length
          await Promise.allSettled(callers.map((caller) => caller.promise))
          await idle(5)
        }
      })(),
      50,
      limit,
      busy,
    )
    return []
  } catch {
    return callers.filter((caller) => caller.settlements === 0).map((caller) => `caller ${caller.id} hung`)
  }
}

const CASES = (['cookie', 'body'] as const).flatMap((transport) =>
  FAULTS.flatMap((fault) =>
    (Object.keys(TRIGGERS) as Array<keyof typeof TRIGGERS>).map((trigger) => ({
      transport,
      fault,
      trigger,
    })),
  ),
)

afterAll(() => recordFigures('faults', { faults: FAULTS.length, ...tally }))

describe('a refresh fault, with several callers waiting', () => {
  it.each(CASES.map((entry) => [entry.fault.name, entry.transport, entry.trigger, entry] as const))(
    '%s (%s transport, token %s): every caller settles once, typed, and the wire keeps the invariants',
    async (_, __, ___, { transport, fault, trigger }) => {
      const result = await runCase(transport, fault, trigger)
      expect(result.violations.join('; ') || 'none', JSON.stringify(result.outcomes)).toBe('none')
      expect(result.served, `${fault.expected}: ${JSON.stringify(result.outcomes)}`).toBe(true)
    },
  )
})
