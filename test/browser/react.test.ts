/**
 * README's React recipe (react-auth.tsx) running in Chromium with React 19 in
 * StrictMode, against the MSW worker: a user signs in, the token expires on the
 * server, the app reloads, the session dies, the user signs out.
 */
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, expect, it } from 'vitest'
import { launchChromium } from './support/chromium.ts'
import { type PageServer, servePage } from './support/page-server.ts'
import { setUpOrFailEach } from './support/setup.ts'

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))

let browser: Browser | undefined
let pageServer: PageServer | undefined
let page: Page
const pageErrors: string[] = []

setUpOrFailEach(async () => {
  ;[browser, pageServer] = await Promise.all([launchChromium(), servePage('react-page.tsx', 'React recipe + MSW')])
  page = await browser.newPage()
  // A step that cannot happen fails in seconds, naming the step, not at the test timeout.
  page.setDefaultTimeout(5000)
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    const text = message.text()
    if (['error', 'warning'].includes(message.type()) && !text.startsWith('Failed to load resource')) {
      pageErrors.push(text)
    }
  })
  await page.goto(pageServer.url)
  await page.evaluate(() => window.reactReady)
})

afterAll(async () => {
  try {
    if (page && !page.isClosed()) {
      await mkdir(ARTIFACTS, { recursive: true })
      await page.screenshot({ path: `${ARTIFACTS}react.png`, fullPage: true })
    }
  } finally {
    await Promise.all([browser?.close(), pageServer?.close()])
  }
})

const status = () => page.locator('section[data-status]').getAttribute('data-status')
const waitForStatus = (value: string) => page.waitForSelector(`section[data-status="${value}"]`)
const counts = () => page.evaluate(() => window.reactMock?.counts())

it('restores nothing without a cookie, signs in, survives expiry and a reload, and signs out when the session dies', async () => {
  // No refresh cookie yet: the restoring refresh is refused (StrictMode's double effect shares one call).
  await waitForStatus('signedOut')
  expect(await counts()).toMatchObject({ refresh: 1, login: 0 })

  await page.getByLabel('Password').fill('password123')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await waitForStatus('signedIn')
  await page.waitForFunction(() => document.querySelector('#loads')?.textContent === '1')
  expect(await page.locator('#user').textContent()).toBe('user1')

  // The token expires on the server: the next load is refused once, refreshed, replayed.
  await page.evaluate(() => window.reactMock?.advanceClock(61_000))
  await page.getByRole('button', { name: 'Load profile' }).click()
  await page.waitForFunction(() => document.querySelector('#loads')?.textContent === '2')
  expect(await counts()).toMatchObject({ refresh: 2, refused: 1 })

  // A reload: a new client with no access token, only the HttpOnly cookie; one refresh restores the session.
  await page.getByRole('button', { name: 'Reload app' }).click()
  await waitForStatus('signedIn')
  await page.waitForFunction(() => document.querySelector('#loads')?.textContent === '1')
  expect(await counts()).toMatchObject({ refresh: 3, login: 1 })

  // The server ends every session: the next load's refresh is refused and the app shows the sign-in form.
  await page.evaluate(async () => {
    await window.reactMock?.revokeAllSessions()
  })
  await page.getByRole('button', { name: 'Load profile' }).click()
  await waitForStatus('signedOut')
  expect(await page.locator('#failure').textContent()).toContain('SESSION_EXPIRED')

  // Sign in again, then sign out: the logout route is called and the form is back.
  await page.getByLabel('Password').fill('password123')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await waitForStatus('signedIn')
  await page.getByRole('button', { name: 'Sign out' }).click()
  await waitForStatus('signedOut')
  await page.waitForFunction(() => window.reactMock?.counts().logout === 1)
  expect(await status()).toBe('signedOut')
  expect(await page.locator('#loads').count()).toBe(0)
  expect(pageErrors).toEqual([])
})
