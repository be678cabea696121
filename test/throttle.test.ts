/**
 * Failed logins are limited per account and per client address: 429 with Retry-After
 * once the limit is used up, lifted when the window ends, and not bypassed by a
 * spoofed X-Forwarded-For unless the proxy is trusted explicitly.
 */
import { describe, expect, it } from 'vitest'
import { type AuthAppOptions, createAuthApp } from '../mock-server/index.ts'
import { DEMO, post, problemOf } from './support/requests.ts'

const ORIGIN = 'https://api.throttle.test'
const WRONG = { username: 'user1', password: 'not the password' }
const WINDOW_SECONDS = 60

function throttledApp(limits: AuthAppOptions['loginThrottle'], options: AuthAppOptions = {}) {
  let now = Date.UTC(2030, 0, 1)
  const app = createAuthApp({ bcryptCost: 4, transport: 'body', clock: () => now, loginThrottle: limits, ...options })
  const login = (credentials: Record<string, string>, address = '192.0.2.1', headers: Record<string, string> = {}) =>
    app.fetch(post(`${ORIGIN}/login`, credentials, headers), undefined, { address })
  return { app, login, elapse: (ms: number) => (now += ms) }
}

describe('the failed-login throttle', () => {
  it('answers 429 with Retry-After once an account has used up its failures, even with the right password', async () => {
    const { login } = throttledApp({ maxFailuresPerAccount: 3, maxFailuresPerClient: 0, windowSeconds: WINDOW_SECONDS })
    for (let attempt = 0; attempt < 3; attempt++) await problemOf(await login(WRONG, `198.51.100.${attempt}`), 400)
    const throttled = await login(DEMO, '203.0.113.9')
    const body = await problemOf(throttled, 429)
    expect(body.error).toBe('too_many_attempts')
    expect(throttled.headers.get('retry-after')).toBe(String(WINDOW_SECONDS))
  })

  it('lets the account in again once its window has ended', async () => {
    const { login, elapse } = throttledApp({
      maxFailuresPerAccount: 2,
      maxFailuresPerClient: 0,
      windowSeconds: WINDOW_SECONDS,
    })
    await login(WRONG)
    await login(WRONG)
    elapse(20_000)
    const throttled = await login(DEMO)
    expect(throttled.status).toBe(429)
    expect(throttled.headers.get('retry-after')).toBe(String(WINDOW_SECONDS - 20))
    elapse(40_000)
    expect((await login(DEMO)).status).toBe(200)
  })

  it('limits one client address across accounts, and leaves other addresses alone', async () => {
    const { login } = throttledApp({ maxFailuresPerAccount: 0, maxFailuresPerClient: 3, windowSeconds: WINDOW_SECONDS })
    for (const username of ['a', 'b', 'c']) await problemOf(await login({ username, password: 'wrong-password' }), 400)
    expect((await login(DEMO)).status).toBe(429)
    expect((await login(DEMO, '192.0.2.2')).status).toBe(200)
  })

  it('ignores X-Forwarded-For by default, so a spoofed one does not reset the client count', async () => {
    const { login } = throttledApp({ maxFailuresPerAccount: 0, maxFailuresPerClient: 2, windowSeconds: WINDOW_SECONDS })
    await login(WRONG, '192.0.2.1', { 'x-forwarded-for': '10.0.0.1' })
    await login(WRONG, '192.0.2.1', { 'x-forwarded-for': '10.0.0.2' })
    expect((await login(DEMO, '192.0.2.1', { 'x-forwarded-for': '10.0.0.3' })).status).toBe(429)
  })

  it('with trustProxy, counts the address the proxy appended last, not one the client put first', async () => {
    const limits = { maxFailuresPerAccount: 0, maxFailuresPerClient: 2, windowSeconds: WINDOW_SECONDS }
    const { login } = throttledApp(limits, { trustProxy: true })
    // Every request comes from the proxy (127.0.0.1); the client spoofs the first entry, the proxy appends the real one.
    await login(WRONG, '127.0.0.1', { 'x-forwarded-for': '10.0.0.1, 198.51.100.7' })
    await login(WRONG, '127.0.0.1', { 'x-forwarded-for': '10.0.0.2, 198.51.100.7' })
    expect((await login(DEMO, '127.0.0.1', { 'x-forwarded-for': '10.0.0.3, 198.51.100.7' })).status).toBe(429)
    expect((await login(DEMO, '127.0.0.1', { 'x-forwarded-for': '198.51.100.8' })).status).toBe(200)
  })

  it('forgets an account’s failures after a successful login', async () => {
    const { login } = throttledApp({ maxFailuresPerAccount: 2, maxFailuresPerClient: 0, windowSeconds: WINDOW_SECONDS })
    await login(WRONG)
    expect((await login(DEMO)).status).toBe(200)
    await login(WRONG)
    expect((await login(DEMO)).status).toBe(200)
  })

  it('is off with loginThrottle: false, whatever the number of failures', async () => {
    const { login } = throttledApp(false)
    for (let attempt = 0; attempt < 30; attempt++) await login(WRONG)
    expect((await login(DEMO)).status).toBe(200)
  })

  it('throws a TypeError naming the limit that is not a whole number', () => {
    expect(() => createAuthApp({ loginThrottle: { maxFailuresPerAccount: -1 } })).toThrow(
      /`loginThrottle.maxFailuresPerAccount` option must be an integer/,
    )
    expect(() => createAuthApp({ loginThrottle: { windowSeconds: 0 } })).toThrow(/`loginThrottle.windowSeconds`/)
  })
})
