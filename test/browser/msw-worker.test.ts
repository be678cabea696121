/**
 * `createAuthHandlers` under MSW's `setupWorker` in Chromium, with the SDK
 * running in the page: what the Node suite cannot show (a service worker, a
 * real `Request.credentials`, cookies a mocked answer cannot set).
 */
import { describe, expect, it } from 'vitest'
import type { Transport } from './msw-page.ts'
import { useMockPage } from './support/mock-page.ts'

const tab = useMockPage('msw-page.ts', 'MSW setupWorker + SDK', 'msw-worker.png', (page) =>
  page.evaluate(() => window.mswReady),
)

const lifecycle = (transport: Transport) => tab.page.evaluate((name) => window.mswScenarios?.lifecycle(name), transport)

describe.each(['cookie', 'body'] as const)('with the %s transport', (transport) => {
  it('logs in, refreshes transparently after the server clock passes expiry, and logout revokes the session', async () => {
    const report = await lifecycle(transport)

    expect(report?.protectedUser).toBe('user1')
    // One request after expiry: refused, one refresh, replayed; the caller only sees the answer.
    expect(report?.afterExpiry).toEqual(['GET /protected 401', 'POST /refresh 200', 'GET /protected 200'])
    expect(report?.afterExpiryUser).toBe('user1')
    // Three at once after another expiry share one refresh.
    expect(report?.concurrent).toEqual({ succeeded: 3, refused: 3, refreshes: 1 })
    expect(report?.logout).toEqual({
      refreshTokenHeld: true,
      status: 204,
      refreshCookieInJar: false,
      oldRefreshTokenStatus: 400,
      oldAccessTokenStatus: 401,
      clientRefresh: 'SESSION_EXPIRED',
    })
    // The HttpOnly cookie lives in the emulated jar (cookie transport only), never in the page's real one.
    expect(report?.refreshCookieInJar).toBe(transport === 'cookie')
    expect(report?.refreshCookieInDocument).toBe(false)
  })
})

it("sends the emulated cookie only when the request's credentials mode allows it", async () => {
  const report = await tab.page.evaluate(() => window.mswScenarios?.refreshCredentials())
  // The API is cross-origin to the page: 'same-origin' sends no cookie either.
  expect(report).toEqual({ omit: 400, sameOrigin: 400, include: 200 })
})

it("keeps no cookie from a login answered to a request made with credentials: 'omit'", async () => {
  const report = await tab.page.evaluate(() => window.mswScenarios?.loginWithoutCredentials())
  expect(report).toEqual({ cookieKept: false })
})

// Last in the file: it checks what every scenario above left on the tab.page.
it('raises no uncaught error and logs no error or warning in the page', () => {
  expect(tab.errors).toEqual([])
})
