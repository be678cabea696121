/**
 * `createAuthHandlers(...).fetch`: the test kit without MSW. The SDK runs on it as on the handlers (same routes,
 * controls, cookies and records), it keeps fetch's contract (TypeError, abort), leaves other URLs to the global
 * fetch, and keeps nothing per request.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createAuthHandlers } from '../mock-server/index.ts'
import { createAuthClient, isAuthError } from '../src/index.ts'
import { heapAfterGc } from './support/heap.ts'
import { API, DEMO } from './support/sdk.ts'

const kit = createAuthHandlers({ baseUrl: API, bcryptCost: 4, accessTokenTtl: 60 })
const bodyKit = createAuthHandlers({ baseUrl: `${API}/auth`, bcryptCost: 4, transport: 'body' })

afterEach(() => {
  kit.reset()
  bodyKit.reset()
  vi.unstubAllGlobals()
})

describe('the SDK on the direct fetch', () => {
  it('logs in, calls the API and refreshes through the cookie jar, with no MSW server running', async () => {
    const auth = createAuthClient({ baseUrl: API, fetch: kit.fetch })
    await auth.login(DEMO)
    expect(await auth.api.get('protected').json()).toMatchObject({ user: { name: DEMO.username } })
    kit.expireAccessTokens()
    expect((await auth.fetch('protected')).status).toBe(200)
    expect(kit.count('/refresh')).toBe(1)
    expect(kit.cookies.get('refreshToken')).toBeTypeOf('string')
    expect(kit.requests.map((request) => `${request.route} ${request.status}`)).toEqual([
      '/login 200',
      '/protected 200',
      '/protected 401',
      '/refresh 200',
      '/protected 200',
    ])
  })

  it('rotates the refresh token in the body under a path prefix', async () => {
    const auth = createAuthClient({ baseUrl: `${API}/auth`, transport: 'body', fetch: bodyKit.fetch })
    await auth.login(DEMO)
    await auth.refresh()
    await auth.refresh()
    expect(bodyKit.count('/refresh')).toBe(2)
    expect((await auth.fetch('protected')).status).toBe(200)
  })

  it('ends the session with SESSION_EXPIRED once the server revoked it', async () => {
    const auth = createAuthClient({ baseUrl: API, fetch: kit.fetch })
    await auth.login(DEMO)
    await kit.revokeAllSessions()
    const error = await auth.api
      .get('protected')
      .json()
      .catch((caught: unknown) => caught)
    expect(isAuthError(error) && error.code).toBe('SESSION_EXPIRED')
  })
})

describe('fetch semantics', () => {
  it('rejects with a TypeError where the handlers would drop the connection', async () => {
    kit.failNextRefreshes(1, { networkError: true })
    const refresh = kit.fetch(`${API}/refresh`, { method: 'POST' })
    await expect(refresh).rejects.toThrow(TypeError)
    expect(kit.requests).toEqual([{ method: 'POST', route: '/refresh', status: 'network-error' }])
  })

  it('rejects with the signal’s reason when the request is aborted while the server is slow', async () => {
    kit.failNextRefreshes(1, { delay: 60_000 })
    const controller = new AbortController()
    const refresh = kit.fetch(`${API}/refresh`, { method: 'POST', signal: controller.signal })
    controller.abort(new Error('gave up'))
    await expect(refresh).rejects.toThrow('gave up')
  })

  it('rejects at once, sending nothing, when the signal is already aborted', async () => {
    const refresh = kit.fetch(`${API}/refresh`, { method: 'POST', signal: AbortSignal.abort() })
    await expect(refresh).rejects.toMatchObject({ name: 'AbortError' })
    expect(kit.count()).toBe(0)
  })

  it('hands every other request to the global fetch, read when the request is made', async () => {
    const seen: string[] = []
    vi.stubGlobal('fetch', async (request: Request) => {
      seen.push(`${request.method} ${request.url}`)
      return new Response('elsewhere')
    })
    expect(await (await kit.fetch(`${API}/users/7`)).text()).toBe('elsewhere')
    expect(await (await kit.fetch('https://other.example.test/protected')).text()).toBe('elsewhere')
    expect(await (await kit.fetch(`${API}/login`)).text()).toBe('elsewhere') // GET /login is no route
    expect(seen).toEqual([`GET ${API}/users/7`, 'GET https://other.example.test/protected', `GET ${API}/login`])
    expect(kit.count()).toBe(0)
  })
})

describe('memory', () => {
  it('keeps well under a kilobyte per request over 3,000 API calls', { timeout: 60_000 }, async () => {
    const auth = createAuthClient({ baseUrl: API, fetch: kit.fetch })
    await auth.login(DEMO)
    const calls = async (count: number) => {
      for (let index = 0; index < count; index++) await (await auth.fetch('protected')).arrayBuffer()
    }
    await calls(2000) // warm-up: code paths compiled, caches filled
    const before = await heapAfterGc()
    await calls(3000)
    const perRequest = ((await heapAfterGc()) - before) / 3000
    // The kit records each request ({ method, route, status }, about 100 B); MSW 3 keeps about 51 KB.
    expect(perRequest).toBeLessThan(1024)
  })
})
