/**
 * Requests to the auth routes by absolute URL, as `Request` objects, so that one
 * helper serves both `fetch` (through MSW) and `app.fetch` (the app directly).
 */
import { expect } from 'vitest'
import { setCookie } from './cookies.ts'

export const DEMO = { username: 'user1', password: 'password123' } as const

/** A POST with a JSON body, or with no body at all when `body` is `undefined`. */
export function post(url: string, body?: unknown, headers: Record<string, string> = {}): Request {
  if (body === undefined) return new Request(url, { method: 'POST', headers })
  return new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

/** A GET carrying `accessToken` as a bearer token, if given. */
export function get(url: string, accessToken?: string, headers: Record<string, string> = {}): Request {
  return new Request(url, {
    headers: accessToken === undefined ? headers : { authorization: `Bearer ${accessToken}`, ...headers },
  })
}

export interface Tokens {
  readonly accessToken: string
  /** From the JSON body or, failing that, from the `refreshToken` cookie. */
  readonly refreshToken: string | undefined
  /** Which way the refresh token came, if at all. */
  readonly via: 'body' | 'cookie' | undefined
  /** The JSON body as received. */
  readonly body: Record<string, unknown>
}

/** The tokens of a successful token response; fails the test on any other answer. */
export async function tokensOf(response: Response): Promise<Tokens> {
  expect(response.status).toBe(200)
  const body = (await response.json()) as Record<string, unknown>
  expect(typeof body.accessToken).toBe('string')
  const fromCookie = setCookie(response, 'refreshToken')?.value || undefined
  const fromBody = typeof body.refreshToken === 'string' ? body.refreshToken : undefined
  return {
    accessToken: body.accessToken as string,
    refreshToken: fromBody ?? fromCookie,
    via: fromBody !== undefined ? 'body' : fromCookie !== undefined ? 'cookie' : undefined,
    body,
  }
}

/** The `{ error, message }` body of a JSON error answer with `status`. */
export async function problemOf(response: Response, status: number): Promise<{ error: string; message: string }> {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const body = (await response.json()) as { error: string; message: string }
  expect(typeof body.error).toBe('string')
  expect(typeof body.message).toBe('string')
  return body
}

/** The error thrown by `action`; fails the test when nothing is thrown. */
export function thrownBy(action: () => unknown): Error {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(Error)
    return error as Error
  }
  throw new Error('expected the call to throw')
}
