/**
 * Several tabs of one app, as several clients in one Node process: Node has Web Locks and BroadcastChannel, and
 * MSW's cookie jar is shared as a browser's is. `crossTab: true` turns the coordination on (it is on by default in
 * pages only). Tokens are compared, never printed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type AuthClient, type AuthClientOptions, createAuthClient } from '../src/index.ts'
import { API, answered, DEMO, installFakeClock, mockServers } from './support/sdk.ts'
import { recordingStorage } from './support/sdk-checks.ts'
import { idle, settle } from './support/time.ts'
import { claimsOf } from './support/tokens.ts'

const BODY = 'https://body.example.test'
const OTHER = 'https://other.example.test'
const [mock, bodyMock, otherMock] = mockServers(
  { accessTokenTtl: 60 },
  { accessTokenTtl: 60, transport: 'body', baseUrl: BODY },
  { accessTokenTtl: 60, baseUrl: OTHER },
)

const opened: AuthClient[] = []
afterEach(() => {
  for (const tab of opened.splice(0)) tab.dispose()
})

/** `count` tabs of one app. */
function openTabs(count: number, options: Partial<AuthClientOptions> = {}): AuthClient[] {
  const tabs = Array.from({ length: count }, () => createAuthClient({ baseUrl: API, crossTab: true, ...options }))
  opened.push(...tabs)
  return tabs
}

const tokensOf = (tabs: AuthClient[]) => Promise.all(tabs.map((tab) => tab.getAccessToken()))

