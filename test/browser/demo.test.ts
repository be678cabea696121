/**
 * The demo page of `npm start` (scripts/demo/) in Chromium, served with the reference app from one origin as
 * `npm start` serves it, with 5-second access tokens. Every button is pressed and what the page shows is
 * checked against what the server saw. Waits are for conditions (a timeline entry, a state), never for time.
 * It writes docs/demo.png, the screenshot README shows.
 */
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest'
import { createAuthApp } from '../../mock-server/app.ts'
import { buildDemoPage, demoHome } from '../../scripts/demo/build-demo.ts'
import { launchChromium } from './support/chromium.ts'
import { setUpOrFailEach } from './support/setup.ts'

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url))
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))
const HOUR = 60 * 60 * 1000

/** One request as the server saw it; tokens are reduced to their `jti`. */
interface Seen {
  readonly method: string
  readonly path: string
  readonly status: number
  /** The `jti` of the Bearer token the request carried. */
  readonly presented: string | undefined
  /** The `jti` of the access token a login or refresh answer issued. */
  readonly issued: string | undefined
}

const jtiOf = (token: string | undefined): string | undefined => {
  try {
    const payload = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString()) as { jti?: string }
    return payload.jti
  } catch {
    return undefined
  }
}

/** The demo page and the reference app on one origin; the app's clock can be moved ahead, its refresh broken. */
async function startDemoServer() {
  const home = demoHome(await buildDemoPage())
  const control = { skew: 0, refreshAnswers503: false }
  const seen: Seen[] = []
  const issuedTokens: string[] = []
  const app = createAuthApp({ accessTokenTtl: 5, bcryptCost: 4, clock: () => Date.now() + control.skew })
  const fetch = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url)
    if (pathname === '/') return home(request)
    if (pathname === '/refresh' && control.refreshAnswers503) {
      seen.push({ method: request.method, path: pathname, status: 503, presented: undefined, issued: undefined })
      return new Response(null, { status: 503 })
    }
    const presented = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1]
    const response = await app.fetch(request)
    let issued: string | undefined
    if (response.ok && (pathname === '/login' || pathname === '/refresh')) {
      issued = ((await response.clone().json()) as { accessToken: string }).accessToken
      issuedTokens.push(issued)
    }
    seen.push({
      method: request.method,
      path: pathname,
      status: response.status,
      presented: jtiOf(presented),
      issued: jtiOf(issued),
    })
    return response
  }
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch, port: 0, hostname: '127.0.0.1', overrideGlobalObjects: false }, () =>
      resolve(started),
    )
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    control,
    seen,
    issuedTokens,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      }),
  }
}

let browser: Browser | undefined
let server: Awaited<ReturnType<typeof startDemoServer>> | undefined
let context: BrowserContext
let pages: Page[] = []
let pageErrors: string[] = []

setUpOrFailEach(async () => {
  ;[browser, server] = await Promise.all([launchChromium(), startDemoServer()])
})
afterAll(async () => {
  await Promise.all([browser?.close(), server?.close()])
})

beforeEach(async () => {
  const demo = demoServer()
  demo.control.skew = 0
  demo.control.refreshAnswers503 = false
  context = await (browser as Browser).newContext({ viewport: { width: 1360, height: 900 } })
  pages = []
  pageErrors = []
  context.on('page', watch)
})

afterEach(async () => {
  if (context === undefined) return
  // No page ever showed a token: not even 7 of its last characters (the page shows at most 6).
  const shown = await Promise.all(pages.filter((page) => !page.isClosed()).map(pageText))
  for (const token of demoServer().issuedTokens) {
    for (const text of shown) expect(text.includes(token.slice(-7))).toBe(false)
  }
  await context.close()
  expect(pageErrors).toEqual([])
})

function demoServer() {
  if (!server) throw new Error('The demo server did not start')
  return server
}

/** Everything a page shows or holds in its markup, input values included. */
const pageText = (page: Page) =>
  page.evaluate(() => {
    const values = [...document.querySelectorAll('input')].map((input) => input.value)
    return [document.documentElement.outerHTML, ...values].join('\n')
  })

function watch(page: Page): void {
  pages.push(page)
  page.setDefaultTimeout(8000)
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    // Chromium reports each 4xx the scenarios provoke as "Failed to load resource"; anything else is an error.
    if (['error', 'warning'].includes(message.type()) && !message.text().startsWith('Failed to load resource')) {
      pageErrors.push(message.text())
    }
  })
}

