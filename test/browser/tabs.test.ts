/**
 * Several tabs of one app in real Chromium, against the reference server (cookie transport, 5 s access tokens),
 * with the page served from the API's own origin: cross-tab coordination (Web Locks, BroadcastChannel) and the
 * page lifecycle (a sleeping page, going offline). Tabs are pages of one browser context; each test gets its own
 * context (cookie jar, locks, channels). What the server saw is recorded where it arrives (tab-server.ts).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest'
import { launchChromium } from './support/chromium.ts'
import { setUpOrFailEach } from './support/setup.ts'
import type { RequestReport, TabPage, TokenReport } from './support/tab-page.ts'
import { type Hit, startTabServer, type TabServer } from './support/tab-server.ts'

let browser: Browser | undefined
let server: TabServer
let context: BrowserContext
let pageErrors: string[]

setUpOrFailEach(async () => {
  ;[browser, server] = await Promise.all([launchChromium(), startTabServer()])
})

afterAll(async () => {
  await Promise.all([browser?.close(), server?.close()])
})

beforeEach(async () => {
  context = await (browser as Browser).newContext()
  pageErrors = []
  server.clear()
  server.skew(0)
})
afterEach(async () => {
  if (context === undefined) return
  await context.close()
  expect(pageErrors).toEqual([])
})

/** Polls `condition` every 20 ms until it holds; fails naming `what` after `timeout` ms. */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeout = 2000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Not within ${timeout} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** `promise`, or a failure naming `what` if it has not settled within `timeout` ms. */
async function within<T>(what: string, promise: Promise<T>, timeout = 2000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Not within ${timeout} ms: ${what}`)), timeout)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

async function openTab(options: { fakeClock?: boolean } = {}): Promise<Page> {
  const page = await context.newPage()
  page.setDefaultTimeout(5000)
  page.on('pageerror', (error) => pageErrors.push(error.message))
  if (options.fakeClock) await page.clock.install()
  await page.goto(server.pageUrl)
  await page.waitForFunction(() => window.tabPage !== undefined)
  return page
}

const openTabs = (count: number) => Promise.all(Array.from({ length: count }, () => openTab()))

// The page's API; the functions run in the page (Playwright sends their source), where `window.tabPage` is set.
const login = (page: Page, credentials?: Record<string, string>) =>
  page.evaluate((given) => (window.tabPage as TabPage).login(given), credentials)
const logout = (page: Page) => page.evaluate(() => (window.tabPage as TabPage).logout())
const refresh = (page: Page) => page.evaluate(() => (window.tabPage as TabPage).refresh())
const tokenOf = (page: Page) => page.evaluate(() => (window.tabPage as TabPage).token())
const request = (page: Page) => page.evaluate(() => (window.tabPage as TabPage).request())
const eventsOf = (page: Page) => page.evaluate(() => [...(window.tabPage as TabPage).events])
const reportsOf = (page: Page) => page.evaluate(() => [...(window.tabPage as TabPage).reports])
const startRequests = (page: Page, every: number) =>
  page.evaluate((ms) => (window.tabPage as TabPage).startRequests(ms), every)
const stopRequests = (page: Page) => page.evaluate(() => (window.tabPage as TabPage).stopRequests())

const jtis = async (pages: readonly Page[]) =>
  Promise.all(pages.map(async (page) => (await tokenOf(page))?.jti as string | undefined))

/** The access token the server gave last (a login or a refresh). */
const lastIssued = (): TokenReport | undefined => server.hits.findLast((hit) => hit.issued !== undefined)?.issued

/** Every tab holds the token the server gave last. */
async function allHoldTheLastToken(pages: readonly Page[]): Promise<boolean> {
  const held = await jtis(pages)
  const last = lastIssued()?.jti
  return last !== undefined && held.every((jti) => jti === last)
}

const statuses = (hits: readonly Hit[]) => hits.map((hit) => hit.status)
const ok = (report: RequestReport) => ({ status: report.status, error: report.error })

it('four tabs making a request every 500 ms refresh once per token for all of them, and no request is refused', async () => {
  const tabs = await openTabs(4)
  await login(tabs[0] as Page)
  await until('every tab has the session of the login', () => allHoldTheLastToken(tabs))
  const since = server.hits.length
  const startedAt = Date.now()

  await Promise.all(tabs.map((tab) => startRequests(tab, 500)))
  // 20 requests a tab: 10 s, two lifetimes of a 5 s token.
  await until(
    'every tab made 20 requests',
    async () => (await Promise.all(tabs.map(reportsOf))).every((reports) => reports.length >= 20),
    15_000,
  )
  await Promise.all(tabs.map(stopRequests))
  const duration = Date.now() - startedAt
  await until('the requests in flight were answered', () => server.hits.every((hit) => hit.status !== undefined))

  const refreshes = server.hitsOf('/refresh', since)
  // Each refresh cookie is presented once: one refresh per token, for the four tabs together (4 per token without
  // coordination). A token (5 s, counted 4 s) is refreshed 1 s before it expires: one refresh every 3 s or so.
  expect(new Set(refreshes.map((hit) => hit.refreshCookie?.jti)).size).toBe(refreshes.length)
  expect(statuses(refreshes).every((status) => status === 200)).toBe(true)
  expect(refreshes.length).toBeGreaterThanOrEqual(Math.floor(duration / 5000))
  expect(refreshes.length).toBeLessThanOrEqual(Math.ceil(duration / 2500))
  const gaps = refreshes.slice(1).map((hit, index) => hit.at - (refreshes[index] as Hit).at)
  expect(Math.min(...gaps)).toBeGreaterThan(2000)

  // No request went out with an expired token, nor failed.
  const requests = server.hitsOf('/protected', since)
  expect(requests.filter((hit) => hit.status === 401)).toEqual([])
  expect(new Set(statuses(requests))).toEqual(new Set([200]))
  const reports = (await Promise.all(tabs.map(reportsOf))).flat()
  expect(reports.length).toBeGreaterThanOrEqual(80)
  expect(reports.filter((report) => report.status !== 200)).toEqual([])

  await until('every tab holds the token of the last refresh', () => allHoldTheLastToken(tabs))
}, 60_000)

it('a logout in one tab ends the session in the others: their next request carries no token and calls no refresh', async () => {
  const tabs = await openTabs(3)
  await login(tabs[0] as Page)
  await until('every tab has the session', () => allHoldTheLastToken(tabs))
  const [first, leaving, third] = tabs as [Page, Page, Page]
  const others = [first, third]
  const since = server.hits.length

  await logout(leaving)
  expect(statuses(server.hitsOf('/logout', since))).toEqual([204])
  await until('the other tabs heard of the logout', async () =>
    (await Promise.all(others.map(eventsOf))).every((events) => events.includes('loggedOut')),
  )

  for (const tab of others) {
    expect(await tokenOf(tab)).toBeUndefined()
    const report = await request(tab)
    expect({ status: report.status, error: report.error }).toEqual({ status: undefined, error: 'SESSION_EXPIRED' })
  }
  const requests = server.hitsOf('/protected', since)
  expect(requests.map((hit) => ({ bearer: hit.bearer, status: hit.status }))).toEqual([
    { bearer: undefined, status: 401 },
    { bearer: undefined, status: 401 },
  ])
  expect(server.hitsOf('/refresh', since)).toEqual([])
})

it('a session that expires in one tab ends in all: the tabs waiting for the lock send no refresh of their own', async () => {
  const tabs = await openTabs(3)
  await login(tabs[0] as Page)
  await until('every tab has the session', () => allHoldTheLastToken(tabs))
  await server.revokeAllSessions()
  const since = server.hits.length

  // Every tab's request is refused (its session is revoked); the first refresh is slow, the others queue for the lock.
  const held = server.hold('/refresh', { forward: true })
  const requests = tabs.map(request)
  for (const pending of requests) pending.catch(() => {})
  await within('the first refresh arrived', held.arrived)
  await until('the two other tabs wait for the lock', async () => {
    const { pending = [] } = await (tabs[0] as Page).evaluate(() => navigator.locks.query())
    return pending.length === 2
  })
  held.release()

  for (const report of await Promise.all(requests)) {
    expect(ok(report)).toEqual({ status: undefined, error: 'SESSION_EXPIRED' })
  }
  // The refusal is news for every tab: one refresh call in all, refused.
  expect(statuses(server.hitsOf('/refresh', since))).toEqual([400])
  for (const tab of tabs) expect(await eventsOf(tab)).toContain('sessionExpired')
})

it('a login in one tab gives the session to the others without a reload or a refresh', async () => {
  const tabs = await openTabs(3)
  const [first, ...others] = tabs as [Page, ...Page[]]
  expect(await jtis(tabs)).toEqual([undefined, undefined, undefined])

  await login(first)

  await until('every tab holds the token of the login', () => allHoldTheLastToken(tabs))
  for (const tab of others) expect(ok(await request(tab))).toEqual({ status: 200, error: undefined })
  expect(server.hitsOf('/refresh')).toEqual([])
  expect(server.hitsOf('/login').length).toBe(1)
  expect(server.hitsOf('/protected').every((hit) => hit.bearer?.jti === lastIssued()?.jti)).toBe(true)
})

it("a login in one tab while another tab's refresh is in flight ends with the login's session in every tab", async () => {
  // Another user, so that the two sessions can be told apart.
  const other = { username: `tab-user-${crypto.randomUUID().slice(0, 8)}`, password: 'password456' }
  const registered = await fetch(`${server.origin}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(other),
  })
  expect(registered.status).toBe(201)
  const tabs = await openTabs(2)
  const [switching, refreshing] = tabs as [Page, Page]
  await login(switching)
  await until('both tabs have the session', () => allHoldTheLastToken(tabs))

  // The second tab's refresh (of user1's session) is slow; meanwhile the first tab logs in as another user.
  const held = server.hold('/refresh', { forward: true })
  refresh(refreshing).catch(() => {})
  await within('the held refresh arrived', held.arrived)
  const loggingIn = login(switching, other)
  loggingIn.catch(() => {})
  // Either the login waits for the refresh in flight, or it completes first: let the refresh go either way.
  await Promise.race([loggingIn, new Promise((resolve) => setTimeout(resolve, 500))])
  held.release()
  await loggingIn

  await until('both tabs hold the new session', async () =>
    (await Promise.all(tabs.map(tokenOf))).every((token) => token?.name === other.username),
  )
  // The browser kept the refresh cookie of the login, not the one the overtaken refresh brought back.
  expect(await refresh(refreshing)).toBeUndefined()
  expect((await tokenOf(refreshing))?.name).toBe(other.username)
  expect(ok(await request(switching))).toEqual({ status: 200, error: undefined })
  expect(server.hitsOf('/protected').at(-1)?.bearer?.name).toBe(other.username)
})

