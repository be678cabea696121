/**
 * `createAuthApp` called directly, `app.fetch(new Request(...))`, without MSW:
 * option validation, secrets, the demo user, routing, CORS, a custom store and
 * the clock. The protocol's own promises are the contract suite's business.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  type AuthApp,
  type AuthAppOptions,
  type AuthStore,
  createAuthApp,
  createMemoryStore,
  profiles,
  type StoredUser,
} from '../mock-server/index.ts'
import { setCookie } from './support/cookies.ts'
import { DEMO, get, post, problemOf, thrownBy, tokensOf } from './support/requests.ts'
import { claimsOf } from './support/tokens.ts'

const ORIGIN = 'https://api.app.test'
const FRONTEND = 'http://localhost:5173'
const FOREIGN = 'https://evil.example'

const at = (path: string) => `${ORIGIN}${path}`
const appWith = (options: AuthAppOptions = {}) => createAuthApp({ bcryptCost: 4, ...options })
const randomSecret = () => `${crypto.randomUUID()}${crypto.randomUUID()}`

afterEach(() => {
  vi.useRealTimers()
})

async function login(app: AuthApp, credentials: Record<string, string> = DEMO) {
  const tokens = await tokensOf(await app.fetch(post(at('/login'), credentials)))
  return { ...tokens, refreshToken: tokens.refreshToken as string }
}

/** Every method of a memory store, each call recorded by name; `overrides` replace methods. */
function recordingStore(overrides: Partial<AuthStore> = {}) {
  const inner = { ...createMemoryStore(), ...overrides }
  const calls: string[] = []
  const insertedUsers: StoredUser[] = []
  // Every method is async, as a database-backed store's would be.
  const recorded =
    <K extends keyof AuthStore>(name: K) =>
    async (...args: Parameters<AuthStore[K]>) => {
      calls.push(name)
      if (name === 'insertUser') insertedUsers.push(args[0] as StoredUser)
      return (inner[name] as (...a: Parameters<AuthStore[K]>) => ReturnType<AuthStore[K]>)(...args)
    }
  const store = Object.fromEntries(
    (Object.keys(inner) as Array<keyof AuthStore>).map((name) => [name, recorded(name)]),
  ) as unknown as AuthStore
  /** The calls made since the last `take()`. */
  const take = () => calls.splice(0)
  return { store, take, insertedUsers }
}

function storeWithout(method: keyof AuthStore): AuthStore {
  const { [method]: _removed, ...rest } = createMemoryStore()
  return rest as AuthStore
}

