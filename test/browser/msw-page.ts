/**
 * The page behind msw-worker.test.ts: `createAuthHandlers` under MSW's
 * `setupWorker`, and the SDK talking to it, all inside Chromium. The test calls
 * `window.mswScenarios.*` and asserts on the plain reports they return, which
 * hold statuses, counts and codes, never a token. Each report is also rendered
 * as a table row, so a screenshot shows what ran.
 */
import { setupWorker } from 'msw/browser'
import { type AuthHandlers, createAuthHandlers, REFRESH_COOKIE, REFRESH_ROUTES } from '../../mock-server/index.ts'
import { type AuthClient, createAuthClient, isAuthError } from '../../src/index.ts'

export type Transport = 'cookie' | 'body'

/** The fake API of each transport: cross-origin to the page, reachable only through the worker. */
export const MSW_APIS = {
  cookie: 'https://cookie.api.example.test',
  body: 'https://body.api.example.test',
} as const satisfies Record<Transport, string>

/** Seconds; the server clock is moved past it to expire a token. */
const ACCESS_TTL = 60
const PAST_EXPIRY = (ACCESS_TTL + 1) * 1000
const DEMO = { username: 'user1', password: 'password123' }

export interface LifecycleReport {
  readonly transport: Transport
  /** Whether the page's real cookie jar shows the refresh cookie to scripts (it never should). */
  readonly refreshCookieInDocument: boolean
  /** Whether the handlers' emulated jar holds the refresh cookie after login. */
  readonly refreshCookieInJar: boolean
  /** The user `GET /protected` names right after login. */
  readonly protectedUser: string
  /** The route log of one request made after the server clock passed expiry. */
  readonly afterExpiry: readonly string[]
  readonly afterExpiryUser: string
  /** Three concurrent requests after a second expiry. */
  readonly concurrent: { readonly succeeded: number; readonly refused: number; readonly refreshes: number }
  /** The logout answer, and what the tokens held just before it are worth afterwards. */
  readonly logout: {
    /** Whether the page held the refresh token just before logout (else the check below proves nothing). */
    readonly refreshTokenHeld: boolean
    readonly status: number | 'network-error' | undefined
    readonly refreshCookieInJar: boolean
    readonly oldRefreshTokenStatus: number
    readonly oldAccessTokenStatus: number
    /** The code `auth.refresh()` rejects with after logout, or `'resolved'`. */
    readonly clientRefresh: string
  }
}

export interface CredentialsReport {
  /** Status of a cookie-borne `POST /refresh` made with each `credentials` mode, after a login. */
  readonly omit: number
  readonly sameOrigin: number
  readonly include: number
}

export interface LoginCredentialsReport {
  /** Whether the emulated jar kept the cookie of a login answered to a request with `credentials: 'omit'`. */
  readonly cookieKept: boolean
}

export interface MswScenarios {
  lifecycle(transport: Transport): Promise<LifecycleReport>
  refreshCredentials(): Promise<CredentialsReport>
  loginWithoutCredentials(): Promise<LoginCredentialsReport>
}

declare global {
  interface Window {
    /** Resolves once the worker controls the page; rejects with the reason it could not start. */
    mswReady?: Promise<void>
    mswScenarios?: MswScenarios
  }
}

const mockOf = (transport: Transport) =>
  createAuthHandlers({ baseUrl: MSW_APIS[transport], transport, bcryptCost: 4, accessTokenTtl: ACCESS_TTL })
const mocks: Record<Transport, AuthHandlers> = { cookie: mockOf('cookie'), body: mockOf('body') }

const worker = setupWorker(...mocks.cookie.handlers, ...mocks.body.handlers)

function render(scenario: string, transport: string, observed: object): void {
  const row = document.createElement('tr')
  const lines = Object.entries(observed).map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
  for (const text of [scenario, transport, lines.join('\n')]) {
    const cell = document.createElement('td')
    cell.textContent = text
    row.append(cell)
  }
  document.querySelector('#summary tbody')?.append(row)
}

const routeLog = (mock: AuthHandlers, from: number) =>
  mock.requests.slice(from).map(({ method, route, status }) => `${method} ${route} ${status}`)

const codeOf = (error: unknown) => (isAuthError(error) ? error.code : `not an AuthError: ${String(error)}`)

const userOf = async (auth: AuthClient) => {
  const body = await auth.api.get('protected').json<{ user: { name: string } }>()
  return body.user.name
}