it('a tab closed in the middle of its refresh does not hold up the others: another tab refreshes at once', async () => {
  const tabs = await openTabs(3)
  const [closing, waiting, third] = tabs as [Page, Page, Page]
  await login(closing)
  await until('every tab has the session', () => allHoldTheLastToken(tabs))
  const loginToken = lastIssued()?.jti

  // The first tab's refresh reaches the server and is never answered: that tab holds the refresh lock.
  const held = server.hold('/refresh')
  refresh(closing).catch(() => {})
  await within('the held refresh arrived', held.arrived)
  const since = server.hits.length
  const second = refresh(waiting)
  second.catch(() => {})
  // While the lock is held the other tab waits for it, and sends nothing.
  await expect(until('a second refresh', () => server.hitsOf('/refresh', since).length > 0, 500)).rejects.toThrow()

  const closedAt = Date.now()
  await closing.close()

  // Web Locks let go of a closed tab's lock at once: far sooner than the SDK's lock timeout (80 s by default).
  await until('another tab refreshed', () => server.hitsOf('/refresh', since).some((hit) => hit.status === 200))
  expect(Date.now() - closedAt).toBeLessThan(2000)
  expect(await second).toBeUndefined()
  expect(server.hitsOf('/refresh', since).length).toBe(1)
  await until('both tabs left hold the new token', () => allHoldTheLastToken([waiting, third]))
  expect(lastIssued()?.jti).not.toBe(loginToken)
  for (const tab of [waiting, third]) expect(ok(await request(tab))).toEqual({ status: 200, error: undefined })
  held.release()
})

