/**
 * The store contract, one suite for every store (memory, SQLite, Redis): what
 * the reference server relies on, checked through the store's own methods and
 * through an app that uses it. A store that passes can back `npm start`.
 */
import { describe, expect, it, vi } from 'vitest'
import { type AuthApp, type AuthStore, createAuthApp, type TokenFamily } from '../../mock-server/index.ts'
import { DEMO, get, post, problemOf, tokensOf } from './requests.ts'

/** A store under test, with what the contract needs to look inside it. */
export interface StoreUnderTest {
  readonly store: AuthStore
  /** How many users and families it holds. */
  size(): Promise<{ users: number; families: number }> | { users: number; families: number }
  /** Releases it (closes the file or the connection). */
  close(): Promise<void>
}

export interface StoreContractOptions {
  /** A fresh, empty store. */
  open(): Promise<StoreUnderTest>
  /**
   * A second store on the data of `first` (the file reopened, a new client on the same server), as after a
   * restart or on another instance; absent for a store whose data lives and dies with it.
   */
  reopen?(first: StoreUnderTest): Promise<StoreUnderTest>
}

const ORIGIN = 'https://store.contract.test'
const at = (path: string) => `${ORIGIN}${path}`
const SECRETS = { accessSecret: 'a'.repeat(40), refreshSecret: 'r'.repeat(40) }

let counter = 0
function family(nowSeconds: number, changes: Partial<TokenFamily> = {}): TokenFamily {
  counter += 1
  return {
    id: `family-${counter}-${crypto.randomUUID()}`,
    sub: 'user-7',
    name: 'ada',
    expiresAt: nowSeconds + 3600,
    revoked: false,
    head: crypto.randomUUID(),
    headIssuedAt: nowSeconds,
    ...changes,
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000)

/** An app on `store` whose clock the test moves. */
function appOn(store: AuthStore, clock: { now: number }, options: { reuseGraceSeconds?: number } = {}): AuthApp {
  return createAuthApp({
    ...SECRETS,
    store,
    bcryptCost: 4,
    transport: 'body',
    accessTokenTtl: 60,
    refreshTokenTtl: 600,
    reuseGraceSeconds: options.reuseGraceSeconds ?? 10,
    clock: () => clock.now,
  })
}

async function login(app: AuthApp) {
  const tokens = await tokensOf(await app.fetch(post(at('/login'), DEMO)))
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken as string }
}

const refresh = (app: AuthApp, refreshToken: string) => app.fetch(post(at('/refresh'), { refreshToken }))
const protectedWith = (app: AuthApp, accessToken: string) => app.fetch(get(at('/protected'), accessToken))

/** Runs `body` on a fresh store, closing it (and any reopened one) afterwards. */
function withStore(options: StoreContractOptions, body: (subject: StoreUnderTest) => Promise<void>) {
  return async () => {
    const subject = await options.open()
    try {
      await body(subject)
    } finally {
      await subject.close()
    }
  }
}

/** Milliseconds that `rounds` login-like operations take on `store` (insert, find, rotate). */
async function loginCost(store: AuthStore, rounds: number): Promise<number> {
  const started = performance.now()
  for (let round = 0; round < rounds; round++) {
    const next = family(nowSeconds())
    await store.insertFamily(next, nowSeconds())
    await store.findFamily(next.id)
    await store.rotateFamily(next.id, next.head, { head: crypto.randomUUID(), headIssuedAt: nowSeconds() })
  }
  return performance.now() - started
}

/**
 * The best of several runs on each store, taken in turns, so that a load elsewhere on the machine (the rest
 * of the suite) slows both alike rather than one.
 */
async function bestCosts(few: AuthStore, many: AuthStore): Promise<{ few: number; many: number }> {
  const costs = { few: Number.POSITIVE_INFINITY, many: Number.POSITIVE_INFINITY }
  for (let run = 0; run < 7; run++) {
    costs.few = Math.min(costs.few, await loginCost(few, 100))
    costs.many = Math.min(costs.many, await loginCost(many, 100))
  }
  return costs
}

async function fill(store: AuthStore, count: number): Promise<void> {
  const now = nowSeconds()
  for (let index = 0; index < count; index++)
    await store.insertFamily(family(now, { expiresAt: now + 7200 + index }), now)
}

