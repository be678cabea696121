/**
 * Each named profile answers as its documented server does (tutorials 000, 001
 * and 002 in the seeds), with `reference` alongside for contrast. Expected
 * values are written out from the tutorials, never read from `profiles`.
 */
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type AuthHandlers, createAuthHandlers, type ProfileName } from '../mock-server/index.ts'
import { setCookie } from './support/cookies.ts'
import { DEMO, get, post, problemOf, tokensOf } from './support/requests.ts'
import { claimsOf, withClaims } from './support/tokens.ts'

const ACCESS_TTL_SECONDS = 60
const REFRESH_TTL_SECONDS = 3600
const GRACE_SECONDS = 10

type Transport = 'cookie' | 'body'

/**
 * A refusal as the tutorial words it: Express's `res.send(string)` (sent as text/html), `sendStatus` (text/plain),
 * `res.json(...)`, or our `{ error, message }`.
 */
type Answer =
  | { readonly html: string }
  | { readonly text: string }
  | { readonly json: Record<string, string> }
  | 'problem'

/** How each refusal of a profile reads, transcribed from its tutorial's code. */
interface Refusals {
  readonly missingAccess: Answer
  readonly invalidAccess: Answer
  readonly unknownUser: Answer
  readonly wrongPassword: Answer
  readonly missingRefresh: Answer
  readonly invalidRefresh: Answer
}

interface Documented {
  readonly name: ProfileName
  /** The route the tutorial refreshes at. */
  readonly route: '/token' | '/refresh' | '/refresh-token'
  /** The transport the tutorial uses; `undefined` when the `transport` option decides. */
  readonly forcedTransport: Transport | undefined
  readonly invalidAccessStatus: number
  readonly invalidAccessChallenge: string | null
  readonly missingRefreshStatus: number
  readonly invalidRefreshStatus: number
  readonly loginFailureStatus: number
  readonly protectedMessage: string
  /** Status of a refresh with a replaced (or, without rotation, the same) token after the grace window. */
  readonly replayAfterGraceStatus: number
  /** Statuses of the old refresh and access tokens after logout. */
  readonly afterLogout: { readonly refresh: number; readonly access: number }
  /** What `/logout` answers: 204, or (001's `res.json({ message: 'Logged out' })`) 200 and a message. */
  readonly logoutAnswer: { readonly status: number; readonly body: unknown }
  readonly refusals: Refusals
  /** The claims the tutorial signs into the demo user's access token (`jwt.sign({ id, username, role }, ...)`). */
  readonly demoClaims: Record<string, unknown>
  /**
   * The `user` of a `/protected` answer: ours, or (`'decoded token'`) what the tutorial's `jwt.verify` decoded,
   * its signed claims followed by `iat` and `exp`.
   */
  readonly protectedUser: Record<string, unknown> | 'decoded token'
}

const PROBLEMS: Refusals = {
  missingAccess: 'problem',
  invalidAccess: 'problem',
  unknownUser: 'problem',
  wrongPassword: 'problem',
  missingRefresh: 'problem',
  invalidRefresh: 'problem',
}

