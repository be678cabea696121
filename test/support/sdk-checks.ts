/**
 * Checks shared by the SDK failure and concurrency tests. Tokens are compared,
 * never printed: assertions see labels, counts and booleans only, so that even
 * a failing test cannot write a token to the output.
 */
import { HTTPError } from 'ky'
import { http } from 'msw'
import type { SetupServer } from 'msw/node'
import { expect, vi } from 'vitest'
import type { AuthHandlers } from '../../mock-server/index.ts'
import {
  type AuthClient,
  AuthError,
  type AuthErrorCode,
  isAuthError,
  type RefreshTokenStorage,
} from '../../src/index.ts'
import { turn } from './time.ts'

const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g

/** Every JWT any mocked answer of `server` carried (bodies and `Set-Cookie`), for leak checks. */
export function recordIssuedTokens(server: SetupServer): Set<string> {
  const issued = new Set<string>()
  server.events.on('response:mocked', async ({ response }) => {
    const text = [...response.headers.getSetCookie(), await response.clone().text()].join('\n')
    for (const [token] of text.matchAll(JWT)) issued.add(token)
  })
  return issued
}

/** The rejection of `promise`; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  )
}

/** What an error is, in a form safe to print (an HTTPError's request carries the Authorization header). */
export function summary(error: unknown): Record<string, unknown> {
  if (isAuthError(error)) return { name: error.name, code: error.code, status: error.status }
  if (error instanceof HTTPError) return { name: 'HTTPError', status: error.response.status }
  return { name: (error as Error | undefined)?.name, message: String((error as Error | undefined)?.message) }
}

/** An AuthError of `code`, by class, by guard and by name, whose texts contain none of `issued`. */
export function expectAuthError(error: unknown, code: AuthErrorCode, issued: Iterable<string>): AuthError {
  expect(summary(error)).toMatchObject({ name: 'AuthError', code })
  expect(error instanceof AuthError).toBe(true)
  expect(isAuthError(error)).toBe(true)
  const texts = [(error as AuthError).message, String(error), (error as AuthError).stack ?? '']
  const leaked = [...issued].filter((token) => texts.some((text) => text.includes(token))).length
  expect(leaked, 'issued tokens found in the error text').toBe(0)
  return error as AuthError
}

/** Counts of each event the client emitted, with the errors it passed. */
export function watchEvents(auth: AuthClient) {
  const seen = { refreshed: 0, sessionExpired: [] as AuthError[], refreshFailed: [] as AuthError[] }
  auth.on('refreshed', () => {
    seen.refreshed++
  })
  auth.on('sessionExpired', (error) => seen.sessionExpired.push(error))
  auth.on('refreshFailed', (error) => seen.refreshFailed.push(error))
  return seen
}

/** A body-transport storage adapter that remembers what was written (compare, never print). */
export function recordingStorage(): RefreshTokenStorage & { value: string | undefined; writes: string[] } {
  return {
    value: undefined,
    writes: [],
    get() {
      return this.value
    },
    set(token) {
      this.value = token
      this.writes.push(token)
    },
    remove() {
      this.value = undefined
    },
  }
}

/** Names `header` by the token it carries: `Bearer <tokens.A>` is 'A'; 'none' without one. */
export function labelOf(header: string | null, tokens: Record<string, string | undefined>): string {
  if (!header) return 'none'
  const name = Object.entries(tokens).find(([, token]) => token && header === `Bearer ${token}`)?.[0]
  return name ?? 'unknown'
}

/** Records the Authorization header of each request to `url`, then lets the next handler answer. */
export function recordAuthorizations(server: SetupServer, url: string, method: 'get' | 'post' = 'get') {
  const sent: Array<string | null> = []
  server.use(
    http[method](url, ({ request }) => {
      sent.push(request.headers.get('authorization'))
    }),
  )
  return sent
}

/** Moves time an hour on and checks that no scheduled refresh went out. */
export async function expectNoTimerArmed(mock: AuthHandlers): Promise<void> {
  const before = mock.count('/refresh')
  await vi.advanceTimersByTimeAsync(3_600_000)
  await turn()
  expect(mock.count('/refresh')).toBe(before)
}

/** A fetch that counts the requests in flight, so that a test moves fake time only while nothing is on the wire. */
export function countingFetch() {
  const state = { pending: 0 }
  const fetch: typeof globalThis.fetch = async (input, init) => {
    state.pending++
    try {
      return await globalThis.fetch(input, init)
    } finally {
      state.pending--
    }
  }
  return { fetch, state }
}