/** Ways a page sleeps for `ms`: how Playwright's page clock moves it. */
const sleeps = [
  {
    // A suspended laptop: the wall clock jumps; the monotonic clock and the timers stand still.
    how: 'its wall clock jumped',
    sleep: (page: Page, ms: number) =>
      page.evaluate(() => Date.now()).then((now) => page.clock.setSystemTime(now + ms)),
  },
  {
    // A frozen tab: both clocks move on, and each timer that came due fires once, late.
    how: 'its timers were frozen',
    sleep: (page: Page, ms: number) => page.clock.fastForward(ms),
  },
]

it.each(sleeps)(
  'a page that slept past the expiry ($how) sends its next request with a fresh token, never the expired one',
  async ({ sleep }) => {
    const page = await openTab({ fakeClock: true })
    await login(page)
    expect(ok(await request(page))).toEqual({ status: 200, error: undefined })
    const before = (await tokenOf(page)) as TokenReport

    // A minute of sleep, before the refresh timer (due 3 s after the login) fired; the server's clock moves too.
    const since = server.hits.length
    const asleep = 60_000
    server.skew(asleep)
    await sleep(page, asleep)

    expect(ok(await request(page))).toEqual({ status: 200, error: undefined })

    const hits = server.hits.slice(since)
    expect(hits.map((hit) => `${hit.path} ${hit.status}`)).toEqual(['/refresh 200', '/protected 200'])
    const sent = hits[1] as Hit
    expect(sent.bearer?.jti).toBe(hits[0]?.issued?.jti)
    expect(sent.bearer?.jti).not.toBe(before.jti)
    // The server's clock says the token it received is live; the one from before the sleep was not.
    expect(sent.bearer?.exp as number).toBeGreaterThan(sent.serverNow)
    expect(before.exp as number).toBeLessThanOrEqual(sent.serverNow)
  },
)