const DOCUMENTED: readonly Documented[] = [
  {
    name: 'reference',
    route: '/refresh',
    forcedTransport: undefined,
    invalidAccessStatus: 401,
    invalidAccessChallenge: 'Bearer error="invalid_token"',
    missingRefreshStatus: 400,
    invalidRefreshStatus: 400,
    loginFailureStatus: 400,
    protectedMessage: 'Welcome to the protected route',
    replayAfterGraceStatus: 400,
    afterLogout: { refresh: 400, access: 401 },
    logoutAnswer: { status: 204, body: '' },
    refusals: PROBLEMS,
    demoClaims: {},
    protectedUser: { id: '1', name: 'user1' },
  },
  {
    // 000: `/token`, 401 'Refresh Token Required', 403 'Invalid Refresh Token', 403 'Invalid or Expired Token',
    // each by `res.status(...).send('...')`; `/protected` answers `res.json({ message, user })`.
    name: 'rotatingBody',
    route: '/token',
    forcedTransport: 'body',
    invalidAccessStatus: 403,
    invalidAccessChallenge: null,
    missingRefreshStatus: 401,
    invalidRefreshStatus: 403,
    loginFailureStatus: 400,
    protectedMessage: 'Welcome to protected route!',
    replayAfterGraceStatus: 200,
    afterLogout: { refresh: 200, access: 200 },
    // 000 has no logout route; the reference's is served.
    logoutAnswer: { status: 204, body: '' },
    refusals: {
      missingAccess: { html: 'Access Token Required' },
      invalidAccess: { html: 'Invalid or Expired Token' },
      unknownUser: { html: 'Invalid credentials' },
      wrongPassword: { html: 'Invalid credentials' },
      missingRefresh: { html: 'Refresh Token Required' },
      invalidRefresh: { html: 'Invalid Refresh Token' },
    },
    demoClaims: { id: 1, username: 'user1', role: 'user' },
    protectedUser: 'decoded token',
  },
  {
    // 001: cookie `refreshToken`, 401 'No token provided', 403 'Invalid token', `sendStatus(403)` for a bad access token.
    name: 'staticCookie',
    route: '/refresh',
    forcedTransport: 'cookie',
    invalidAccessStatus: 403,
    invalidAccessChallenge: null,
    missingRefreshStatus: 401,
    invalidRefreshStatus: 403,
    loginFailureStatus: 400,
    protectedMessage: 'You are authorized!',
    replayAfterGraceStatus: 200,
    afterLogout: { refresh: 200, access: 200 },
    logoutAnswer: { status: 200, body: '{"message":"Logged out"}' },
    refusals: {
      missingAccess: { text: 'Unauthorized' },
      invalidAccess: { text: 'Forbidden' },
      unknownUser: { json: { error: 'User not found' } },
      wrongPassword: { json: { error: 'Invalid password' } },
      missingRefresh: { json: { error: 'No token provided' } },
      invalidRefresh: { json: { error: 'Invalid token' } },
    },
    // `{ id: user.id, email: user.email }`; the demo user's identifier stands in for its email.
    demoClaims: { id: 1, email: 'user1' },
    // `res.json({ message: 'You are authorized!', user: req.user })`, `req.user` set by `jwt.verify`.
    protectedUser: 'decoded token',
  },
  {
    // 002: `/refresh-token` answers every verification failure, a missing token included, with `sendStatus(403)`.
    name: 'staticBody',
    route: '/refresh-token',
    forcedTransport: 'body',
    invalidAccessStatus: 403,
    invalidAccessChallenge: null,
    missingRefreshStatus: 403,
    invalidRefreshStatus: 403,
    loginFailureStatus: 400,
    protectedMessage: 'You are authorized!',
    replayAfterGraceStatus: 200,
    afterLogout: { refresh: 200, access: 200 },
    // 002 has no logout route; the reference's is served.
    logoutAnswer: { status: 204, body: '' },
    // 002 has only `/refresh-token` (`sendStatus(403)`); the reference's login and protected answers are served.
    refusals: { ...PROBLEMS, missingRefresh: { text: 'Forbidden' }, invalidRefresh: { text: 'Forbidden' } },
    demoClaims: { userId: 1 },
    // 002 has no protected route: the reference's user is served.
    protectedUser: { id: '1', name: 'user1' },
  },
]

const TRANSPORT_OPTIONS = ['cookie', 'body'] as const

