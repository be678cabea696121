/**
 * Each preset against the mock profile of the same name: the three documented
 * tutorial servers, each at its own origin. They answer 403 for an expired
 * access token, so the presets' `refreshOn: [401, 403]` is what makes the SDK
 * refresh and replay there; the default options let the 403 through.
 */
import { HttpResponse, http } from 'msw'
import type { SetupServer } from 'msw/node'
import { describe, expect, it } from 'vitest'
import { type AuthHandlers, profiles, REFRESH_ROUTES } from '../mock-server/index.ts'
import { createAuthClient, presets } from '../src/index.ts'
import { recordingFetch } from './support/exchanges.ts'
import { answered, DEMO, installFakeClock, mockServersWithMsw } from './support/sdk.ts'
import { flushDue } from './support/time.ts'

const {
  mocks: [rotatingBody, staticCookie, staticBody],
  server,
} = mockServersWithMsw(
  { profile: 'rotatingBody', accessTokenTtl: 60, baseUrl: 'https://rotating-body.example.test' },
  { profile: 'staticCookie', accessTokenTtl: 60, baseUrl: 'https://static-cookie.example.test' },
  { profile: 'staticBody', accessTokenTtl: 60, baseUrl: 'https://static-body.example.test' },
) as { mocks: [AuthHandlers, AuthHandlers, AuthHandlers]; server: SetupServer }

const cases = [
  {
    name: 'rotatingBody',
    mock: rotatingBody,
    baseUrl: 'https://rotating-body.example.test',
    refreshRoute: '/token',
    rotates: true,
    logoutRoute: false,
    // Tutorial 000 answers the decoded token.
    user: { id: 1, username: 'user1', role: 'user', iat: expect.any(Number), exp: expect.any(Number) },
  },
  {
    name: 'staticCookie',
    mock: staticCookie,
    baseUrl: 'https://static-cookie.example.test',
    refreshRoute: '/refresh',
    rotates: false,
    logoutRoute: true,
    // Tutorial 001 answers the decoded token too (`req.user`).
    user: { id: 1, email: 'user1', iat: expect.any(Number), exp: expect.any(Number) },
  },
  {
    name: 'staticBody',
    mock: staticBody,
    baseUrl: 'https://static-body.example.test',
    refreshRoute: '/refresh-token',
    rotates: false,
    logoutRoute: false,
    // Tutorial 002 has no protected route: the reference's user.
    user: { id: '1', name: 'user1' },
  },
] as const

describe.each(cases)('presets.$name', ({ name, mock, baseUrl, refreshRoute, rotates, logoutRoute, user }) => {
  const profile = profiles[name]

  it(`logs in, refreshes on the server's 403 at ${refreshRoute}, replays, and logs out`, async () => {
    installFakeClock()
    const { fetch, issued, presented } = recordingFetch()
    const auth = createAuthClient({ ...presets[name], baseUrl, fetch })
    await auth.login(DEMO)
    expect(await auth.api.get('protected').json()).toEqual({ message: profile.protectedMessage, user })
    const cookieAtLogin = mock.cookies.get('refreshToken')

    // Expired for the server only: the client has no reason to refresh before asking.
    mock.advanceClock(61_000)
    // `flushDue`: ky schedules even a replay without delay on a (fake) timer.
    expect(await flushDue(auth.api.get('protected').json())).toMatchObject({ message: profile.protectedMessage })
    expect(answered(mock, 403)).toBe(1)
    expect(answered(mock, 200)).toBe(2)
    for (const route of REFRESH_ROUTES) expect(mock.count(route)).toBe(route === refreshRoute ? 1 : 0)

    // A second refresh shows whether the token rotated, and that the client presents the current one.
    mock.advanceClock(61_000)
    expect((await flushDue(auth.fetch('protected'))).status).toBe(200)
    expect(mock.count(refreshRoute)).toBe(2)
    if (name === 'staticCookie') {
      expect(cookieAtLogin).toBeTypeOf('string')
      expect(mock.cookies.get('refreshToken') === cookieAtLogin).toBe(true)
      expect(presented(refreshRoute)).toEqual([undefined, undefined])
    } else {
      const tokens = issued('refreshToken')
      expect(tokens).toHaveLength(rotates ? 3 : 1)
      // Indexes into what the server issued: [login's, the first rotation's] or [login's, login's].
      expect(presented(refreshRoute).map((token) => tokens.indexOf(token as string))).toEqual(rotates ? [0, 1] : [0, 0])
    }

    await auth.logout()
    expect(mock.count('/logout')).toBe(logoutRoute ? 1 : 0)
    expect(await auth.getAccessToken()).toBeUndefined()
    if (name === 'staticCookie') expect(mock.cookies.get('refreshToken')).toBeUndefined()
  })

  it('replays a 403 that is not about expiry once, after one refresh, then hands it to the caller', async () => {
    installFakeClock()
    server.use(http.get(`${baseUrl}/admin`, () => HttpResponse.json({ error: 'forbidden' }, { status: 403 })))
    const auth = createAuthClient({ ...presets[name], baseUrl })
    await auth.login(DEMO)
    // The price of `refreshOn: [401, 403]`: a plain "forbidden" costs a refresh, but never a loop.
    const response = await flushDue(auth.fetch('admin'))
    expect(response.status).toBe(403)
    expect(mock.count(refreshRoute)).toBe(1)
    await expect(flushDue(auth.api.get('admin'))).rejects.toMatchObject({ response: { status: 403 } })
    expect(mock.count(refreshRoute)).toBe(2)
    expect(await auth.api.get('protected').json()).toMatchObject({ user })
  })

  it('without the preset (default options), the 403 reaches the caller and nothing is refreshed', async () => {
    installFakeClock()
    const auth = createAuthClient({ baseUrl })
    await auth.login(DEMO)
    mock.advanceClock(61_000)
    await expect(auth.api.get('protected').json()).rejects.toMatchObject({
      name: 'HTTPError',
      response: { status: 403 },
    })
    expect((await auth.fetch('protected')).status).toBe(403)
    expect(mock.count(...REFRESH_ROUTES)).toBe(0)
    expect(answered(mock, 403)).toBe(2)
  })
})
