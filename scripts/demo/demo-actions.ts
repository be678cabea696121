/**
 * The "Try it" buttons. Each does one thing to the client or to its world, and says on the page what it did;
 * what follows (a refresh, a 401, an expiry) is shown by the timeline and the log, from the client's own events.
 */
import type { AuthClient } from '../../src/index.ts'
import type { DemoNetwork } from './demo-network.ts'
import { duration, type LogRow, type TokenFacts } from './demo-views.ts'
import type { PageClock } from './page-clock.ts'
import type { RefreshCauses } from './refresh-causes.ts'

export const BURST_SIZE = 20
const SLEEP_MS = 60 * 60 * 1000

export interface ActionParts {
  readonly auth: AuthClient
  readonly apiBase: URL
  readonly clock: PageClock
  readonly network: DemoNetwork
  readonly causes: RefreshCauses
  /** What is known of the current access token, while signed in. */
  readonly token: () => TokenFacts | undefined
  /** How many 401 answers the client's fetch has seen so far. */
  readonly unauthorizedCount: () => number
  readonly log: (row: LogRow) => void
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

function showResult(html: Array<string | [string, string | number]>, bad = false, data: Record<string, string> = {}) {
  const result = document.getElementById('action-result') as HTMLElement
  result.replaceChildren(
    ...html.map((part) => {
      if (typeof part === 'string') return document.createTextNode(part)
      const strong = document.createElement('strong')
      strong.textContent = String(part[1])
      strong.dataset.field = part[0]
      return strong
    }),
  )
  result.classList.toggle('bad', bad)
  for (const key of Object.keys(result.dataset)) delete result.dataset[key]
  Object.assign(result.dataset, data)
}

/** One call of the page through `auth.api`, counted as waiting for the client until it settles. */
async function callApi(parts: ActionParts): Promise<string> {
  parts.causes.callStarted()
  try {
    const answer = await parts.auth.api.get('protected').json<{ message?: string; user?: { name?: string } }>()
    return `200 for ${answer.user?.name ?? 'someone'}`
  } finally {
    parts.causes.callEnded()
  }
}

async function call(parts: ActionParts): Promise<void> {
  showResult(['GET /protected…'], false, { outcome: 'pending' })
  try {
    showResult(['GET /protected: ', ['answer', await callApi(parts)]], false, { outcome: 'ok' })
  } catch (error) {
    showResult(['GET /protected failed: ', ['answer', messageOf(error)]], true, { outcome: 'failed' })
  }
}

async function burst(parts: ActionParts): Promise<void> {
  const token = parts.token()
  if (token === undefined) {
    showResult(['Log in first: a burst needs a session.'], true)
    return
  }
  showResult(['Burst of ', ['requests', BURST_SIZE], '…'], false, { outcome: 'pending' })
  // One token life ahead, so past expiry: every call of the burst needs a new token before it can go out.
  parts.clock.advance(token.lifetime)
  const refreshesBefore = parts.causes.refreshRequests()
  const unauthorizedBefore = parts.unauthorizedCount()
  const results = await Promise.allSettled(Array.from({ length: BURST_SIZE }, () => callApi(parts)))
  const ok = results.filter((result) => result.status === 'fulfilled').length
  const refreshes = parts.causes.refreshRequests() - refreshesBefore
  const unauthorized = parts.unauthorizedCount() - unauthorizedBefore
  showResult(
    [
      ['requests', BURST_SIZE],
      ' concurrent requests with an expired token → ',
      ['refreshes', refreshes],
      refreshes === 1 ? ' refresh shared by all, ' : ' refreshes, ',
      ['ok', ok],
      ' answered 200, ',
      ['unauthorized', unauthorized],
      ' × 401.',
    ],
    ok !== BURST_SIZE || refreshes !== 1,
    { outcome: 'burst', requests: String(BURST_SIZE), refreshes: String(refreshes), ok: String(ok) },
  )
}

function sleep(parts: ActionParts): void {
  parts.clock.advance(SLEEP_MS)
  showResult([
    'The page slept ',
    ['slept', duration(SLEEP_MS)],
    ': its clocks jumped ahead (the server’s did not). The token now counts as expired, so the next request refreshes first.',
  ])
}

async function revoke(parts: ActionParts): Promise<void> {
  const started = parts.clock.real()
  // Plain fetch, not the client's: the server ends the session, and the client does not know yet.
  const response = await fetch(new URL('logout', parts.apiBase), { method: 'POST', credentials: 'include' })
  parts.log({
    kind: 'demo',
    what: 'POST',
    path: '/logout',
    status: response.status,
    ms: Math.round(parts.clock.real() - started),
    detail: 'plain fetch, behind the client’s back',
  })
  showResult([
    'Revoked on the server (',
    ['status', response.status],
    '). The client finds out at its next refresh: call the API, or wait for the proactive one.',
  ])
}

function toggleNetwork(parts: ActionParts, button: HTMLButtonElement): void {
  const offline = !parts.network.isOffline()
  parts.network.setOffline(offline)
  const label = button.querySelector('.label')
  if (label) label.textContent = offline ? 'Back online' : 'Go offline'
  showResult(
    offline
      ? ['Offline: no refresh is attempted and requests fail fast. Come back online to recover.']
      : ['Back online: the client refreshes at once if a refresh came due meanwhile.'],
  )
}

async function spoilAndCall(parts: ActionParts): Promise<void> {
  parts.network.spoilNextToken()
  await call(parts)
}

/** Wires every button of the "Try it" card. */
export function wireActions(parts: ActionParts): void {
  const handlers: Record<string, (button: HTMLButtonElement) => unknown> = {
    call: () => call(parts),
    burst: () => burst(parts),
    sleep: () => sleep(parts),
    reject: () => spoilAndCall(parts),
    revoke: () => revoke(parts).catch((error) => showResult(['Revoking failed: ', messageOf(error)], true)),
    network: (button) => toggleNetwork(parts, button),
    tab: () => window.open(location.href, '_blank'),
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-action]')) {
    const handler = handlers[button.dataset.action ?? '']
    if (handler) button.addEventListener('click', () => handler(button))
  }
}