/** One instance per profile and `transport` option, each at its own origin. */
const instances = DOCUMENTED.flatMap((documented) =>
  TRANSPORT_OPTIONS.map((transportOption) => {
    const base = `https://${documented.name.toLowerCase()}-${transportOption}.profiles.test`
    const auth = createAuthHandlers({
      baseUrl: base,
      profile: documented.name,
      transport: transportOption,
      bcryptCost: 4,
      accessTokenTtl: ACCESS_TTL_SECONDS,
      refreshTokenTtl: REFRESH_TTL_SECONDS,
      reuseGraceSeconds: GRACE_SECONDS,
    })
    return { documented, transportOption, base, auth }
  }),
)

interface ProfileCase extends Documented {
  readonly base: string
  readonly auth: AuthHandlers
  /** How this instance carries refresh tokens. */
  readonly transport: Transport
}

/** Per profile, the instance whose `transport` option matches the tutorial (cookie for `reference`). */
const cases: ProfileCase[] = DOCUMENTED.map((documented) => {
  const transport = documented.forcedTransport ?? 'cookie'
  const instance = instances.find(
    (candidate) => candidate.documented === documented && candidate.transportOption === transport,
  )
  if (!instance) throw new Error(`no instance for ${documented.name}`)
  return { ...documented, base: instance.base, auth: instance.auth, transport }
})
const caseOf = (name: ProfileName) => cases.find((profileCase) => profileCase.name === name) as ProfileCase

const server = setupServer(...instances.flatMap(({ auth }) => auth.handlers))
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }))
afterEach(() => {
  vi.useRealTimers()
  server.resetHandlers()
  for (const { auth } of instances) auth.reset()
})
afterAll(() => server.close())

async function login(profile: ProfileCase) {
  const tokens = await tokensOf(await fetch(post(`${profile.base}/login`, DEMO)))
  expect(tokens.via).toBe(profile.transport)
  return { ...tokens, refreshToken: tokens.refreshToken as string }
}

/** A refresh presenting `refreshToken` explicitly, the profile's transport way. */
function refreshWith(profile: ProfileCase, refreshToken: string) {
  const url = `${profile.base}${profile.route}`
  return fetch(
    profile.transport === 'body'
      ? post(url, { refreshToken })
      : post(url, undefined, { cookie: `refreshToken=${refreshToken}` }),
  )
}

/** Checks a refusal's status and body against the transcription; `problem` is our JSON `{ error, message }`. */
async function expectRefusal(response: Response, status: number, answer: Answer) {
  if (answer === 'problem') return void (await problemOf(response, status))
  expect(response.status).toBe(status)
  if ('html' in answer) {
    expect(response.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8$/i)
    expect(await response.text()).toBe(answer.html)
  } else if ('text' in answer) {
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await response.text()).toBe(answer.text)
  } else {
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toEqual(answer.json)
  }
}