describe('option validation', () => {
  const secret = randomSecret()
  it.each<{ option: string; why: string; options: Record<string, unknown> }>([
    { option: 'accessSecret', why: 'a 31-character secret', options: { accessSecret: 'x'.repeat(31) } },
    { option: 'accessSecret', why: 'a non-string secret', options: { accessSecret: 1234 } },
    { option: 'refreshSecret', why: 'a short secret', options: { refreshSecret: 'short' } },
    {
      option: 'refreshSecret',
      why: 'a refresh secret equal to the access secret',
      options: { accessSecret: secret, refreshSecret: secret },
    },
    { option: 'profile', why: 'an unknown profile name', options: { profile: 'rotating' } },
    { option: 'profile', why: 'an Object.prototype key as profile name', options: { profile: 'toString' } },
    { option: 'profile', why: 'a __proto__ profile name', options: { profile: '__proto__' } },
    { option: 'profile', why: 'a null profile', options: { profile: null } },
    { option: 'transport', why: 'an unknown transport', options: { transport: 'header' } },
    { option: 'transport', why: 'a transport in the wrong case', options: { transport: 'Cookie' } },
    { option: 'bcryptCost', why: 'a cost below 4', options: { bcryptCost: 3 } },
    { option: 'bcryptCost', why: 'a cost above 15', options: { bcryptCost: 16 } },
    { option: 'bcryptCost', why: 'a fractional cost', options: { bcryptCost: 4.5 } },
    { option: 'accessTokenTtl', why: 'a fractional access lifetime', options: { accessTokenTtl: 1.5 } },
    { option: 'accessTokenTtl', why: 'a zero access lifetime', options: { accessTokenTtl: 0 } },
    { option: 'refreshTokenTtl', why: 'a fractional refresh lifetime', options: { refreshTokenTtl: 86_400.5 } },
    { option: 'refreshTokenTtl', why: 'a NaN refresh lifetime', options: { refreshTokenTtl: Number.NaN } },
    { option: 'reuseGraceSeconds', why: 'a fractional grace window', options: { reuseGraceSeconds: 0.5 } },
    { option: 'maxBodyBytes', why: 'a zero body limit', options: { maxBodyBytes: 0 } },
    { option: 'allowedOrigins', why: 'an origin without a scheme', options: { allowedOrigins: ['localhost:5173'] } },
    {
      option: 'allowedOrigins',
      why: 'an origin with a path',
      options: { allowedOrigins: [FRONTEND, 'http://localhost:5173/app'] },
    },
    { option: 'allowedOrigins', why: 'a non-http origin', options: { allowedOrigins: ['ftp://files.example'] } },
    { option: 'allowedOrigins', why: 'a non-string origin', options: { allowedOrigins: [5173] } },
    { option: 'allowedOrigins', why: 'a string instead of an array', options: { allowedOrigins: FRONTEND } },
    { option: 'basePath', why: 'a path without a leading slash', options: { basePath: 'api/auth' } },
    { option: 'basePath', why: 'a path with a trailing slash', options: { basePath: '/api/auth/' } },
    { option: 'basePath', why: 'a path with a space', options: { basePath: '/api auth' } },
    { option: 'basePath', why: 'a path with an empty segment', options: { basePath: '/api//auth' } },
    { option: 'store', why: 'a store without rotateFamily', options: { store: storeWithout('rotateFamily') } },
    { option: 'store', why: 'a store without findUser', options: { store: storeWithout('findUser') } },
    { option: 'demoUser', why: 'a demo user without a password', options: { demoUser: { username: 'ada' } } },
    { option: 'demoUser', why: 'true as demo user', options: { demoUser: true } },
    { option: 'clock', why: 'a number as clock', options: { clock: 1_700_000_000_000 } },
    { option: 'profile.invalidAccessStatus', why: 'an empty profile object', options: { profile: {} } },
    {
      option: 'profile.invalidAccessStatus',
      why: 'a profile answering 200 for a bad token',
      options: { profile: { ...profiles.reference, invalidAccessStatus: 200 } },
    },
    {
      option: 'profile.detectReuse',
      why: 'a profile with a string flag',
      options: { profile: { ...profiles.reference, detectReuse: 'yes' } },
    },
    {
      option: 'profile.transport',
      why: 'a profile with an unknown transport',
      options: { profile: { ...profiles.reference, transport: 'header' } },
    },
    {
      option: 'profile.protectedMessage',
      why: 'a profile without a message',
      options: { profile: { ...profiles.reference, protectedMessage: undefined } },
    },
    {
      option: 'profile.refusalBodies.invalidAccess',
      why: 'a refusal body whose html is not a string',
      options: { profile: { ...profiles.reference, refusalBodies: { invalidAccess: { html: 403 } } } },
    },
    {
      option: 'profile.refusalBodies.missingRefresh',
      why: 'a refusal body of none of the three kinds',
      options: { profile: { ...profiles.reference, refusalBodies: { missingRefresh: { markdown: '**no**' } } } },
    },
    {
      option: 'profile.logoutMessage',
      why: 'a profile with a numeric logout message',
      options: { profile: { ...profiles.reference, logoutMessage: 200 } },
    },
  ])('throws a TypeError naming $option for $why', ({ option, options }) => {
    const error = thrownBy(() => appWith(options as AuthAppOptions))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toContain(`\`${option}\``)
  })

  it('names the missing method of an incomplete store', () => {
    expect(thrownBy(() => appWith({ store: storeWithout('revokeAllFamilies') })).message).toContain(
      '`revokeAllFamilies`',
    )
  })

  it('never repeats a rejected secret in the error message', () => {
    const short = randomSecret().slice(0, 31)
    expect(thrownBy(() => appWith({ accessSecret: short })).message).not.toContain(short)
    expect(thrownBy(() => appWith({ refreshSecret: short })).message).not.toContain(short)
    const same = randomSecret()
    expect(thrownBy(() => appWith({ accessSecret: same, refreshSecret: same })).message).not.toContain(same)
  })

  it('throws a TypeError naming options when they are not an object', () => {
    const error = thrownBy(() => createAuthApp(null as unknown as AuthAppOptions))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toContain('`options`')
  })

  it('accepts an origin with a trailing slash and a custom profile object', async () => {
    const app = appWith({
      allowedOrigins: [`${FRONTEND}/`],
      profile: {
        transport: 'body',
        rotate: false,
        detectReuse: false,
        slidingRefresh: false,
        revokeOnLogout: false,
        invalidAccessStatus: 403,
        missingRefreshStatus: 401,
        invalidRefreshStatus: 403,
        loginFailureStatus: 401,
        protectedMessage: 'custom',
      },
    })
    const response = await app.fetch(
      post(at('/login'), { username: 'user1', password: 'wrong-password' }, { origin: FRONTEND }),
    )
    expect(response.headers.get('access-control-allow-origin')).toBe(FRONTEND)
    await problemOf(response, 401)
  })
})