/** Waits (real I/O, fake time still) until every tab holds the same token, and returns it. */
async function sameTokenEverywhere(tabs: AuthClient[], what: string): Promise<string | undefined> {
  let tokens: Array<string | undefined> = []
  const start = performance.now()
  for (;;) {
    tokens = await tokensOf(tabs)
    if (tokens[0] !== undefined && tokens.every((token) => token === tokens[0])) return tokens[0]
    if (performance.now() - start > 5000) throw new Error(`Timed out waiting for ${what}`)
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

describe('several tabs share one session', () => {
  it('a login in one tab gives every tab the session, without a request or a reload', async () => {
    const tabs = openTabs(4)
    const [first] = tabs as [AuthClient]
    await first.login(DEMO)
    await sameTokenEverywhere(tabs, 'the login to reach every tab')
    expect(mock.count('/refresh')).toBe(0)
    const answers = await Promise.all(tabs.map((tab) => tab.api.get('protected')))
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200])
  })

  it('four tabs make one refresh per expiry, and every tab holds the new token', async () => {
    installFakeClock()
    const tabs = openTabs(4)
    const waits = tabs.map(() => 0)
    for (const [index, tab] of tabs.entries()) {
      tab.on('refreshed', () => {
        waits[index] = (waits[index] ?? 0) + 1
      })
    }
    await (tabs[0] as AuthClient).login(DEMO)
    const loginToken = await sameTokenEverywhere(tabs, 'the login to reach every tab')
    await settle(() => waits.slice(1).every((wait) => wait === 1), 'the login news')
    waits.fill(0)
    // Every tab's timer comes due at once; one tab refreshes, the others wait for the lock and use its token.
    await vi.advanceTimersByTimeAsync(45_000)
    await settle(() => mock.count('/refresh') >= 1, 'the refresh')
    const refreshed = await sameTokenEverywhere(tabs, 'the new token to reach every tab')
    expect(refreshed).not.toBe(loginToken)
    // Every tab's wait for the lock is over (each heard of the refresh), and no tab refreshed on its own after.
    await settle(() => waits.every((wait) => wait === 1), 'every tab to hear of the refresh')
    await idle(100)
    expect(mock.count('/refresh')).toBe(1)
    expect(waits).toEqual([1, 1, 1, 1])
    await Promise.all(tabs.map((tab) => tab.api.get('protected')))
    expect(answered(mock, 401)).toBe(0)
  })

  it('a login while another tab refreshes the old session leaves every tab in the new session, whatever the channel delivers last', async () => {
    const tabs = openTabs(2)
    const [first, second] = tabs as [AuthClient, AuthClient]
    await second.login(DEMO)
    const old = claimsOf((await sameTokenEverywhere(tabs, 'the first login to reach both tabs')) as string).sid
    // The second tab refreshes the old session under the lock; the login waits for it, then opens a new session.
    const refreshed = second.refresh()
    await first.login(DEMO)
    await refreshed
    await idle(100) // any news still on the channel arrives
    const current = claimsOf((await sameTokenEverywhere(tabs, 'the new session to reach both tabs')) as string).sid
    expect(current).not.toBe(old)
    expect(mock.count('/login')).toBe(2)
  })

  it('a logout in one tab ends the session in every tab at once: no tab sends a token afterwards', async () => {
    const tabs = openTabs(3)
    const [first, second, third] = tabs as [AuthClient, AuthClient, AuthClient]
    const loggedOut = vi.fn()
    second.on('loggedOut', loggedOut)
    await first.login(DEMO)
    await sameTokenEverywhere(tabs, 'the login to reach every tab')
    await first.logout()
    await settle(() => loggedOut.mock.calls.length === 1, 'the logout to reach the second tab')
    expect(loggedOut).toHaveBeenCalledWith({ elsewhere: true })
    expect(await tokensOf([second, third])).toEqual([undefined, undefined])
    // The server refuses the tokenless request; the ended session says so without trying a refresh.
    await expect(second.api.get('protected')).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
    expect(mock.count('/refresh')).toBe(0)
  })

  it('the channel is keyed by the API: clients of another API hear nothing of this one', async () => {
    const [tab] = openTabs(1)
    const [other] = openTabs(1, { baseUrl: OTHER })
    await (tab as AuthClient).login(DEMO)
    await sameTokenEverywhere([tab as AuthClient], 'the login')
    await new Promise<void>((resolve) => setTimeout(resolve, 50))
    expect(await (other as AuthClient).getAccessToken()).toBeUndefined()
    expect(otherMock.count()).toBe(0)
  })

  it('malformed messages on the channel are ignored', async () => {
    const [tab] = openTabs(1) as [AuthClient]
    await tab.login(DEMO)
    const before = await tab.getAccessToken()
    const intruder = new BroadcastChannel(`ky-token-refresh:${API}/`)
    for (const message of [
      null,
      'login',
      { kind: 'login' },
      { kind: 'login', accessToken: '', sentAt: 1 },
      { kind: 'refreshed', accessToken: 'x', sentAt: 'now' },
      { kind: 'refreshed', accessToken: 'x', sentAt: 1, refreshToken: 42 },
      { kind: 'unknown' },
    ]) {
      intruder.postMessage(message)
    }
    intruder.close()
    await new Promise<void>((resolve) => setTimeout(resolve, 50))
    expect((await tab.getAccessToken()) === before).toBe(true)
    expect((await tab.api.get('protected')).status).toBe(200)
  })

  it('with the body transport and one shared storage, a rotated token reaches every tab and none replays a spent one', async () => {
    const storage = recordingStorage()
    const tabs = openTabs(3, { baseUrl: BODY, transport: 'body', storage })
    const [first, second, third] = tabs as [AuthClient, AuthClient, AuthClient]
    await first.login(DEMO)
    await sameTokenEverywhere(tabs, 'the login to reach every tab')
    for (const tab of [second, third, first, second]) {
      await tab.refresh()
      await sameTokenEverywhere(tabs, 'the refresh to reach every tab')
    }
    // Each refresh presented the newest token: a spent one would have been taken as reuse and ended the family.
    expect(bodyMock.requests.filter((request) => request.route === '/refresh').map((r) => r.status)).toEqual([
      200, 200, 200, 200,
    ])
  })

  it('dispose() leaves the other tabs: a disposed tab hears no more of them', async () => {
    const tabs = openTabs(2)
    const [first, second] = tabs as [AuthClient, AuthClient]
    second.dispose()
    await first.login(DEMO)
    await new Promise<void>((resolve) => setTimeout(resolve, 50))
    expect(await second.getAccessToken()).toBeUndefined()
  })
})
