/**
 * The reference app when its store fails: a 503 JSON error (never a stack
 * trace), a report to the `logger` option without any token or secret, a
 * logout that still expires the cookie and says the revocation failed, and a
 * failed rotation that leaves the presented token usable.
 */
import { describe, expect, it } from 'vitest'
import { type AuthStore, createAuthApp, createMemoryStore } from '../mock-server/index.ts'
import type { LogDetails } from '../mock-server/logger.ts'
import { setCookie } from './support/cookies.ts'
import { DEMO, get, post, problemOf, thrownBy, tokensOf } from './support/requests.ts'

const ORIGIN = 'https://faults.test'
const at = (path: string) => `${ORIGIN}${path}`
const SECRETS = { accessSecret: `access-${'a'.repeat(40)}`, refreshSecret: `refresh-${'r'.repeat(40)}` }

/** A memory store whose methods named in `failing` throw while `failing` holds them. */
function faultyStore() {
  const inner = createMemoryStore()
  const failing = new Set<keyof AuthStore>()
  const store = Object.fromEntries(
    (Object.keys(inner) as (keyof AuthStore)[]).map((name) => [
      name,
      (...args: unknown[]) => {
        if (failing.has(name)) throw new Error(`disk I/O error in ${name}`)
        return (inner[name] as (...a: unknown[]) => unknown)(...args)
      },
    ]),
  ) as unknown as AuthStore
  return { store, failing }
}

function appWithFaults(transport: 'body' | 'cookie' = 'body') {
  const { store, failing } = faultyStore()
  const logs: { message: string; details: LogDetails }[] = []
  const app = createAuthApp({
    ...SECRETS,
    bcryptCost: 4,
    transport,
    store,
    logger: { error: (message, details) => logs.push({ message, details }) },
  })
  /** Everything logged, as one string (errors with their messages and causes), to look for secrets in. */
  const printed = () =>
    logs
      .map(({ message, details }) => {
        const error = details.error as Error | undefined
        return `${message} ${details.operation} ${details.route} ${error?.message} ${(error?.cause as Error)?.message}`
      })
      .join('\n')
  return { app, failing, logs, printed }
}

describe('a store that fails', () => {
  it('answers a login with 503 and a JSON error, and logs the failed operation and route', async () => {
    const { app, failing, logs } = appWithFaults()
    failing.add('insertFamily')
    const response = await app.fetch(post(at('/login'), DEMO))
    expect(await problemOf(response, 503)).toEqual({
      error: 'store_unavailable',
      message: 'The session store is unavailable; try again',
    })
    expect(response.headers.get('retry-after')).toBe('1')
    expect(logs).toHaveLength(1)
    expect(logs[0]?.details).toMatchObject({ operation: 'insertFamily', route: '/login' })
    const logged = logs[0]?.details.error as Error
    expect((logged.cause as Error).message).toBe('disk I/O error in insertFamily')
    failing.clear()
    expect((await app.fetch(post(at('/login'), DEMO))).status).toBe(200)
  })

  it('retries the seeding of the demo user after the store failed during it', async () => {
    const { app, failing } = appWithFaults()
    failing.add('insertUser')
    await problemOf(await app.fetch(post(at('/login'), DEMO)), 503)
    failing.clear()
    expect((await app.fetch(post(at('/login'), DEMO))).status).toBe(200)
  })

  it('answers a protected request with 503 rather than calling a valid token invalid', async () => {
    const { app, failing } = appWithFaults()
    const { accessToken } = await tokensOf(await app.fetch(post(at('/login'), DEMO)))
    failing.add('findFamily')
    const response = await app.fetch(get(at('/protected'), accessToken))
    await problemOf(response, 503)
    expect(response.headers.get('www-authenticate')).toBeNull()
  })

  it('leaves the presented refresh token usable when rotation fails', async () => {
    const { app, failing } = appWithFaults()
    const { refreshToken } = await tokensOf(await app.fetch(post(at('/login'), DEMO)))
    failing.add('rotateFamily')
    await problemOf(await app.fetch(post(at('/refresh'), { refreshToken })), 503)
    failing.clear()
    const rotated = await tokensOf(await app.fetch(post(at('/refresh'), { refreshToken })))
    expect(rotated.refreshToken).not.toBe(refreshToken)
  })

  it('still expires the cookie on logout when the revocation fails, and answers 503 revocation_failed', async () => {
    const { app, failing, logs } = appWithFaults('cookie')
    const { refreshToken } = await tokensOf(await app.fetch(post(at('/login'), DEMO)))
    failing.add('revokeFamily')
    const response = await app.fetch(post(at('/logout'), undefined, { cookie: `refreshToken=${refreshToken}` }))
    expect((await problemOf(response, 503)).error).toBe('revocation_failed')
    expect(setCookie(response, 'refreshToken')).toMatchObject({ value: '', attributes: { 'max-age': '0' } })
    expect(logs.map(({ details }) => details.operation)).toEqual(['revokeFamily'])
    // The session lives on server-side, as the answer said; a second logout once the store is back ends it.
    failing.clear()
    expect((await app.fetch(post(at('/logout'), { refreshToken }))).status).toBe(204)
    await problemOf(await app.fetch(post(at('/refresh'), { refreshToken })), 400)
  })

  it('never logs a token or a secret', async () => {
    const { app, failing, printed } = appWithFaults()
    const { accessToken, refreshToken } = await tokensOf(await app.fetch(post(at('/login'), DEMO)))
    for (const name of ['findFamily', 'rotateFamily', 'revokeFamily', 'insertFamily', 'findUser'] as const) {
      failing.add(name)
    }
    await app.fetch(post(at('/refresh'), { refreshToken }))
    await app.fetch(get(at('/protected'), accessToken))
    await app.fetch(post(at('/logout'), { refreshToken }, { authorization: `Bearer ${accessToken}` }))
    await app.fetch(post(at('/login'), DEMO))
    const text = printed()
    expect(text).toContain('findFamily')
    for (const secret of [accessToken, refreshToken, SECRETS.accessSecret, SECRETS.refreshSecret, DEMO.password]) {
      expect(text).not.toContain(secret)
    }
  })

  it('logs nothing for bad input, which stays a 4xx', async () => {
    const { app, logs } = appWithFaults()
    await problemOf(await app.fetch(post(at('/login'), { username: 1 })), 400)
    await problemOf(await app.fetch(post(at('/refresh'), { refreshToken: 'not-a-token' })), 400)
    expect(logs).toEqual([])
  })

  it('throws a TypeError naming logger when it has no error method', () => {
    const error = thrownBy(() => createAuthApp({ logger: {} as never }))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toContain('`logger`')
  })
})
