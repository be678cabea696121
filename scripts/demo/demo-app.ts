/**
 * The demo page of `npm start`: the SDK in the browser, against the server the page came from (same origin,
 * cookie transport, `refreshOn: [401]`). It shows the access token's life, every refresh and why it happened,
 * and every request the client made. Nothing here is part of the SDK; the clock and network switches are
 * DEMO ONLY (see page-clock.ts and demo-network.ts).
 */
import { jwtDecode } from 'jwt-decode'
import { type AuthClient, createAuthClient, isAuthError, type JwtPayload } from '../../src/index.ts'
import { wireActions } from './demo-actions.ts'
import { createDemoNetwork } from './demo-network.ts'
import {
  createLogView,
  createSessionView,
  createTimelineView,
  duration,
  type LogRow,
  type SessionView,
  type TokenFacts,
  tail,
  timeOfDay,
} from './demo-views.ts'
import { installPageClock, type PageClock } from './page-clock.ts'
import { CAUSE_LABELS, createRefreshCauses, type RefreshCauses } from './refresh-causes.ts'

/** The SDK's default `refreshMargin`: its proactive refresh comes this long before expiry (a quarter of short lives). */
const REFRESH_MARGIN = 30_000
const AUTH_PATHS = new Set(['/login', '/refresh', '/logout'])

interface DemoParts {
  readonly auth: AuthClient
  readonly causes: RefreshCauses
  readonly session: SessionView
  readonly timeline: ReturnType<typeof createTimelineView>
  readonly log: (row: LogRow) => void
  readonly setFacts: (facts: TokenFacts | undefined) => void
}

/** What the card shows of `token`, obtained when the page's clock read `obtainedAt`; the SDK's timing, conservatively. */
function factsOf(token: string | undefined, expiresAt: number | undefined, obtainedAt: number): TokenFacts | undefined {
  if (!token) return undefined
  let claims: JwtPayload & { name?: string }
  try {
    claims = jwtDecode(token)
  } catch {
    return undefined
  }
  const lifetime = ((claims.exp ?? 0) - (claims.iat ?? 0) - 1) * 1000
  const expiry = expiresAt ?? obtainedAt + lifetime
  const refreshAt = expiry - Math.min(REFRESH_MARGIN, lifetime / 4)
  return { user: claims.name ?? claims.sub ?? 'unknown', tail: tail(token), expiresAt: expiry, lifetime, refreshAt }
}

const event = (what: string, detail: string): LogRow => ({ kind: 'event', what, path: '', detail })

/** The line under the login form. */
const hint = (text: string) => {
  const line = document.getElementById('login-hint')
  if (line) line.textContent = text
}

function listen(parts: DemoParts): void {
  const { auth, causes, session, timeline, log } = parts
  auth.on('refreshed', async (info) => {
    const cause = causes.refreshed()
    const facts = factsOf(await auth.getAccessToken(), info.expiresAt, Date.now())
    parts.setFacts(facts)
    const detail = facts ? `${facts.tail} · valid ${duration(facts.expiresAt - Date.now())}` : ''
    timeline.add({ cause, title: CAUSE_LABELS[cause], detail })
    log(event('refreshed', `${CAUSE_LABELS[cause].toLowerCase()}; expires ${timeOfDay(info.expiresAt ?? 0)}`))
  })
  auth.on('sessionExpired', (error) => {
    causes.refreshEnded()
    const signedIn = session.state() === 'signedIn'
    const status = error.status === undefined ? '' : ` (status ${error.status})`
    log(event('sessionExpired', `${error.message}${status}: ${signedIn ? 'log in again' : 'no session to restore'}`))
    if (!signedIn) return
    parts.setFacts(undefined)
    session.show('expired')
    hint('Log in again: the old session cannot be refreshed.')
    timeline.add({ cause: 'session-expired', title: 'Session expired', detail: 'the server refused the refresh' })
  })
  auth.on('refreshFailed', (error) => {
    causes.refreshEnded()
    log(event('refreshFailed', error.message))
    timeline.add({ cause: 'refresh-failed', title: 'Refresh failed', detail: error.code })
  })
  auth.on('storageFailed', (error) => log(event('storageFailed', error.message)))
  auth.on('loggedOut', ({ elsewhere }) => {
    causes.refreshEnded()
    parts.setFacts(undefined)
    log(event('loggedOut', elsewhere ? 'in another tab' : 'in this tab'))
    session.show('signedOut')
    hint(elsewhere ? 'Logged out in another tab.' : 'Logged out: the server revoked the session.')
    timeline.add({ cause: 'logout', title: 'Logged out', detail: elsewhere ? 'in another tab' : '' })
  })
}