function defineUserAndFamilyRules(options: StoreContractOptions): void {
  it(
    'keeps users by login and refuses a second user with the same login',
    withStore(options, async ({ store }) => {
      expect(await store.findUser('username:ada')).toBeUndefined()
      expect(await store.insertUser({ id: 'u1', login: 'username:ada', passwordHash: '$2b$04$hash' })).toBe(true)
      expect(await store.insertUser({ id: 'u2', login: 'username:ada', passwordHash: '$2b$04$other' })).toBe(false)
      expect(await store.findUser('username:ada')).toEqual({
        id: 'u1',
        login: 'username:ada',
        passwordHash: '$2b$04$hash',
      })
    }),
  )

  it(
    'returns a family as it was stored, replaced tokens and a never-ending sliding end included',
    withStore(options, async ({ store }) => {
      const now = nowSeconds()
      const stored = family(now, {
        parent: 'p-1',
        rotatedAt: now * 1000,
        replaced: [
          { jti: 'p-0', at: now * 1000 - 5 },
          { jti: 'p-1', at: now * 1000 },
        ],
      })
      await store.insertFamily(stored, now)
      expect(await store.findFamily(stored.id)).toEqual(stored)
      const sliding = family(now, { expiresAt: Number.MAX_SAFE_INTEGER })
      await store.insertFamily(sliding, now)
      expect(await store.findFamily(sliding.id)).toEqual(sliding)
      expect(await store.findFamily('no-such-family')).toBeUndefined()
    }),
  )

  it(
    'moves the head only from the expected head, and never moves the end of the family',
    withStore(options, async ({ store }) => {
      const now = nowSeconds()
      const stored = family(now)
      await store.insertFamily(stored, now)
      const next = {
        head: 'h-2',
        headIssuedAt: now + 1,
        parent: stored.head,
        rotatedAt: now * 1000 + 1000,
        replaced: [{ jti: stored.head, at: now * 1000 + 1000 }],
      }
      expect(await store.rotateFamily(stored.id, 'not-the-head', next)).toBe(false)
      expect(await store.rotateFamily(stored.id, stored.head, next)).toBe(true)
      expect(await store.rotateFamily(stored.id, stored.head, { ...next, head: 'h-3' })).toBe(false)
      expect(await store.findFamily(stored.id)).toEqual({ ...stored, ...next })
      expect(await store.rotateFamily('no-such-family', stored.head, next)).toBe(false)
    }),
  )

  it(
    'lets exactly one of 50 parallel compare-and-sets from one head win',
    withStore(options, async ({ store }) => {
      const now = nowSeconds()
      const stored = family(now)
      await store.insertFamily(stored, now)
      const heads = Array.from({ length: 50 }, (_, index) => `successor-${index}`)
      const wins = await Promise.all(
        heads.map((head) => store.rotateFamily(stored.id, stored.head, { head, headIssuedAt: now })),
      )
      expect(wins.filter(Boolean)).toHaveLength(1)
      expect((await store.findFamily(stored.id))?.head).toBe(heads[wins.indexOf(true)])
    }),
  )

  it(
    'forgets a revoked family, and every family but no user on revoking all, then takes new ones',
    withStore(options, async ({ store, size }) => {
      const now = nowSeconds()
      await store.insertUser({ id: 'u1', login: 'username:ada', passwordHash: 'x' })
      const [first, second, third] = [family(now), family(now), family(now)] as [TokenFamily, TokenFamily, TokenFamily]
      for (const stored of [first, second, third]) await store.insertFamily(stored, now)
      await store.revokeFamily(first.id)
      expect(await store.findFamily(first.id)).toBeUndefined()
      expect(await store.rotateFamily(first.id, first.head, { head: 'h', headIssuedAt: now })).toBe(false)
      expect(await store.findFamily(second.id)).toEqual(second)
      await store.revokeAllFamilies()
      expect(await store.findFamily(second.id)).toBeUndefined()
      expect(await store.findFamily(third.id)).toBeUndefined()
      expect(await store.rotateFamily(third.id, third.head, { head: 'h', headIssuedAt: now })).toBe(false)
      expect((await size()).users).toBe(1)
      const after = family(now)
      await store.insertFamily(after, now)
      expect(await store.findFamily(after.id)).toEqual(after)
    }),
  )

  it(
    'drops families that have ended as new ones arrive, so they do not pile up',
    withStore(options, async ({ store, size }) => {
      const now = nowSeconds()
      for (let index = 0; index < 5; index++) await store.insertFamily(family(now, { expiresAt: now + 2 }), now)
      expect((await size()).families).toBe(5)
      // Redis expires keys on its own (real) clock; the other stores drop them when told the time.
      await store.insertFamily(family(now + 3, { expiresAt: now + 3600 }), now + 3)
      await vi.waitFor(async () => expect((await size()).families).toBe(1), { timeout: 8_000, interval: 100 })
    }),
  )

  it(
    'costs no more per login with 20,000 sessions stored than with 1,000',
    withStore(options, async ({ store }) => {
      const other = await options.open()
      try {
        await fill(store, 1_000)
        await fill(other.store, 20_000)
        const costs = await bestCosts(store, other.store)
        // A scan of every family makes this ratio about 20; a lookup by key or index keeps it near 1.
        expect(costs.many / costs.few, JSON.stringify(costs)).toBeLessThan(4)
      } finally {
        await other.close()
      }
    }),
    60_000,
  )
}

