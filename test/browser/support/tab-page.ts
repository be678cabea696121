/**
 * The page behind tabs.test.ts: one tab of an app, served from the API's own origin (so the refresh cookie is
 * first-party), with a client created with `baseUrl: location.origin` and the default options (cross-tab
 * coordination on). The test drives it through `window.tabPage`; reports carry statuses, codes and token ids
 * (`jti`, `exp`), never a token.
 */
import { type AuthClient, createAuthClient, isAuthError } from '../../../src/index.ts'

const DEMO = { username: 'user1', password: 'password123' }

/** How one request ended: the API's status, or the error it rejected with. */
export interface RequestReport {
  /** `Date.now()` of the page when the request was started. */
  readonly startedAt: number
  readonly status: number | undefined
  /** The AuthError's code, or the error's name for anything else (`TypeError` for a network failure). */
  readonly error: string | undefined
  readonly detail: string | undefined
}

/** Which token the client holds, by its claims only. */
export interface TokenReport {
  readonly jti: string | undefined
  readonly exp: number | undefined
  /** The user's name. */
  readonly name: string | undefined
}

export interface TabPage {
  /** Logs in, as the demo user unless told otherwise. */
  login(credentials?: Record<string, string>): Promise<void>
  logout(): Promise<void>
  /** `auth.refresh()`: `undefined` once it resolved, else how it failed. */
  refresh(): Promise<string | undefined>
  /** The token `getAccessToken()` gives (`undefined` without a session). */
  token(): Promise<TokenReport | undefined>
  /** One `GET /protected` through `auth.api` (ky's own retries off). */
  request(): Promise<RequestReport>
  /** Starts a `GET /protected` every `every` ms; each report lands in `reports`. */
  startRequests(every: number): void
  stopRequests(): void
  readonly reports: RequestReport[]
  /** The client's events, in order, by name. */
  readonly events: string[]
}

declare global {
  interface Window {
    tabPage?: TabPage
  }
}

/** The payload of a JWT, decoded and not verified: test bookkeeping only. */
function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? ''
  return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>
}

const auth: AuthClient = createAuthClient({ baseUrl: location.origin })
const events: string[] = []
for (const name of ['refreshed', 'sessionExpired', 'refreshFailed', 'loggedOut'] as const) {
  auth.on(name, () => {
    events.push(name)
  })
}

const errorName = (error: unknown) =>
  isAuthError(error) ? error.code : error instanceof Error ? error.name : String(error)

async function request(): Promise<RequestReport> {
  const startedAt = Date.now()
  try {
    const response = await auth.api.get('protected', { retry: 0, throwHttpErrors: false })
    await response.body?.cancel()
    return { startedAt, status: response.status, error: undefined, detail: undefined }
  } catch (error) {
    const detail = isAuthError(error) ? error.message : undefined
    return { startedAt, status: undefined, error: errorName(error), detail }
  }
}

const reports: RequestReport[] = []
let loop: ReturnType<typeof setInterval> | undefined

window.tabPage = {
  login: (credentials = DEMO) => auth.login(credentials),
  logout: () => auth.logout(),
  refresh: () => auth.refresh().then(() => undefined, errorName),
  async token() {
    const token = await auth.getAccessToken()
    if (token === undefined) return undefined
    const claims = claimsOf(token)
    return {
      jti: claims.jti as string | undefined,
      exp: claims.exp as number | undefined,
      name: claims.name as string | undefined,
    }
  },
  request,
  startRequests(every) {
    clearInterval(loop)
    loop = setInterval(() => {
      request().then((report) => reports.push(report))
    }, every)
  },
  stopRequests() {
    clearInterval(loop)
    loop = undefined
  },
  reports,
  events,
}

document.title = `Tab of ${location.origin}: ready`