async function openDemo(): Promise<Page> {
  const page = await context.newPage()
  await page.goto(demoServer().url)
  await page.waitForSelector('html[data-restored="true"]')
  return page
}

async function logIn(page: Page): Promise<void> {
  await page.click('#login-button')
  await page.waitForSelector('#session[data-state="signedIn"]')
}

/** The timeline's entries, newest first, by cause (`login`, `proactive`, `other-tab`...). */
const timeline = (page: Page) =>
  page.$$eval('#timeline li[data-cause]:not(.empty)', (items) =>
    items.map((item) => (item as HTMLElement).dataset.cause),
  )

const waitForEntries = (page: Page, count: number) =>
  page.waitForFunction((n) => document.querySelectorAll('#timeline li:not(.empty)').length >= n, count)

const press = (page: Page, action: string) => page.click(`button[data-action="${action}"]`)

/**
 * Presses buttons one after the other in one task of the page: no timer of the client can run in between, and
 * no time is lost to Playwright's actionability checks (a proactive refresh comes every 3 s here).
 */
const pressTogether = (page: Page, ...actions: string[]) =>
  page.evaluate((names) => {
    for (const name of names) document.querySelector<HTMLButtonElement>(`button[data-action="${name}"]`)?.click()
  }, actions)

/** The result line of the last action, once it is there. */
async function resultOf(page: Page, outcome: string): Promise<Record<string, string | undefined>> {
  await page.waitForSelector(`#action-result[data-outcome="${outcome}"]`)
  return page.$eval('#action-result', (element) => ({
    ...(element as HTMLElement).dataset,
    text: element.textContent ?? '',
  }))
}

const remainingMs = async (page: Page) => Number(await page.getAttribute('#countdown', 'data-remaining-ms'))

const entries = async (page: Page) => (await timeline(page)).length

const requestsSince = (mark: number) =>
  demoServer()
    .seen.slice(mark)
    .map((r) => `${r.method} ${r.path} ${r.status}`)

/** The 5 s tokens count as living 4 s (iat is whole seconds): the burst jumps that far ahead. */
const TOKEN_LIFE = 4000