function defineProtocolOnStore(options: StoreContractOptions): void {
  it(
    'gives 50 parallel refreshes with one token exactly one successor, all answered 200',
    withStore(options, async ({ store }) => {
      const clock = { now: Date.now() }
      const app = appOn(store, clock)
      const { refreshToken } = await login(app)
      const answers = await Promise.all(Array.from({ length: 50 }, () => refresh(app, refreshToken)))
      expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200))
      const successors = new Set(
        await Promise.all(answers.map(async (answer) => (await tokensOf(answer)).refreshToken)),
      )
      expect(successors.size).toBe(1)
      expect((await refresh(app, [...successors][0] as string)).status).toBe(200)
    }),
  )

  it(
    'serves a burst mixing the newest token and its parent inside the grace window, revoking nothing',
    withStore(options, async ({ store }) => {
      const clock = { now: Date.now() }
      const app = appOn(store, clock)
      const parent = (await login(app)).refreshToken
      const newest = (await tokensOf(await refresh(app, parent))).refreshToken as string
      const burst = Array.from({ length: 40 }, (_, index) => refresh(app, index % 2 === 0 ? newest : parent))
      const answers = await Promise.all(burst)
      expect(answers.map((answer) => answer.status)).toEqual(Array(40).fill(200))
      const current = new Set(await Promise.all(answers.map(async (answer) => (await tokensOf(answer)).refreshToken)))
      // The newest token rotated once: each request got its successor or, read just before, the newest one,
      // which is itself still served (within grace) with that successor.
      const head = (await tokensOf(await refresh(app, newest))).refreshToken as string
      expect(head).not.toBe(newest)
      expect([...current].filter((token) => token !== newest && token !== head)).toEqual([])
      const after = await tokensOf(await refresh(app, head))
      expect((await protectedWith(app, after.accessToken)).status).toBe(200)
    }),
  )

  it(
    'ends the family, access tokens included, when a replaced token comes back after the grace window',
    withStore(options, async ({ store }) => {
      const clock = { now: Date.now() }
      const app = appOn(store, clock)
      const first = await login(app)
      const second = await tokensOf(await refresh(app, first.refreshToken))
      clock.now += 10_001
      await problemOf(await refresh(app, first.refreshToken), 400)
      await problemOf(await refresh(app, second.refreshToken as string), 400)
      await problemOf(await protectedWith(app, second.accessToken), 401)
    }),
  )

  it(
    'refuses the refresh and the access tokens of a family at its end, even before their own exp',
    withStore(options, async ({ store }) => {
      const clock = { now: Date.now() }
      const app = appOn(store, clock)
      const { refreshToken } = await login(app)
      clock.now += 590_000
      const late = await tokensOf(await refresh(app, refreshToken))
      expect((await protectedWith(app, late.accessToken)).status).toBe(200)
      clock.now += 10_000
      await problemOf(await protectedWith(app, late.accessToken), 401)
      await problemOf(await refresh(app, late.refreshToken as string), 400)
    }),
  )

  it(
    'refuses at once the access token of a family ended by logout or by revoking all',
    withStore(options, async ({ store }) => {
      const app = appOn(store, { now: Date.now() })
      const byLogout = await login(app)
      const byRevokeAll = await login(app)
      expect((await app.fetch(post(at('/logout'), { refreshToken: byLogout.refreshToken }))).status).toBe(204)
      await problemOf(await protectedWith(app, byLogout.accessToken), 401)
      expect((await protectedWith(app, byRevokeAll.accessToken)).status).toBe(200)
      await app.revokeAllSessions()
      await problemOf(await protectedWith(app, byRevokeAll.accessToken), 401)
      await problemOf(await refresh(app, byRevokeAll.refreshToken), 400)
    }),
  )
}

function defineRestartRules(options: StoreContractOptions, reopen: NonNullable<StoreContractOptions['reopen']>): void {
  it(
    'keeps users, sessions, rotations and revocations for a second store on the same data',
    withStore(options, async (first) => {
      const clock = { now: Date.now() }
      const before = appOn(first.store, clock)
      expect((await before.fetch(post(at('/register'), { username: 'grace', password: 'hopper-1906' }))).status).toBe(
        201,
      )
      const kept = await login(before)
      const rotated = await tokensOf(await refresh(before, kept.refreshToken))
      const loggedOut = await login(before)
      expect((await before.fetch(post(at('/logout'), { refreshToken: loggedOut.refreshToken }))).status).toBe(204)

      const second = await reopen(first)
      try {
        const after = appOn(second.store, clock)
        expect((await protectedWith(after, rotated.accessToken)).status).toBe(200)
        expect((await after.fetch(post(at('/login'), { username: 'grace', password: 'hopper-1906' }))).status).toBe(200)
        // The rotation is remembered: the replaced token is a replay within grace, the newest one rotates.
        expect((await tokensOf(await refresh(after, kept.refreshToken))).refreshToken).toBe(rotated.refreshToken)
        expect((await refresh(after, rotated.refreshToken as string)).status).toBe(200)
        await problemOf(await refresh(after, loggedOut.refreshToken), 400)
        await problemOf(await protectedWith(after, loggedOut.accessToken), 401)
      } finally {
        await second.close()
      }
    }),
  )
}

/** The store contract for the stores `options` opens. */
export function defineStoreContract(name: string, options: StoreContractOptions): void {
  describe(`the store contract: ${name}`, () => {
    describe('users and families', () => defineUserAndFamilyRules(options))
    describe('the protocol on this store', () => defineProtocolOnStore(options))
    if (options.reopen) {
      const { reopen } = options
      describe('restarts', () => defineRestartRules(options, reopen))
    }
  })
}