function wireSession(parts: DemoParts): void {
  const { auth, timeline } = parts
  const form = document.getElementById('login-form') as HTMLFormElement
  const button = document.getElementById('login-button') as HTMLButtonElement
  form.addEventListener('submit', async (submitted) => {
    submitted.preventDefault()
    const fields = new FormData(form)
    button.disabled = true
    const sentAt = Date.now()
    try {
      await auth.login({ username: String(fields.get('username')), password: String(fields.get('password')) })
      const facts = factsOf(await auth.getAccessToken(), undefined, sentAt)
      parts.setFacts(facts)
      timeline.add({
        cause: 'login',
        title: 'Logged in',
        detail: facts ? `${facts.tail} · valid ${duration(facts.lifetime)}` : '',
      })
    } catch (error) {
      hint(`Login failed: ${error instanceof Error ? error.message : String(error)}`)
    } finally {
      button.disabled = false
    }
  })
  document.getElementById('logout-button')?.addEventListener('click', () => {
    auth.logout().catch((error: unknown) => parts.log(event('logout', `failed: ${String(error)}`)))
  })
}

/** After a reload, or in a second tab: the HttpOnly cookie may hold a session, which one refresh restores. */
async function restore(parts: DemoParts): Promise<void> {
  parts.causes.setRestoring(true)
  try {
    await parts.auth.refresh()
  } catch (error) {
    if (isAuthError(error) && error.code === 'SESSION_EXPIRED') hint('No session to restore: log in.')
    else hint(`Could not restore the session: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    parts.causes.setRestoring(false)
    document.documentElement.dataset.restored = 'true'
  }
}

function showClock(clock: PageClock): void {
  const chip = document.getElementById('clock-chip') as HTMLElement
  const state = document.getElementById('clock-state') as HTMLElement
  const update = () => {
    const offset = clock.offset()
    chip.dataset.offsetMs = String(offset)
    chip.classList.toggle('ahead', offset > 0)
    state.textContent = offset > 0 ? `${duration(offset)} ahead (demo)` : 'real time'
  }
  clock.onChange(update)
  update()
}

function showNetwork(): void {
  const chip = document.getElementById('network-chip') as HTMLElement
  const state = document.getElementById('network-state') as HTMLElement
  const update = () => {
    chip.classList.toggle('online', navigator.onLine)
    chip.classList.toggle('offline', !navigator.onLine)
    state.textContent = navigator.onLine ? 'online' : 'offline (demo)'
  }
  window.addEventListener('online', update)
  window.addEventListener('offline', update)
  update()
}

function startDemo(): void {
  const clock = installPageClock()
  const apiBase = new URL('/', location.href)
  let unauthorized = 0
  let facts: TokenFacts | undefined
  const causes = createRefreshCauses(
    () => clock.real(),
    () => facts !== undefined && facts.expiresAt <= Date.now(),
  )
  const logView = createLogView()
  const session = createSessionView()
  const network = createDemoNetwork(apiBase, () => clock.real(), {
    sending(_method, path) {
      if (path === '/refresh') causes.refreshSent()
      else if (!AUTH_PATHS.has(path)) causes.apiRequestSent()
      session.refreshRequests(causes.refreshRequests())
    },
    answered(record) {
      if (record.status === 401) unauthorized++
      if (!AUTH_PATHS.has(record.path)) causes.apiRequestEnded(record.status)
      const cause = record.path === '/refresh' ? causes.ownCause() : undefined
      const detail = [cause && CAUSE_LABELS[cause].toLowerCase(), record.detail].filter(Boolean).join('; ')
      logView.add({
        kind: 'request',
        what: record.method,
        path: record.path,
        status: record.status,
        ms: record.ms,
        detail,
      })
    },
  })
  const auth = createAuthClient({ baseUrl: apiBase, refreshOn: [401], fetch: network.fetch })
  const setFacts = (next: TokenFacts | undefined) => {
    facts = next
    if (next) session.signedIn(next)
  }
  const parts: DemoParts = { auth, causes, session, timeline: createTimelineView(), log: logView.add, setFacts }
  ;(document.getElementById('origin') as HTMLElement).textContent = location.host
  showClock(clock)
  showNetwork()
  listen(parts)
  wireSession(parts)
  wireActions({
    auth,
    apiBase,
    clock,
    network,
    causes,
    token: () => (session.state() === 'signedIn' ? facts : undefined),
    unauthorizedCount: () => unauthorized,
    log: logView.add,
  })
  document.documentElement.dataset.ready = 'true'
  void restore(parts)
}

startDemo()
