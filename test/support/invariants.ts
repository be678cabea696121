/**
 * The invariants of the reliability suites (the fault matrix and the properties), checked on what the SDK put on
 * the wire and on how each caller's request settled:
 * - every request a caller made settles exactly once, with an answer or a typed error, and none hangs;
 * - no request is sent more than twice, and a second sending is the designed replay (the first was refused with
 *   401, the second carries another token);
 * - no token goes to a foreign origin, or after a logout, or past its expiry by the client's clock; a caller's
 *   tokens all belong to one session and one user, and a caller begun after a login carries only that login's;
 * - at most one refresh is in flight at a time (across every client that shares the wire: tabs).
 * The wire is recorded by wrapping the SDK's `fetch` option. Violations are sentences naming callers and routes,
 * never tokens, so a failing run prints none.
 */
import { HTTPError, TimeoutError } from 'ky'
import { isAuthError } from '../../src/index.ts'

/** The fetch signature the SDK's `fetch` option takes. */
export type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

/** The header that names the caller a request belongs to (it survives the SDK's replay, which copies the request). */
export const CALLER_HEADER = 'x-caller'

/** The claims the checks read from a token (decoded, not verified: the server verifies). */
interface Claims {
  readonly sub?: string
  readonly sid?: string
  readonly exp?: number
}

/** One request the SDK sent. */
export interface WireRecord {
  /** The client (tab) that sent it. */
  readonly tab: string
  readonly origin: string
  readonly path: string
  readonly caller: string | undefined
  readonly token: string | undefined
  readonly claims: Claims | undefined
  /** The client's clock when it was sent. */
  readonly sentAt: number
  /** The tab's logins and session ends marked before it was sent (see {@link Wire.mark}). */
  readonly epoch: number
  /** Whether the tab's session had ended (a logout or an expiry marked, no login since). */
  readonly ended: boolean
  /** The session (`sid`) the tab's last marked login began, which its tokens must belong to. */
  readonly session: string | undefined
  /** The status answered, or 'error' for a rejection; undefined while in flight. */
  status?: number | 'error'
}

/** The claims of `token`, decoded (not verified); undefined when it is not a JWT. */
export function decode(token: string): Claims | undefined {
  try {
    const payload = token.split('.')[1] ?? ''
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims
  } catch {
    return undefined
  }
}

const bearer = (request: Request) => /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1]

/** What the wire saw, and the events a test marks on it. */
export interface Wire {
  readonly records: WireRecord[]
  /** The most refreshes seen in flight at once, over every tab. */
  readonly maxRefreshesInFlight: number
  /** The number of refreshes sent so far. */
  readonly refreshes: number
  /** Wraps the transport of client `tab`; every client of one wire (tabs of one app) shares its records. */
  wrap(inner: Fetch, tab?: string): Fetch
  /**
   * Marks, for `tab`, a login completed (or heard of) now, or a session ended now (a logout begun, an expiry
   * reported): after a login its requests may carry only the session (`sid`) of the last login answer seen; after an
   * end, no token at all, and no refresh goes out.
   */
  mark(kind: 'login' | 'logout' | 'expired', tab?: string): void
  /** Whether `tab`'s session was last marked ended. */
  ended(tab?: string): boolean
}

const isRefreshPath = (path: string) => /\/(refresh|token|refresh-token)$/.test(path)

/** The session (`sid`) of a login answer's access token, read from a copy of its body. */
async function sessionOfLogin(response: Response): Promise<string | undefined> {
  if (response.status !== 200) return undefined
  const body = (await response
    .clone()
    .json()
    .catch(() => undefined)) as { accessToken?: unknown } | undefined
  return typeof body?.accessToken === 'string' ? decode(body.accessToken)?.sid : undefined
}

interface TabState {
  epoch: number
  ended: boolean
  session: string | undefined
}