describe.each(cases)('the $name profile', (profile) => {
  it(`answers an expired or forged access token with ${profile.invalidAccessStatus}`, async () => {
    const { accessToken } = await login(profile)
    const forged = withClaims(accessToken, { sub: '2' })
    for (const token of [forged, 'not-a-token']) {
      const response = await fetch(get(`${profile.base}/protected`, token))
      expect(response.headers.get('www-authenticate')).toBe(profile.invalidAccessChallenge)
      await expectRefusal(response, profile.invalidAccessStatus, profile.refusals.invalidAccess)
    }
    profile.auth.advanceClock(ACCESS_TTL_SECONDS * 1000)
    const expired = await fetch(get(`${profile.base}/protected`, accessToken))
    expect(expired.headers.get('www-authenticate')).toBe(profile.invalidAccessChallenge)
    await expectRefusal(expired, profile.invalidAccessStatus, profile.refusals.invalidAccess)
  })

  it('answers a request without any access token with 401', async () => {
    await expectRefusal(await fetch(get(`${profile.base}/protected`)), 401, profile.refusals.missingAccess)
  })

  it("signs the tutorial's claims into the demo user's access token", async () => {
    const { accessToken } = await login(profile)
    expect(claimsOf(accessToken)).toMatchObject(profile.demoClaims)
    for (const claim of ['id', 'userId', 'username', 'email', 'role']) {
      if (!(claim in profile.demoClaims)) expect(claimsOf(accessToken)).not.toHaveProperty(claim)
    }
  })

  it(`answers a valid access token with the message "${profile.protectedMessage}" and the user`, async () => {
    const { accessToken } = await login(profile)
    const response = await fetch(get(`${profile.base}/protected`, accessToken))
    expect(response.status).toBe(200)
    const { iat, exp } = claimsOf(accessToken)
    const user = profile.protectedUser === 'decoded token' ? { ...profile.demoClaims, iat, exp } : profile.protectedUser
    // The text itself, so that the order of the fields is the tutorial's too.
    expect(await response.text()).toBe(JSON.stringify({ message: profile.protectedMessage, user }))
  })

  it(`answers a refresh without any refresh token with ${profile.missingRefreshStatus}`, async () => {
    await login(profile)
    profile.auth.cookies.clear()
    const { missingRefreshStatus, refusals } = profile
    await expectRefusal(
      await fetch(post(`${profile.base}${profile.route}`)),
      missingRefreshStatus,
      refusals.missingRefresh,
    )
    const empty = await fetch(post(`${profile.base}${profile.route}`, {}))
    await expectRefusal(empty, missingRefreshStatus, refusals.missingRefresh)
  })

  it(`answers an invalid refresh token, or an access token in its place, with ${profile.invalidRefreshStatus}`, async () => {
    const { accessToken } = await login(profile)
    const { invalidRefreshStatus, refusals } = profile
    await expectRefusal(await refreshWith(profile, 'not-a-token'), invalidRefreshStatus, refusals.invalidRefresh)
    await expectRefusal(await refreshWith(profile, accessToken), invalidRefreshStatus, refusals.invalidRefresh)
  })

  it(`answers an unknown user and a wrong password with ${profile.loginFailureStatus}`, async () => {
    const unknown = await fetch(post(`${profile.base}/login`, { username: 'nobody', password: 'password123' }))
    await expectRefusal(unknown, profile.loginFailureStatus, profile.refusals.unknownUser)
    const wrong = await fetch(post(`${profile.base}/login`, { username: 'user1', password: 'password124' }))
    await expectRefusal(wrong, profile.loginFailureStatus, profile.refusals.wrongPassword)
  })

  it(`answers a replaced or reused refresh token after the grace window with ${profile.replayAfterGraceStatus}`, async () => {
    const { refreshToken } = await login(profile)
    expect((await refreshWith(profile, refreshToken)).status).toBe(200)
    profile.auth.advanceClock(GRACE_SECONDS * 1000 + 1)
    expect((await refreshWith(profile, refreshToken)).status).toBe(profile.replayAfterGraceStatus)
  })

  it(`after logout answers the old refresh token with ${profile.afterLogout.refresh} and the old access token with ${profile.afterLogout.access}`, async () => {
    const { accessToken, refreshToken } = await login(profile)
    const logout = await fetch(
      post(`${profile.base}/logout`, profile.transport === 'body' ? { refreshToken } : undefined, {
        authorization: `Bearer ${accessToken}`,
      }),
    )
    expect({ status: logout.status, body: await logout.text() }).toEqual(profile.logoutAnswer)
    expect(profile.auth.cookies.get('refreshToken')).toBeUndefined()
    expect((await refreshWith(profile, refreshToken)).status).toBe(profile.afterLogout.refresh)
    expect((await fetch(get(`${profile.base}/protected`, accessToken))).status).toBe(profile.afterLogout.access)
  })
})

