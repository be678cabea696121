/**
 * README's React recipe (react-auth.tsx) running in Chromium with React 19 in
 * StrictMode, against the MSW worker: a user signs in, the token expires on the
 * server, the app reloads, the session dies, the user signs out.
 */
import { expect, it } from 'vitest'
import { useMockPage } from './support/mock-page.ts'

const tab = useMockPage('react-page.tsx', 'React recipe + MSW', 'react.png', (page) =>
  page.evaluate(() => window.reactReady),
)

const status = () => tab.page.locator('section[data-status]').getAttribute('data-status')
const waitForStatus = (value: string) => tab.page.waitForSelector(`section[data-status="${value}"]`)
const counts = () => tab.page.evaluate(() => window.reactMock?.counts())

it('restores nothing without a cookie, signs in, survives expiry and a reload, and signs out when the session dies', async () => {
  // No refresh cookie yet: the restoring refresh is refused (StrictMode's double effect shares one call).
  await waitForStatus('signedOut')
  expect(await counts()).toMatchObject({ refresh: 1, login: 0 })

  await tab.page.getByLabel('Password').fill('password123')
  await tab.page.getByRole('button', { name: 'Sign in' }).click()
  await waitForStatus('signedIn')
  await tab.page.waitForFunction(() => document.querySelector('#loads')?.textContent === '1')
  expect(await tab.page.locator('#user').textContent()).toBe('user1')

  // The token expires on the server: the next load is refused once, refreshed, replayed.
  await tab.page.evaluate(() => window.reactMock?.advanceClock(61_000))
  await tab.page.getByRole('button', { name: 'Load profile' }).click()
  await tab.page.waitForFunction(() => document.querySelector('#loads')?.textContent === '2')
  expect(await counts()).toMatchObject({ refresh: 2, refused: 1 })

  // A reload: a new client with no access token, only the HttpOnly cookie; one refresh restores the session.
  await tab.page.getByRole('button', { name: 'Reload app' }).click()
  await waitForStatus('signedIn')
  await tab.page.waitForFunction(() => document.querySelector('#loads')?.textContent === '1')
  expect(await counts()).toMatchObject({ refresh: 3, login: 1 })

  // The server ends every session: the next load's refresh is refused and the app shows the sign-in form.
  await tab.page.evaluate(async () => {
    await window.reactMock?.revokeAllSessions()
  })
  await tab.page.getByRole('button', { name: 'Load profile' }).click()
  await waitForStatus('signedOut')
  expect(await tab.page.locator('#failure').textContent()).toContain('SESSION_EXPIRED')

  // Sign in again, then sign out: the logout route is called and the form is back.
  await tab.page.getByLabel('Password').fill('password123')
  await tab.page.getByRole('button', { name: 'Sign in' }).click()
  await waitForStatus('signedIn')
  await tab.page.getByRole('button', { name: 'Sign out' }).click()
  await waitForStatus('signedOut')
  await tab.page.waitForFunction(() => window.reactMock?.counts().logout === 1)
  expect(await status()).toBe('signedOut')
  expect(await tab.page.locator('#loads').count()).toBe(0)
  expect(tab.errors).toEqual([])
})