/** A wire recorder, shared by every client (tab) whose transport it wraps. */
export function recordWire(): Wire {
  const records: WireRecord[] = []
  const tabs = new Map<string, TabState>()
  const state = { inFlight: 0, max: 0, refreshes: 0, lastLogin: undefined as string | undefined }
  const tabState = (tab: string): TabState => {
    const known = tabs.get(tab) ?? { epoch: 0, ended: false, session: undefined }
    tabs.set(tab, known)
    return known
  }

  const record = (request: Request, tab: string): WireRecord => {
    const url = new URL(request.url)
    const token = bearer(request)
    const { epoch, ended, session } = tabState(tab)
    const entry: WireRecord = {
      tab,
      origin: url.origin,
      path: url.pathname,
      caller: request.headers.get(CALLER_HEADER) ?? undefined,
      token,
      claims: token === undefined ? undefined : decode(token),
      sentAt: Date.now(),
      epoch,
      ended,
      session,
    }
    records.push(entry)
    return entry
  }

  return {
    records,
    get maxRefreshesInFlight() {
      return state.max
    },
    get refreshes() {
      return state.refreshes
    },
    ended: (tab = 'main') => tabState(tab).ended,
    mark(kind, tab = 'main') {
      const marked = tabState(tab)
      marked.epoch++
      marked.ended = kind !== 'login'
      marked.session = kind === 'login' ? state.lastLogin : undefined
    },
    wrap:
      (inner, tab = 'main') =>
      async (input, init) => {
        const request = new Request(input, init)
        const entry = record(request, tab)
        const refresh = isRefreshPath(entry.path)
        if (refresh) {
          state.refreshes++
          state.max = Math.max(state.max, ++state.inFlight)
        }
        try {
          const response = await inner(request)
          entry.status = response.status
          if (entry.path.endsWith('/login')) state.lastLogin = (await sessionOfLogin(response)) ?? state.lastLogin
          return response
        } catch (error) {
          entry.status = 'error'
          throw error
        } finally {
          if (refresh) state.inFlight--
        }
      },
  }
}

/**
 * A transport that tells whether real work is in progress (the server's crypto, a store), so that a test moves fake
 * time only while none is: requests the test holds on purpose (a delayed or stalled refresh, announced with
 * {@link WorkTracker.holdNextRefreshes}) do not count until their hold is over.
 */
export interface WorkTracker {
  readonly fetch: Fetch
  busy(): boolean
  /** The next `count` refreshes are held `ms` of fake time (Infinity: until the client gives up). */
  holdNextRefreshes(count: number, ms: number): void
}

export function trackWork(inner: Fetch): WorkTracker {
  const state = { busy: 0 }
  const holds: number[] = []
  const fetch: Fetch = async (input, init) => {
    const request = new Request(input, init)
    const ms = isRefreshPath(new URL(request.url).pathname) ? holds.shift() : undefined
    // A held request counts as busy again once its hold is over, on the timers (a jump of the wall clock does not
    // end it early), until it settles.
    const hold = { over: ms === undefined, timer: undefined as ReturnType<typeof setTimeout> | undefined }
    if (ms === undefined) state.busy++
    else if (ms !== Number.POSITIVE_INFINITY) {
      hold.timer = setTimeout(() => {
        hold.over = true
        state.busy++
      }, ms)
    }
    try {
      return await inner(request)
    } finally {
      clearTimeout(hold.timer)
      if (hold.over) state.busy--
    }
  }
  return {
    fetch,
    busy: () => state.busy > 0,
    holdNextRefreshes(count, ms) {
      for (let index = 0; index < count; index++) holds.push(ms)
    },
  }
}

/** How a caller's request settled, as a label: `answer 200`, `AuthError REFRESH_FAILED`, `TypeError`... */
export function outcomeOf(result: PromiseSettledResult<unknown>): string {
  if (result.status === 'fulfilled') {
    const value = result.value
    return value instanceof Response ? `answer ${value.status}` : 'answer'
  }
  const error = result.reason
  if (isAuthError(error)) return `AuthError ${error.code}`
  if (error instanceof HTTPError) return `HTTPError ${error.response.status}`
  if (error instanceof TimeoutError) return 'TimeoutError'
  if (error instanceof TypeError) return 'TypeError'
  if ((error as Error | undefined)?.name === 'AbortError') return 'AbortError'
  return `untyped ${(error as Error | undefined)?.name ?? typeof error}`
}

/** A caller's request, and how many times it settled. */
export interface Caller {
  readonly id: string
  readonly promise: Promise<unknown>
  settlements: number
  result?: PromiseSettledResult<unknown>
}

/** Starts caller `id`'s request with `send`, counting its settlements. */
export function startCaller(id: string, send: () => Promise<unknown>): Caller {
  const promise = send()
  const caller: Caller = { id, promise, settlements: 0 }
  promise.then(
    (value) => {
      caller.settlements++
      caller.result = { status: 'fulfilled', value }
    },
    (reason: unknown) => {
      caller.settlements++
      caller.result = { status: 'rejected', reason }
    },
  )
  return caller
}

