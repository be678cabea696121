/**
 * README's "Wrapping openapi-fetch or another fetch client" recipe, run: openapi-fetch
 * calls `auth.fetch` with a `Request` object, which must get the token, the
 * refresh and replay (body included), and the origin guard like `auth.api`.
 */
import { HttpResponse, http } from 'msw'
import createClient from 'openapi-fetch'
import { describe, expect, it } from 'vitest'
import { createAuthClient, isAuthError } from '../src/index.ts'
import { API, DEMO, mockServersWithMsw } from './support/sdk.ts'

const OTHER = 'https://other.example.test'

/** What an `openapi-typescript` run would generate for these three operations. */
interface paths {
  '/protected': {
    get: { responses: { 200: { content: { 'application/json': { user: { name: string } } } } } }
  }
  '/orders': {
    post: {
      requestBody: { content: { 'application/json': { item: string; quantity: number } } }
      responses: {
        201: { content: { 'application/json': { item: string; quantity: number; by: string } } }
        401: { content: { 'application/json': { error: string } } }
      }
    }
  }
  '/public': {
    get: { responses: { 200: { content: { 'application/json': { authorization: string | null } } } } }
  }
}

const {
  mocks: [mock],
  server,
} = mockServersWithMsw({ accessTokenTtl: 60 })
if (!mock) throw new Error('no mock')

/** `POST /orders` on the API: checks the Bearer token with the protocol app's own `/protected`, echoes the body. */
const orders = http.post(`${API}/orders`, async ({ request }) => {
  const authorization = request.headers.get('authorization')
  const check = await mock.app.fetch(
    new Request(`${API}/protected`, { headers: authorization ? { authorization } : {} }),
  )
  if (check.status !== 200) return HttpResponse.json({ error: 'invalid_token' }, { status: 401 })
  const { user } = (await check.json()) as { user: { name: string } }
  return HttpResponse.json({ ...((await request.json()) as object), by: user.name }, { status: 201 })
})

/** A route on another origin that reports the Authorization header it received. */
const otherOrigin = http.get(`${OTHER}/public`, ({ request }) =>
  HttpResponse.json({ authorization: request.headers.get('authorization') }),
)

async function loggedInClients() {
  server.use(orders, otherOrigin)
  const auth = createAuthClient({ baseUrl: API })
  await auth.login(DEMO)
  const api = createClient<paths>({ baseUrl: API, fetch: auth.fetch })
  const other = createClient<paths>({ baseUrl: OTHER, fetch: auth.fetch })
  return { auth, api, other }
}

describe('openapi-fetch with fetch: auth.fetch', () => {
  it('sends the token: a protected GET answers data', async () => {
    const { api } = await loggedInClients()
    const { data, error } = await api.GET('/protected')
    expect(error).toBeUndefined()
    expect(data?.user.name).toBe('user1')
  })

  it('after server-side expiry, a POST is refused once, refreshed and replayed with its body', async () => {
    const { api } = await loggedInClients()
    mock.advanceClock(61_000)
    const { data, response } = await api.POST('/orders', { body: { item: 'tea', quantity: 2 } })
    expect(response.status).toBe(201)
    expect(data).toEqual({ item: 'tea', quantity: 2, by: 'user1' })
    expect(mock.count('/refresh')).toBe(1)
  })

  it('sends no token to a client whose baseUrl is another origin', async () => {
    const { other } = await loggedInClients()
    const { data } = await other.GET('/public')
    expect(data).toEqual({ authorization: null })
  })

  it('after the session died, a call rejects with SESSION_EXPIRED instead of resolving an error', async () => {
    const { api } = await loggedInClients()
    await mock.revokeAllSessions()
    const failure = await api.GET('/protected').then(
      () => 'resolved',
      (error: unknown) => (isAuthError(error) ? error.code : String(error)),
    )
    expect(failure).toBe('SESSION_EXPIRED')
  })
})