describe('secrets', () => {
  it('has no fixed default: two apps without secrets refuse each other’s tokens', async () => {
    const first = appWith({ transport: 'body' })
    const second = appWith({ transport: 'body' })
    const { accessToken, refreshToken } = await login(first)
    expect((await first.fetch(get(at('/protected'), accessToken))).status).toBe(200)
    await problemOf(await second.fetch(get(at('/protected'), accessToken)), 401)
    await problemOf(await second.fetch(post(at('/refresh'), { refreshToken })), 400)

    const iat = Math.floor(Date.now() / 1000)
    const crafted = await first.signAccessToken({ sub: '7', name: 'crafted', iat, exp: iat + 60 })
    expect((await first.fetch(get(at('/protected'), crafted))).status).toBe(200)
    expect((await second.fetch(get(at('/protected'), crafted))).status).toBe(401)
  })

  it('accepts tokens across apps that share explicit secrets', async () => {
    const secrets = { accessSecret: randomSecret(), refreshSecret: randomSecret() }
    const first = appWith(secrets)
    const second = appWith(secrets)
    const iat = Math.floor(Date.now() / 1000)
    const crafted = await first.signAccessToken({ sub: '7', name: 'crafted', iat, exp: iat + 60 })
    const response = await second.fetch(get(at('/protected'), crafted))
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ user: { id: '7', name: 'crafted' } })
  })
})

describe('the demo user', () => {
  it('does not exist with demoUser: false, so user1 cannot log in until registered', async () => {
    const app = appWith({ demoUser: false })
    await problemOf(await app.fetch(post(at('/login'), DEMO)), 400)
    expect((await app.fetch(post(at('/register'), DEMO))).status).toBe(201)
    const { accessToken } = await login(app)
    expect(claimsOf(accessToken).sub).not.toBe('1')
  })

  it('is the given account when demoUser is set, instead of user1', async () => {
    const app = appWith({ demoUser: { username: 'grace', password: 'hopper-1906' } })
    const { accessToken } = await login(app, { username: 'grace', password: 'hopper-1906' })
    expect(claimsOf(accessToken)).toMatchObject({ sub: '1', name: 'grace' })
    await problemOf(await app.fetch(post(at('/login'), DEMO)), 400)
  })
})

describe('routing', () => {
  it('answers an unknown route or method with a JSON 404', async () => {
    const app = appWith()
    for (const request of [get(at('/nope')), get(at('/login')), post(at('/protected')), get(at('/'))]) {
      const response = await app.fetch(request)
      expect(await problemOf(response, 404)).toEqual({ error: 'not_found', message: 'No such route' })
      expect(response.headers.get('cache-control')).toBe('no-store')
    }
  })

  it('serves every route under basePath and none at the root', async () => {
    const app = appWith({ basePath: '/api/auth', transport: 'body' })
    await problemOf(await app.fetch(post(at('/login'), DEMO)), 404)
    const tokens = await tokensOf(await app.fetch(post(at('/api/auth/login'), DEMO)))
    expect((await app.fetch(get(at('/api/auth/protected'), tokens.accessToken))).status).toBe(200)
    expect((await app.fetch(post(at('/api/auth/token'), { refreshToken: tokens.refreshToken }))).status).toBe(200)
  })
})