/** The outcomes a caller may end with: an answer, or one of the documented typed errors. */
const TYPED = /^(answer|AuthError [A-Z_]+|HTTPError \d+|TimeoutError|TypeError|AbortError)/

/** Every violation of the caller invariants: settled exactly once, with a typed outcome. */
export function callerViolations(callers: readonly Caller[]): string[] {
  const violations: string[] = []
  for (const caller of callers) {
    if (caller.settlements !== 1) violations.push(`caller ${caller.id} settled ${caller.settlements} times`)
    if (caller.result && !TYPED.test(outcomeOf(caller.result))) {
      violations.push(`caller ${caller.id} ended with ${outcomeOf(caller.result)}`)
    }
  }
  return violations
}

/** The requests of each caller, in the order sent. */
function byCaller(records: readonly WireRecord[]): Map<string, WireRecord[]> {
  const map = new Map<string, WireRecord[]>()
  for (const record of records) {
    if (record.caller === undefined) continue
    map.set(record.caller, [...(map.get(record.caller) ?? []), record])
  }
  return map
}

/** A second sending is allowed only as the replay of a 401 with another token. */
function sendingViolations(caller: string, sent: readonly WireRecord[]): string[] {
  if (sent.length > 2) return [`caller ${caller} was sent ${sent.length} times`]
  const [first, second] = sent
  if (!first || !second) return []
  const violations: string[] = []
  if (first.status !== 401) violations.push(`caller ${caller} was sent again after a ${String(first.status)}`)
  if (second.token === first.token) violations.push(`caller ${caller} was replayed with the refused token`)
  return violations
}

/** A caller's tokens: one session, one user, and the session of the caller's epoch. */
function sessionViolations(caller: string, sent: readonly WireRecord[]): string[] {
  const withToken = sent.filter((record) => record.token !== undefined)
  const sessions = new Set(withToken.map((record) => record.claims?.sid))
  const violations: string[] = []
  if (sessions.size > 1) violations.push(`caller ${caller} carried tokens of ${sessions.size} sessions`)
  if (new Set(sent.map((record) => record.epoch)).size > 1 && withToken.length > 1) {
    violations.push(`caller ${caller} was replayed across a login or logout`)
  }
  return violations
}

/** Options of {@link wireViolations}. */
export interface WireExpectations {
  /** The origins that may receive the access token. */
  readonly allowed: ReadonlySet<string>
  /** The user (`sub`) every token must be for. */
  readonly user?: string | undefined
  /** The most refreshes allowed in flight at once. @default 1 */
  readonly refreshesInFlight?: number
}

function recordViolations(record: WireRecord, index: number, expected: WireExpectations): string[] {
  const where = `request ${index} (${record.tab} ${record.path}${record.caller ? `, caller ${record.caller}` : ''})`
  if (record.ended && isRefreshPath(record.path)) return [`${where}: a refresh after the session ended`]
  if (record.token === undefined) return []
  const violations: string[] = []
  if (!expected.allowed.has(record.origin)) violations.push(`${where} carried a token to a foreign origin`)
  if (record.ended) violations.push(`${where} carried a token after the session ended`)
  const exp = record.claims?.exp
  if (exp === undefined || exp * 1000 <= record.sentAt) violations.push(`${where} carried an expired token`)
  if (expected.user !== undefined && record.claims?.sub !== expected.user) {
    violations.push(`${where} carried a token for another user`)
  }
  if (record.session !== undefined && record.claims?.sid !== record.session) {
    violations.push(`${where} carried a token of another session`)
  }
  return violations
}

/** Every violation of the wire invariants. */
export function wireViolations(wire: Wire, expected: WireExpectations): string[] {
  const violations = wire.records.flatMap((record, index) => recordViolations(record, index, expected))
  for (const [caller, sent] of byCaller(wire.records)) {
    violations.push(...sendingViolations(caller, sent), ...sessionViolations(caller, sent))
  }
  const limit = expected.refreshesInFlight ?? 1
  if (wire.maxRefreshesInFlight > limit)
    violations.push(`${wire.maxRefreshesInFlight} refreshes were in flight at once`)
  return violations
}
