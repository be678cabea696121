/**
 * The Redis store against a real redis-server (`npm run test:redis`; not part
 * of `npm test`, and failing, not skipped, where redis-server is missing): the
 * store contract, a restart being a new client on the same server, several app
 * instances sharing sessions, and a Redis that goes away answered with 503.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AuthApp, createAuthApp } from '../mock-server/index.ts'
import { connectRedisStore, createRedisStore } from '../mock-server/store/redis.ts'
import { type RedisServer, startRedisServer } from './support/redis-server.ts'
import { DEMO, get, post, problemOf, tokensOf } from './support/requests.ts'
import { defineStoreContract, type StoreUnderTest } from './support/store-contract.ts'

let server: RedisServer | undefined
const clients = new Set<Redis>()

beforeAll(async () => {
  server = await startRedisServer()
})
afterAll(async () => {
  await Promise.allSettled([...clients].map((client) => client.quit()))
  await server?.stop()
})

async function client(): Promise<Redis> {
  if (!server) throw new Error('redis-server is not started')
  const connection = new Redis(server.url, { lazyConnect: true })
  clients.add(connection)
  await connection.connect()
  return connection
}

const prefixes = new WeakMap<StoreUnderTest, string>()

async function opened(prefix: string): Promise<StoreUnderTest> {
  const connection = await client()
  const store = createRedisStore({ client: connection, prefix })
  const subject: StoreUnderTest = {
    store,
    size: () => store.size(),
    close: async () => {
      clients.delete(connection)
      await connection.quit()
    },
  }
  prefixes.set(subject, prefix)
  return subject
}

defineStoreContract('Redis', {
  open: () => opened(`test-${crypto.randomUUID()}:`),
  async reopen(first) {
    const prefix = prefixes.get(first)
    if (!prefix) throw new Error('not a store this file opened')
    return opened(prefix)
  },
})

const ORIGIN = 'https://redis.test'
const at = (path: string) => `${ORIGIN}${path}`
const SECRETS = { accessSecret: `access-${'a'.repeat(40)}`, refreshSecret: `refresh-${'r'.repeat(40)}` }

/** Two app instances, each with its own Redis connection, on one prefix: two servers behind a load balancer. */
async function twoInstances(): Promise<[AuthApp, AuthApp]> {
  const prefix = `instances-${crypto.randomUUID()}:`
  const instance = async () =>
    createAuthApp({
      ...SECRETS,
      bcryptCost: 4,
      transport: 'body',
      store: createRedisStore({ client: await client(), prefix }),
    })
  return [await instance(), await instance()]
}

describe('several app instances on one Redis', () => {
  it('give 50 parallel refreshes with one token, spread over both, exactly one successor', async () => {
    const [first, second] = await twoInstances()
    const { refreshToken } = await tokensOf(await first.fetch(post(at('/login'), DEMO)))
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        (index % 2 === 0 ? first : second).fetch(post(at('/refresh'), { refreshToken })),
      ),
    )
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200))
    const successors = new Set(await Promise.all(answers.map(async (answer) => (await tokensOf(answer)).refreshToken)))
    expect(successors.size).toBe(1)
  })

  it('share logouts and revoke-all: an access token ended on one is refused by the other at once', async () => {
    const [first, second] = await twoInstances()
    const loggedOut = await tokensOf(await first.fetch(post(at('/login'), DEMO)))
    const revoked = await tokensOf(await first.fetch(post(at('/login'), DEMO)))
    expect((await second.fetch(get(at('/protected'), loggedOut.accessToken))).status).toBe(200)
    expect((await second.fetch(post(at('/logout'), { refreshToken: loggedOut.refreshToken }))).status).toBe(204)
    await problemOf(await first.fetch(get(at('/protected'), loggedOut.accessToken)), 401)
    expect((await second.fetch(get(at('/protected'), revoked.accessToken))).status).toBe(200)
    await first.revokeAllSessions()
    await problemOf(await second.fetch(get(at('/protected'), revoked.accessToken)), 401)
    await problemOf(await second.fetch(post(at('/refresh'), { refreshToken: revoked.refreshToken })), 400)
  })
})

describe('a Redis that goes away', () => {
  it('is answered 503 at once, logged, and the same session works again once Redis is back', async () => {
    const own = await startRedisServer()
    const connected = await connectRedisStore(own.url)
    const logged: string[] = []
    const app = createAuthApp({
      ...SECRETS,
      bcryptCost: 4,
      transport: 'body',
      store: connected.store,
      logger: { error: (_, details) => logged.push(String(details.operation)) },
    })
    try {
      const { accessToken } = await tokensOf(await app.fetch(post(at('/login'), DEMO)))
      await own.stop()
      const started = Date.now()
      expect((await problemOf(await app.fetch(get(at('/protected'), accessToken)), 503)).error).toBe(
        'store_unavailable',
      )
      // Fails fast (no offline queue), well before the client's command timeout.
      expect(Date.now() - started).toBeLessThan(2_000)
      expect(logged).toEqual(['findFamily'])
    } finally {
      await connected.close().catch(() => undefined)
    }
  })
})
