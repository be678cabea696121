/**
 * The page behind reference-server.test.ts: the SDK in Chromium against the
 * real reference server on another origin of the same site, with the
 * browser's own cookie jar. The test calls `window.serverScenarios.*`; reports
 * hold statuses, codes and flags, never a token.
 */
import { type AuthClient, createAuthClient, isAuthError } from '../../src/index.ts'

const DEMO = { username: 'user1', password: 'password123' }

export interface ErrorReport {
  readonly isAuthError: boolean
  readonly code: string | undefined
  readonly status: number | undefined
}

export interface LoginReport {
  /** Whether `document.cookie` shows the refresh cookie (HttpOnly: it must not). */
  readonly refreshCookieInDocument: boolean
  readonly localStorageItems: number
  readonly sessionStorageItems: number
  /** The user `GET /protected` names. */
  readonly protectedUser: string
}

export interface ServerScenarios {
  /** Creates this page's client (cookie transport) and logs in. */
  login(api: string): Promise<LoginReport>
  /** `auth.refresh()` on this page's client (a new one, as after a reload, when there is none); then `GET /protected`. */
  refresh(api: string, refreshRetries?: number): Promise<{ readonly protectedUser: string; readonly refreshed: number }>
  /** `auth.refresh()`, expected to reject: how it did. */
  failingRefresh(api: string, refreshRetries?: number): Promise<ErrorReport>
  logout(): Promise<void>
  /** A raw `fetch` login with the given credentials mode; its status. */
  rawLogin(api: string, credentials: RequestCredentials): Promise<number>
}

declare global {
  interface Window {
    serverScenarios?: ServerScenarios
  }
}

let auth: AuthClient | undefined
let refreshed = 0

function client(api: string, refreshRetries = 2): AuthClient {
  if (!auth) {
    auth = createAuthClient({ baseUrl: api, refreshRetries })
    auth.on('refreshed', () => {
      refreshed++
    })
  }
  return auth
}

function render(scenario: string, observed: object): void {
  const row = document.createElement('tr')
  const lines = Object.entries(observed).map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
  for (const text of [scenario, 'cookie', lines.join('\n')]) {
    const cell = document.createElement('td')
    cell.textContent = text
    row.append(cell)
  }
  document.querySelector('#summary tbody')?.append(row)
}

const userOf = async (current: AuthClient) =>
  (await current.api.get('protected').json<{ user: { name: string } }>()).user.name

const reportError = (error: unknown): ErrorReport =>
  isAuthError(error)
    ? { isAuthError: true, code: error.code, status: error.status }
    : { isAuthError: false, code: String(error), status: undefined }

window.serverScenarios = {
  async login(api) {
    const current = client(api)
    await current.login(DEMO)
    const report = {
      refreshCookieInDocument: document.cookie.includes('refreshToken'),
      localStorageItems: localStorage.length,
      sessionStorageItems: sessionStorage.length,
      protectedUser: await userOf(current),
    }
    render('login, then GET /protected', report)
    return report
  },

  async refresh(api, refreshRetries) {
    const current = client(api, refreshRetries)
    const before = refreshed
    await current.refresh()
    // Listeners run in a microtask of their own.
    await Promise.resolve()
    const report = { refreshed: refreshed - before, protectedUser: await userOf(current) }
    render('auth.refresh(), then GET /protected', report)
    return report
  },

  async failingRefresh(api, refreshRetries) {
    const report = await client(api, refreshRetries)
      .refresh()
      .then((): ErrorReport => ({ isAuthError: false, code: 'resolved', status: undefined }), reportError)
    render(`auth.refresh() from ${location.origin}, expected to fail`, report)
    return report
  },

  async logout() {
    await auth?.logout()
    render('auth.logout()', { done: true })
  },

  async rawLogin(api, credentials) {
    const response = await fetch(new URL('login', api), {
      method: 'POST',
      credentials,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(DEMO),
    })
    render(`fetch login with credentials: '${credentials}'`, { status: response.status })
    return response.status
  },
}

const status = document.querySelector('#status')
if (status) status.textContent = `Page origin ${location.origin}: ready`