it('answers GET / with one self-contained HTML page, under a policy that allows only its own inline code', async () => {
  const response = await fetch(demoServer().url)
  const html = await response.text()

  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
  expect(response.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[^']+'; style-src 'sha256-/)
  expect(html).toMatch(/^<!doctype html>/)
  expect(html).toContain('<script type="module">')
  // Self-contained: nothing is loaded from anywhere.
  expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/)
  expect((await fetch(demoServer().url, { method: 'POST' })).status).toBe(405)
})

it('logs in as the prefilled demo user and counts the access token down, showing only its last 6 characters', async () => {
  const mark = demoServer().seen.length
  const page = await openDemo()
  expect(await page.inputValue('input[name="username"]')).toBe('user1')
  expect(await page.inputValue('input[name="password"]')).toBe('password123')

  await logIn(page)

  const first = await remainingMs(page)
  expect(first).toBeGreaterThan(0)
  expect(first).toBeLessThanOrEqual(TOKEN_LIFE)
  await page.waitForFunction((before) => {
    const left = Number(document.querySelector('#countdown')?.getAttribute('data-remaining-ms'))
    return left > 0 && left < before - 200
  }, first)
  const token = demoServer().issuedTokens.at(-1) ?? ''
  expect(await page.textContent('#fact-token')).toBe(`…${token.slice(-6)}`)
  expect(await page.textContent('#fact-user')).toBe('user1')
  expect((await timeline(page)).at(-1)).toBe('login')
  // No session at first: the restoring refresh is refused; then the login.
  expect(requestsSince(mark).slice(0, 2)).toEqual(['POST /refresh 400', 'POST /login 200'])
})

it('renews the token proactively before it expires, and shows the refresh in the timeline and the log', async () => {
  const page = await openDemo()
  await logIn(page)
  const mark = demoServer().seen.length

  await waitForEntries(page, 2)

  expect((await timeline(page)).slice(-2)).toEqual(['proactive', 'login'])
  expect(requestsSince(mark)[0]).toBe('POST /refresh 200')
  expect(await page.locator('#log tr[data-kind="event"][data-what="refreshed"]').count()).toBeGreaterThan(0)
  expect(await page.locator('#log tr[data-kind="request"][data-path="/refresh"][data-status="200"]').count()).toBe(
    await page.locator('#log tr[data-kind="event"][data-what="refreshed"]').count(),
  )
  expect(await remainingMs(page)).toBeGreaterThan(0)
})

it('sends a burst of 20 requests with an expired token after ONE refresh, all with its token', async () => {
  const page = await openDemo()
  await logIn(page)
  const mark = demoServer().seen.length

  // The burst moves the page's clock one token life ahead; the server's moves with it, as in a real sleep.
  demoServer().control.skew = TOKEN_LIFE
  await press(page, 'burst')
  const result = await resultOf(page, 'burst')

  // The page counted one /refresh request of its own during the burst.
  expect(result).toMatchObject({ requests: '20', refreshes: '1', ok: '20' })
  const seen = demoServer().seen.slice(mark)
  const calls = seen.filter((r) => r.path === '/protected')
  expect(calls.map((r) => r.status)).toEqual(Array(20).fill(200))
  // One token for all twenty, issued by a refresh after the click.
  expect(new Set(calls.map((r) => r.presented)).size).toBe(1)
  expect(seen.some((r) => r.path === '/refresh' && r.issued === calls[0]?.presented)).toBe(true)
  expect((await timeline(page))[0]).toBe('expired')
})

it('after a simulated sleep, refreshes before the next request: the server never sees an expired token', async () => {
  const page = await openDemo()
  await logIn(page)
  const mark = demoServer().seen.length

  // The server's clock moves first, so that the old token really has expired there; the page's follows.
  demoServer().control.skew = HOUR
  await pressTogether(page, 'sleep', 'call')
  await resultOf(page, 'ok')

  expect(await page.getAttribute('#clock-chip', 'data-offset-ms')).toBe(String(HOUR))
  expect(requestsSince(mark).slice(0, 2)).toEqual(['POST /refresh 200', 'GET /protected 200'])
  const [refresh, call] = demoServer().seen.slice(mark)
  expect(call?.presented).toBe(refresh?.issued)
  expect(requestsSince(mark).filter((request) => request.endsWith(' 401'))).toEqual([])
  expect(await timeline(page)).toContain('expired')
})

it('refreshes after a 401 and replays the request, labelling the refresh "after a 401"', async () => {
  const page = await openDemo()
  await logIn(page)
  const mark = demoServer().seen.length

  await pressTogether(page, 'reject')
  await resultOf(page, 'ok')

  const seen = requestsSince(mark)
  const refused = seen.indexOf('GET /protected 401')
  expect(seen.slice(refused, refused + 3)).toEqual(['GET /protected 401', 'POST /refresh 200', 'GET /protected 200'])
  const [, refresh, replay] = demoServer().seen.slice(mark + refused)
  expect(replay?.presented).toBe(refresh?.issued)
  expect(await timeline(page)).toContain('after-401')
  expect(await page.textContent('#timeline li[data-cause="after-401"] .badge')).toBe('After a 401')
})

it('shows "session expired" once the server revoked the session behind the client’s back', async () => {
  const page = await openDemo()
  await logIn(page)
  const mark = demoServer().seen.length

  await press(page, 'revoke')
  await page.waitForSelector('#action-result strong[data-field="status"]')
  await press(page, 'call')
  await resultOf(page, 'failed')

  await page.waitForSelector('#session[data-state="expired"]')
  expect(await page.isVisible('#expired-banner')).toBe(true)
  expect(await page.textContent('#action-result')).toContain('SESSION_EXPIRED')
  const seen = requestsSince(mark)
  expect(seen[0]).toBe('POST /logout 204')
  expect(seen.slice(1).filter((request) => request.startsWith('POST /refresh'))).toEqual(['POST /refresh 400'])
  expect((await timeline(page))[0]).toBe('session-expired')
  expect(await page.getAttribute('#log tbody tr[data-kind="event"]', 'data-what')).toBe('sessionExpired')
})

it('attempts no refresh while offline, even past expiry, and recovers once back online', async () => {
  const page = await openDemo()
  await logIn(page)
  await press(page, 'network')
  expect(await page.evaluate(() => navigator.onLine)).toBe(false)
  expect(await page.textContent('#network-state')).toBe('offline (demo)')
  const mark = demoServer().seen.length

  // Past the proactive refresh and the expiry: the timer fired, and found the page offline.
  await page.waitForFunction(() => document.querySelector('#countdown')?.getAttribute('data-remaining-ms') === '0')
  await press(page, 'call')
  expect((await resultOf(page, 'failed')).text).toContain('REFRESH_FAILED')
  expect(requestsSince(mark)).toEqual([])

  const before = await entries(page)
  await press(page, 'network')
  await waitForEntries(page, before + 1)
  expect(requestsSince(mark)).toEqual(['POST /refresh 200'])
  await press(page, 'call')
  await resultOf(page, 'ok')
  expect(requestsSince(mark)).toContain('GET /protected 200')
}, 60_000)

it('shows a refresh that failed (the server answered 503) without ending the session', async () => {
  const page = await openDemo()
  await logIn(page)
  demoServer().control.refreshAnswers503 = true
  const mark = demoServer().seen.length

  demoServer().control.skew = HOUR
  await pressTogether(page, 'sleep', 'call')
  await resultOf(page, 'failed')

  await page.waitForSelector('#log tr[data-kind="event"][data-what="refreshFailed"]')
  expect((await timeline(page))[0]).toBe('refresh-failed')
  // Refreshes only (the first attempt and ky's two retries, once more if the timer's refresh came first): the call
  // never went out without a valid token.
  const seen = requestsSince(mark)
  expect(seen.length).toBeGreaterThanOrEqual(3)
  expect(new Set(seen)).toEqual(new Set(['POST /refresh 503']))
  expect(await page.getAttribute('#session', 'data-state')).toBe('signedIn')
})

it('logs out: the server revokes the session and the page shows the login form again', async () => {
  const page = await openDemo()
  await logIn(page)
  const mark = demoServer().seen.length

  await page.click('#logout-button')

  await page.waitForSelector('#session[data-state="signedOut"]')
  await page.waitForSelector('#log tr[data-kind="event"][data-what="loggedOut"]')
  await page.waitForSelector('#log tr[data-path="/logout"][data-status="204"]')
  expect(requestsSince(mark)).toContain('POST /logout 204')
  expect((await timeline(page))[0]).toBe('logout')
})

it('shares one session with a second tab: it hears the login, and both tabs make ONE refresh at an expiry', async () => {
  const first = await openDemo()
  const [second] = await Promise.all([first.waitForEvent('popup'), press(first, 'tab')])
  await second.waitForSelector('html[data-restored="true"]')
  await logIn(first)

  // The second tab learns of the login from the first, and shows it as a refresh from another tab.
  await second.waitForSelector('#session[data-state="signedIn"]')
  expect((await timeline(second)).at(-1)).toBe('other-tab')
  const mark = demoServer().seen.length
  const [firstBefore, secondBefore] = [await entries(first), await entries(second)]

  await Promise.all([waitForEntries(first, firstBefore + 1), waitForEntries(second, secondBefore + 1)])

  expect(requestsSince(mark)).toEqual(['POST /refresh 200'])
  const newest = [(await timeline(first))[0], (await timeline(second))[0]].sort()
  expect(newest).toEqual(['other-tab', 'proactive'])
  expect(await second.textContent('#fact-token')).toBe(await first.textContent('#fact-token'))
}, 60_000)

it('is what docs/demo.png shows: a logged-in page whose timeline has every kind of refresh', async () => {
  const page = await openDemo()
  await logIn(page)
  await waitForEntries(page, 2)
  demoServer().control.skew = TOKEN_LIFE
  await press(page, 'burst')
  await resultOf(page, 'burst')
  // A proactive refresh (every 3 s) may answer the 401's need before it does: then the 401 is provoked again.
  for (let attempt = 0; attempt < 3 && !(await timeline(page)).includes('after-401'); attempt++) {
    await pressTogether(page, 'reject')
    await resultOf(page, 'ok')
  }
  const [second] = await Promise.all([page.waitForEvent('popup'), press(page, 'tab')])
  await second.waitForSelector('#session[data-state="signedIn"]')
  // The second tab refreshes (its restore, then a 401 of its own): the first hears it. Should the first tab's
  // timer win those races, the tabs' proactive refreshes are shared by whichever tab takes the lock first.
  await pressTogether(second, 'reject')
  await page.waitForSelector('#timeline li[data-cause="other-tab"]', { timeout: 20_000 })
  await second.close()
  await press(page, 'call')
  await resultOf(page, 'ok')

  const causes = await timeline(page)
  for (const cause of ['login', 'proactive', 'expired', 'after-401', 'other-tab']) expect(causes).toContain(cause)
  await mkdir(DOCS, { recursive: true })
  await mkdir(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: `${DOCS}demo.png`, fullPage: true })
  await page.screenshot({ path: `${ARTIFACTS}demo.png`, fullPage: true })
}, 90_000)