describe('CORS with allowedOrigins', () => {
  const preflight = (origin: string, path = '/refresh') =>
    new Request(at(path), {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    })

  it('answers a preflight from an allowed origin with its origin, credentials, methods and headers', async () => {
    const app = appWith({ allowedOrigins: [FRONTEND] })
    const response = await app.fetch(preflight(FRONTEND))
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe(FRONTEND)
    expect(response.headers.get('access-control-allow-credentials')).toBe('true')
    expect(response.headers.get('access-control-allow-methods')?.split(',')).toContain('POST')
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toEqual([
      'authorization',
      'content-type',
    ])
    expect(response.headers.get('vary')).toMatch(/\bOrigin\b/)
  })

  it('allows no foreign origin, in a preflight or an actual response', async () => {
    const app = appWith({ allowedOrigins: [FRONTEND] })
    expect((await app.fetch(preflight(FOREIGN))).headers.get('access-control-allow-origin')).toBeNull()
    const actual = await app.fetch(post(at('/login'), DEMO, { origin: FOREIGN }))
    expect(actual.status).toBe(200)
    expect(actual.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('marks actual responses to an allowed origin, and exposes WWW-Authenticate', async () => {
    const app = appWith({ allowedOrigins: [FRONTEND] })
    const loggedIn = await app.fetch(post(at('/login'), DEMO, { origin: FRONTEND }))
    expect(loggedIn.status).toBe(200)
    expect(loggedIn.headers.get('access-control-allow-origin')).toBe(FRONTEND)
    expect(loggedIn.headers.get('access-control-allow-credentials')).toBe('true')

    const refused = await app.fetch(get(at('/protected'), undefined, { origin: FRONTEND }))
    expect(refused.status).toBe(401)
    expect(refused.headers.get('access-control-allow-origin')).toBe(FRONTEND)
    expect(refused.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('www-authenticate')
  })

  it('accepts a cookie-borne refresh and logout from an allowed origin, and refuses them from a foreign one', async () => {
    const app = appWith({ allowedOrigins: [FRONTEND], transport: 'cookie' })
    const { refreshToken, via } = await login(app)
    expect(via).toBe('cookie')
    const cookie = { cookie: `refreshToken=${refreshToken}` }

    await problemOf(await app.fetch(post(at('/refresh'), undefined, { ...cookie, origin: FOREIGN })), 403)
    const refreshed = await app.fetch(post(at('/refresh'), undefined, { ...cookie, origin: FRONTEND }))
    expect(refreshed.headers.get('access-control-allow-origin')).toBe(FRONTEND)
    const rotated = (await tokensOf(refreshed)).refreshToken as string

    const rotatedCookie = { cookie: `refreshToken=${rotated}` }
    await problemOf(await app.fetch(post(at('/logout'), undefined, { ...rotatedCookie, origin: FOREIGN })), 403)
    expect((await app.fetch(post(at('/logout'), undefined, { ...rotatedCookie, origin: FRONTEND }))).status).toBe(204)
    await problemOf(await app.fetch(post(at('/refresh'), undefined, rotatedCookie)), 400)
  })

  it('sends no CORS headers and refuses cookie-borne refreshes from that origin when allowedOrigins is empty', async () => {
    const app = appWith({ transport: 'cookie' })
    expect((await app.fetch(preflight(FRONTEND))).headers.get('access-control-allow-origin')).toBeNull()
    const { refreshToken } = await login(app)
    const response = await app.fetch(
      post(at('/refresh'), undefined, { cookie: `refreshToken=${refreshToken}`, origin: FRONTEND }),
    )
    await problemOf(response, 403)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('a custom AuthStore', () => {
  it('is where users and sessions are read and written, call by call', async () => {
    const { store, take, insertedUsers } = recordingStore()
    const app = appWith({ store, transport: 'body' })

    const { accessToken, refreshToken } = await login(app)
    expect(take()).toEqual(['insertUser', 'findUser', 'insertFamily'])
    const rotated = await tokensOf(await app.fetch(post(at('/refresh'), { refreshToken })))
    expect(take()).toEqual(['findFamily', 'rotateFamily'])
    expect((await app.fetch(get(at('/protected'), accessToken))).status).toBe(200)
    expect(take()).toEqual(['findFamily'])
    expect((await app.fetch(post(at('/logout'), { refreshToken: rotated.refreshToken }))).status).toBe(204)
    expect(take()).toEqual(['findFamily', 'revokeFamily'])
    await app.revokeAllSessions()
    expect(take()).toEqual(['revokeAllFamilies'])

    expect(insertedUsers).toHaveLength(1)
    expect(insertedUsers[0]).toMatchObject({ id: '1', login: 'username:user1' })
    // Hashed with the configured cost, never stored in clear.
    expect(insertedUsers[0]?.passwordHash).toMatch(/^\$2[aby]\$04\$/)
  })

  it('stores registered users in it', async () => {
    const { store, insertedUsers } = recordingStore()
    const app = appWith({ store })
    expect(
      (await app.fetch(post(at('/register'), { email: 'Ada@Example.com', password: 'lovelace-1815' }))).status,
    ).toBe(201)
    // One key per identity, whichever field named it (see usernames.test.ts).
    expect(insertedUsers.map((user) => user.login)).toEqual(['username:user1', 'username:ada@example.com'])
  })

  it('is trusted for rotation: when its compare-and-set fails, the refresh is refused and the family revoked', async () => {
    const { store, take } = recordingStore({ rotateFamily: () => false })
    const app = appWith({ store, transport: 'body' })
    const { accessToken, refreshToken } = await login(app)
    take()
    await problemOf(await app.fetch(post(at('/refresh'), { refreshToken })), 400)
    expect(take()).toEqual(['findFamily', 'rotateFamily', 'findFamily', 'revokeFamily'])
    expect((await app.fetch(get(at('/protected'), accessToken))).status).toBe(401)
  })
})

describe('the clock option', () => {
  const START = Date.UTC(2031, 4, 6, 7, 8, 9)

  it('drives access-token expiry to the millisecond', async () => {
    let now = START
    const app = appWith({ clock: () => now, accessTokenTtl: 60 })
    const { accessToken } = await login(app)
    expect(claimsOf(accessToken)).toMatchObject({ iat: START / 1000, exp: START / 1000 + 60 })
    now = START + 59_999
    expect((await app.fetch(get(at('/protected'), accessToken))).status).toBe(200)
    now = START + 60_000
    await problemOf(await app.fetch(get(at('/protected'), accessToken)), 401)
  })

  it('drives the end of the refresh-token family and counts the cookie Max-Age down', async () => {
    let now = START
    const app = appWith({ clock: () => now, refreshTokenTtl: 3600, transport: 'cookie' })
    const loggedIn = await app.fetch(post(at('/login'), DEMO))
    expect(setCookie(loggedIn, 'refreshToken')?.attributes['max-age']).toBe('3600')
    const { refreshToken } = await tokensOf(loggedIn)

    now = START + 100_000
    const refreshed = await app.fetch(post(at('/refresh'), undefined, { cookie: `refreshToken=${refreshToken}` }))
    expect(setCookie(refreshed, 'refreshToken')?.attributes['max-age']).toBe('3500')
    const rotated = (await tokensOf(refreshed)).refreshToken as string

    now = START + 3_600_000
    await problemOf(await app.fetch(post(at('/refresh'), undefined, { cookie: `refreshToken=${rotated}` })), 400)
  })

  it('caps the cookie Max-Age at the 400 days browsers keep, when the family lives longer', async () => {
    const app = appWith({ refreshTokenTtl: 315_360_000, transport: 'cookie' })
    const loggedIn = await app.fetch(post(at('/login'), DEMO))
    expect(loggedIn.status).toBe(200)
    expect(setCookie(loggedIn, 'refreshToken')?.attributes['max-age']).toBe(String(400 * 24 * 60 * 60))
  })

  it('defaults to Date.now looked up on every call, so fake timers installed after creation apply', async () => {
    const app = appWith()
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(START)
    const { accessToken } = await login(app)
    expect(claimsOf(accessToken)).toMatchObject({ iat: START / 1000, exp: START / 1000 + 900 })
    vi.setSystemTime(START + 899_999)
    expect((await app.fetch(get(at('/protected'), accessToken))).status).toBe(200)
    vi.setSystemTime(START + 900_000)
    expect((await app.fetch(get(at('/protected'), accessToken))).status).toBe(401)
  })
})
