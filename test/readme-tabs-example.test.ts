// This file is README's "Several tabs and a lost answer" example, verbatim (test/readme.test.ts checks it).

import { createAuthClient } from 'ky-token-refresh'
import { createAuthHandlers } from 'ky-token-refresh/mock-server'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, expect, it } from 'vitest'

const mock = createAuthHandlers({ baseUrl: 'https://api.example.com', bcryptCost: 4 })
const server = setupServer(...mock.handlers)
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }))
afterAll(() => server.close())

it('two tabs share one session, and a refresh answer lost after the rotation does not end it', async () => {
  const tab = () => createAuthClient({ baseUrl: 'https://api.example.com', crossTab: true, refreshRetries: 0 })
  const [first, second] = [tab(), tab()]
  await first.login({ username: 'user1', password: 'password123' })
  await expect.poll(() => second.getAccessToken()).toBeDefined() // the login reached the other tab
  mock.failNextRefreshes(1, { afterCommit: { networkError: true } }) // rotated, then the answer is lost
  await expect(first.refresh()).rejects.toMatchObject({ code: 'REFRESH_FAILED' })
  await second.refresh() // presents the parent again: the server's grace window answers
  expect((await second.api.get('protected')).status).toBe(200)
  expect(mock.count('/refresh')).toBe(2)
})