describe('refresh-token rotation', () => {
  it('rotatingBody returns a new refresh token on every refresh, and every older one keeps working', async () => {
    const profile = caseOf('rotatingBody')
    const { refreshToken: original } = await login(profile)
    const issued = [original]
    for (let round = 0; round < 3; round++) {
      const next = await tokensOf(await refreshWith(profile, issued.at(-1) as string))
      expect(Object.keys(next.body).sort()).toEqual(['accessToken', 'refreshToken'])
      expect(issued).not.toContain(next.refreshToken)
      issued.push(next.refreshToken as string)
    }
    profile.auth.advanceClock(GRACE_SECONDS * 1000 + 1)
    // No reuse detection: replaying the oldest token revokes nothing, so the newest one still works afterwards.
    for (const token of [original, ...issued]) expect((await refreshWith(profile, token)).status).toBe(200)
  })

  it('rotatingBody gives each rotated refresh token a full lifetime from its own issue', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const profile = caseOf('rotatingBody')
    const { refreshToken: original } = await login(profile)
    profile.auth.advanceClock((REFRESH_TTL_SECONDS / 2) * 1000)
    const rotated = (await tokensOf(await refreshWith(profile, original))).refreshToken as string
    const claims = claimsOf(rotated)
    expect(claims.exp).toBe((claims.iat as number) + REFRESH_TTL_SECONDS)
    expect(claims.exp).toBe((claimsOf(original).exp as number) + REFRESH_TTL_SECONDS / 2)

    profile.auth.advanceClock((REFRESH_TTL_SECONDS / 2) * 1000)
    expect((await refreshWith(profile, original)).status).toBe(403)
    // A later login must not make the store drop the session the rotated token belongs to.
    await login(profile)
    expect((await refreshWith(profile, rotated)).status).toBe(200)
  })

  it.each(['staticCookie', 'staticBody'] as const)(
    '%s returns only { accessToken } and sets no cookie, so the one refresh token keeps working',
    async (name) => {
      const profile = caseOf(name)
      const { refreshToken } = await login(profile)
      const jarBefore = profile.auth.cookies.get('refreshToken')
      for (let round = 0; round < 3; round++) {
        const response = await refreshWith(profile, refreshToken)
        expect(response.headers.getSetCookie()).toEqual([])
        const next = await tokensOf(response)
        expect(Object.keys(next.body)).toEqual(['accessToken'])
        expect(next.refreshToken).toBeUndefined()
        expect((await fetch(get(`${profile.base}/protected`, next.accessToken))).status).toBe(200)
      }
      expect(profile.auth.cookies.get('refreshToken')).toBe(jarBefore)
    },
  )

  it('staticCookie sends its cookie from the jar, and logout clears it with Max-Age=0', async () => {
    const profile = caseOf('staticCookie')
    const { refreshToken } = await login(profile)
    expect(profile.auth.cookies.get('refreshToken')).toBe(refreshToken)
    expect((await fetch(post(`${profile.base}/refresh`))).status).toBe(200)
    const logout = await fetch(post(`${profile.base}/logout`))
    expect(setCookie(logout, 'refreshToken')?.attributes['max-age']).toBe('0')
    expect((await fetch(post(`${profile.base}/refresh`))).status).toBe(401)
  })
})

describe('the refresh-token transport', () => {
  const expectedVia = (forced: Transport | undefined, option: Transport) => forced ?? option
  it.each(
    instances.map(({ documented, transportOption, base, auth }) => ({
      name: documented.name,
      option: transportOption,
      via: expectedVia(documented.forcedTransport, transportOption),
      base,
      auth,
    })),
  )('$name with the transport option "$option" hands out the refresh token via $via', async ({ via, base, auth }) => {
    const response = await fetch(post(`${base}/login`, DEMO))
    const hasCookie = setCookie(response, 'refreshToken') !== undefined
    const tokens = await tokensOf(response)
    expect(tokens.via).toBe(via)
    expect(hasCookie).toBe(via === 'cookie')
    expect('refreshToken' in tokens.body).toBe(via === 'body')
    expect(auth.cookies.get('refreshToken')).toBe(via === 'cookie' ? tokens.refreshToken : undefined)
  })
})