async function lifecycle(transport: Transport): Promise<LifecycleReport> {
  const mock = mocks[transport]
  const api = MSW_APIS[transport]
  mock.reset()
  // Observes the body-transport refresh token (in memory, as the default store) so that the
  // page can present it again after logout; it never leaves the page.
  // The cookie transport takes no storage (JavaScript never holds its refresh token).
  let heldRefreshToken: string | undefined
  const storage = {
    get: () => heldRefreshToken,
    set: (token: string) => {
      heldRefreshToken = token
    },
    remove: () => {
      heldRefreshToken = undefined
    },
  }
  const auth = createAuthClient({ baseUrl: api, transport, ...(transport === 'body' ? { storage } : {}) })

  await auth.login(DEMO)
  const refreshCookieInDocument = document.cookie.includes(REFRESH_COOKIE)
  const refreshCookieInJar = mock.cookies.get(REFRESH_COOKIE) !== undefined
  const protectedUser = await userOf(auth)

  // The server alone moves on: the client still holds a token it believes valid, sends it, gets 401.
  mock.advanceClock(PAST_EXPIRY)
  let logStart = mock.requests.length
  const afterExpiryUser = await userOf(auth)
  const afterExpiry = routeLog(mock, logStart)

  mock.advanceClock(PAST_EXPIRY)
  logStart = mock.requests.length
  const results = await Promise.allSettled([userOf(auth), userOf(auth), userOf(auth)])
  const concurrentLog = mock.requests.slice(logStart)
  const concurrent = {
    succeeded: results.filter((result) => result.status === 'fulfilled').length,
    refused: concurrentLog.filter(({ route, status }) => route === '/protected' && status === 401).length,
    refreshes: concurrentLog.filter(({ route }) => (REFRESH_ROUTES as readonly string[]).includes(route)).length,
  }

  const lastRefreshToken = transport === 'cookie' ? mock.cookies.get(REFRESH_COOKIE) : heldRefreshToken
  const lastAccessToken = await auth.getAccessToken()
  logStart = mock.requests.length
  await auth.logout()
  const logoutStatus = mock.requests.slice(logStart).find(({ route }) => route === '/logout')?.status
  const oldRefresh = await fetch(`${api}/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: lastRefreshToken }),
  })
  const oldAccess = await fetch(`${api}/protected`, { headers: { authorization: `Bearer ${lastAccessToken}` } })
  const clientRefresh = await auth.refresh().then(() => 'resolved', codeOf)

  const report: LifecycleReport = {
    transport,
    refreshCookieInDocument,
    refreshCookieInJar,
    protectedUser,
    afterExpiry,
    afterExpiryUser,
    concurrent,
    logout: {
      refreshTokenHeld: lastRefreshToken !== undefined,
      status: logoutStatus,
      refreshCookieInJar: mock.cookies.get(REFRESH_COOKIE) !== undefined,
      oldRefreshTokenStatus: oldRefresh.status,
      oldAccessTokenStatus: oldAccess.status,
      clientRefresh,
    },
  }
  render('login, protected, expiry -> 401 -> refresh -> replay, logout', transport, report)
  return report
}

async function refreshCredentials(): Promise<CredentialsReport> {
  const mock = mocks.cookie
  mock.reset()
  await createAuthClient({ baseUrl: MSW_APIS.cookie }).login(DEMO)
  const refreshWith = async (credentials: RequestCredentials) =>
    (await fetch(`${MSW_APIS.cookie}/refresh`, { method: 'POST', credentials })).status
  // `include` last: it rotates the cookie.
  const report = { omit: await refreshWith('omit'), sameOrigin: await refreshWith('same-origin'), include: 0 }
  report.include = await refreshWith('include')
  render("POST /refresh with each `credentials` mode (the emulated jar's rule)", 'cookie', report)
  return report
}

async function loginWithoutCredentials(): Promise<LoginCredentialsReport> {
  const mock = mocks.cookie
  mock.reset()
  const response = await fetch(`${MSW_APIS.cookie}/login`, {
    method: 'POST',
    credentials: 'omit',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(DEMO),
  })
  if (!response.ok) throw new Error(`login answered ${response.status}`)
  const report = { cookieKept: mock.cookies.get(REFRESH_COOKIE) !== undefined }
  render("login with credentials: 'omit' (a browser keeps no cookie)", 'cookie', report)
  return report
}

const status = (text: string, ok: boolean) => {
  const element = document.querySelector('#status')
  if (!element) return
  element.textContent = text
  element.className = ok ? 'ok' : 'bad'
}

window.mswReady = worker.start({ onUnhandledFrame: 'error', quiet: true }).then(
  () => {
    window.mswScenarios = { lifecycle, refreshCredentials, loginWithoutCredentials }
    status(`MSW setupWorker started; handlers for ${Object.values(MSW_APIS).join(' and ')}`, true)
  },
  (error: unknown) => {
    status(`MSW setupWorker failed to start: ${String(error)}`, false)
    throw error
  },
)
