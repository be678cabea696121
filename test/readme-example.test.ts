// This file is README's "Testing with the mock server" example, verbatim (test/readme.test.ts checks it).

import { createAuthClient, isAuthError } from 'ky-token-refresh'
import { createAuthHandlers } from 'ky-token-refresh/mock-server'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'

const auth = createAuthHandlers({ baseUrl: 'https://api.example.com', bcryptCost: 4 })
const server = setupServer(...auth.handlers)
beforeAll(() => server.listen({ onUnhandledFrame: 'error' })) // MSW 3's name for onUnhandledRequest
afterEach(() => auth.reset())
afterAll(() => server.close())

it('asks for a new login when the refresh token is revoked', async () => {
  const client = createAuthClient({ baseUrl: 'https://api.example.com' })
  await client.login({ username: 'user1', password: 'password123' })
  await auth.revokeAllSessions()
  const error = await client.api
    .get('protected')
    .json()
    .catch((caught: unknown) => caught)
  expect(isAuthError(error) && error.code).toBe('SESSION_EXPIRED')
  expect(auth.count('/refresh')).toBe(1)
})
