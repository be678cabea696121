/**
 * The SDK in Chromium against the real reference server with real cookies:
 * the page is served from one 127.0.0.1 port, the API from another (another
 * origin of the same site), so the browser's own jar, SameSite and CORS rules
 * apply. Nothing is mocked and nothing waits on real time: refreshes are
 * called explicitly.
 */
import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core'
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest'
import { type AuthServer, startAuthServer } from '../../mock-server/node.ts'
import { launchChromium } from './support/chromium.ts'
import { watchNetwork } from './support/network.ts'
import { type PageServer, servePage } from './support/page-server.ts'
import { setUpOrFailEach } from './support/setup.ts'

let browser: Browser | undefined
let allowedSite: PageServer | undefined
let foreignSite: PageServer | undefined
let server: AuthServer | undefined
let api: string
let context: BrowserContext
let pageErrors: string[]

setUpOrFailEach(async () => {
  ;[browser, allowedSite, foreignSite] = await Promise.all([
    launchChromium(),
    servePage('server-page.ts', 'SDK + reference server (allowed origin)'),
    servePage('server-page.ts', 'SDK + reference server (foreign origin)'),
  ])
  server = await startAuthServer({
    port: 0,
    bcryptCost: 4,
    // Short, yet long enough that no proactive refresh fires within a test (it would come at 22.5 s):
    // every refresh here is explicit, so none can race an assertion on the cookie.
    accessTokenTtl: 30,
    allowedOrigins: [allowedSite.origin],
  })
  api = server.url
})

afterAll(async () => {
  await Promise.all([browser?.close(), allowedSite?.close(), foreignSite?.close(), server?.close()])
})

// A fresh context per test: its own cookie jar, and no client (or its refresh timer) outlives the test.
beforeEach(async () => {
  context = await (browser as Browser).newContext()
  pageErrors = []
})
afterEach(async () => {
  // Unset when the set-up failed: each test has already failed with its error.
  if (context === undefined) return
  await context.close()
  expect(pageErrors).toEqual([])
})

async function open(site: PageServer | undefined): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => pageErrors.push(error.message))
  await page.goto((site as PageServer).url)
  return page
}

/** The API's refresh cookie in the browser's jar (only the test process can see it: it is HttpOnly). */
async function refreshCookie(): Promise<Cookie | undefined> {
  return (await context.cookies(api)).find((cookie) => cookie.name === 'refreshToken')
}

it('keeps the refresh token away from page scripts: an HttpOnly cookie, nothing in Web Storage', async () => {
  const page = await open(allowedSite)
  const report = await page.evaluate((url) => window.serverScenarios?.login(url), api)

  expect(report).toEqual({
    refreshCookieInDocument: false,
    localStorageItems: 0,
    sessionStorageItems: 0,
    protectedUser: 'user1',
  })
  const cookie = await refreshCookie()
  expect(cookie && { httpOnly: cookie.httpOnly, secure: cookie.secure, sameSite: cookie.sameSite }).toEqual({
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
  })
})

it('refreshes with the cookie the browser sends, and the browser keeps the rotated one', async () => {
  const page = await open(allowedSite)
  await page.evaluate((url) => window.serverScenarios?.login(url), api)
  const before = (await refreshCookie())?.value

  // The client holds no refresh token: only the cookie can make this refresh succeed.
  const report = await page.evaluate((url) => window.serverScenarios?.refresh(url), api)

  expect(report).toEqual({ refreshed: 1, protectedUser: 'user1' })
  const after = (await refreshCookie())?.value
  expect(before !== undefined && after !== undefined && after !== before).toBe(true)
})

it('restores the session from the cookie in a new page, as after a reload', async () => {
  const first = await open(allowedSite)
  await first.evaluate((url) => window.serverScenarios?.login(url), api)
  await first.close()

  const reloaded = await open(allowedSite)
  const report = await reloaded.evaluate((url) => window.serverScenarios?.refresh(url), api)

  expect(report).toEqual({ refreshed: 1, protectedUser: 'user1' })
})

it('logout clears the cookie and revokes it: a later refresh rejects with SESSION_EXPIRED', async () => {
  const page = await open(allowedSite)
  await page.evaluate((url) => window.serverScenarios?.login(url), api)
  const beforeLogout = await refreshCookie()

  await page.evaluate(() => window.serverScenarios?.logout())

  expect(await refreshCookie()).toBeUndefined()
  const withoutCookie = await page.evaluate((url) => window.serverScenarios?.failingRefresh(url), api)
  expect(withoutCookie).toEqual({ isAuthError: true, code: 'SESSION_EXPIRED', status: 400 })

  // The server revoked it too: put the old cookie back in the jar, and it is still refused.
  await context.addCookies([beforeLogout as Cookie])
  const withOldCookie = await page.evaluate((url) => window.serverScenarios?.failingRefresh(url), api)
  expect(withOldCookie).toEqual({ isAuthError: true, code: 'SESSION_EXPIRED', status: 400 })
})

it('refuses a cookie-borne refresh from an origin outside allowedOrigins, as a typed AuthError', async () => {
  const allowed = await open(allowedSite)
  await allowed.evaluate((url) => window.serverScenarios?.login(url), api)
  // Closing the page ends its client: only the foreign page can touch the cookie now.
  await allowed.close()
  const before = (await refreshCookie())?.value

  // Same site (127.0.0.1), another port: the browser sends the SameSite=Strict cookie.
  const foreign = await open(foreignSite)
  const networkRecord = await watchNetwork(context, foreign, `${api}/refresh`)
  const report = await foreign.evaluate((url) => window.serverScenarios?.failingRefresh(url, 0), api)

  // The server answers 403 without CORS headers, so the browser hides the answer from the page:
  // the SDK sees a network failure, a transient REFRESH_FAILED without status.
  expect(await networkRecord()).toEqual({ status: 403, corsError: 'MissingAllowOriginHeader' })
  expect(report).toEqual({ isAuthError: true, code: 'REFRESH_FAILED', status: undefined })
  // The server did not rotate the cookie, and the session still works from the allowed origin.
  expect((await refreshCookie())?.value === before).toBe(true)
  const again = await open(allowedSite)
  expect(await again.evaluate((url) => window.serverScenarios?.refresh(url), api)).toEqual({
    refreshed: 1,
    protectedUser: 'user1',
  })
})

it("keeps no cookie from a login made with credentials: 'omit' (what the MSW jar must match)", async () => {
  const page = await open(allowedSite)

  expect(await page.evaluate((url) => window.serverScenarios?.rawLogin(url, 'omit'), api)).toBe(200)
  expect(await refreshCookie()).toBeUndefined()

  expect(await page.evaluate((url) => window.serverScenarios?.rawLogin(url, 'include'), api)).toBe(200)
  expect(await refreshCookie()).toBeDefined()
})