it('offline across an expiry, no tab tries to refresh; back online, the session resumes within a second', async () => {
  const tabs = await openTabs(2)
  await login(tabs[0] as Page)
  await until('both tabs have the session', () => allHoldTheLastToken(tabs))
  const refreshesTried: string[] = []
  context.on('request', (sent) => {
    if (new URL(sent.url()).pathname === '/refresh') refreshesTried.push(sent.url())
  })
  await Promise.all(tabs.map((tab) => startRequests(tab, 500)))

  await context.setOffline(true)
  const since = server.hits.length
  const offlineFrom = await Promise.all(tabs.map(async (tab) => (await reportsOf(tab)).length))
  expect(await Promise.all(tabs.map((tab) => tab.evaluate(() => navigator.onLine)))).toEqual([false, false])
  // The token (5 s, counted 4 s) expires while offline: requests that need a new one fail without a refresh.
  const offlineReports = async () =>
    Promise.all(tabs.map(async (tab, index) => (await reportsOf(tab)).slice(offlineFrom[index])))
  await until(
    'every tab had a request refused for want of a new token',
    async () => (await offlineReports()).every((reports) => reports.some((r) => r.error === 'REFRESH_FAILED')),
    8000,
  )
  await Promise.all(tabs.map(stopRequests))
  // Not even tried: Chromium saw no refresh request leave the tabs (the server could not have seen one).
  expect(refreshesTried).toEqual([])
  expect(server.hits.slice(since)).toEqual([])
  for (const reports of await offlineReports()) {
    for (const report of reports.filter((r) => r.error === 'REFRESH_FAILED')) {
      expect(report.detail).toBe('REFRESH_FAILED: the runtime is offline')
    }
  }

  await context.setOffline(false)
  const onlineAt = Date.now()

  // Nothing but the `online` event makes the tabs refresh now: no request is made until they have.
  await until(
    'a refresh after going online',
    () => server.hitsOf('/refresh', since).some((h) => h.status === 200),
    1000,
  )
  for (const tab of tabs) expect(ok(await request(tab))).toEqual({ status: 200, error: undefined })
  expect(Date.now() - onlineAt).toBeLessThan(1000)
  expect(statuses(server.hitsOf('/refresh', since))).toEqual([200])
  await until('both tabs hold the new token', () => allHoldTheLastToken(tabs))
})
