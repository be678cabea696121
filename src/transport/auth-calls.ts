import ky, { type KyInstance } from 'ky'
import { AuthError, isAuthError } from '../errors.ts'
import type { NormalizedOptions } from '../options.ts'
import { readTokenAnswer, type TokenAnswer } from '../session/token-answer.ts'
import { readJson } from './read-body.ts'
import { type AuthCall, codeOfFailure } from './status-codes.ts'

/** The ky instance of the auth routes: cookies included with the cookie transport, POST retried when asked. */
function authHttp(options: NormalizedOptions): KyInstance {
  return ky.create({
    baseUrl: options.baseUrl,
    fetch: options.fetch,
    timeout: options.timeout,
    headers: { accept: 'application/json' },
    ...(options.transport === 'cookie' ? { credentials: 'include' } : {}),
    // Backoff of 0.3 s doubling, with full jitter; each call sets its own `limit`.
    retry: { limit: 0, methods: ['post'], retryOnTimeout: true, jitter: true, maxRetryAfter: 10_000 },
  })
}

/** The failure of `call` as an AuthError; its cause is the answer, or the network or timeout error. */
function failureOf(call: AuthCall, error: unknown): AuthError {
  if (isAuthError(error)) return error
  // Not ky's HTTPError as the cause: its `options` hold the credentials or refresh token that were sent.
  const response = (error as { response?: Response } | undefined)?.response
  const status = response?.status
  return new AuthError(codeOfFailure(call, status), { cause: response ?? error, status })
}

/** The login, refresh and logout calls over ky; each attempt is bounded by `timeout`, its body's reading too. */
export function createAuthCalls(options: NormalizedOptions) {
  const http = authHttp(options)
  const { endpoints, timeout } = options
  const bodyOf = (refreshToken: string | undefined) => (refreshToken === undefined ? undefined : { refreshToken })

  /** `beforeRetry` runs after the backoff, before each retry is sent, and throws to stop the call instead. */
  const tokens = async (
    call: AuthCall,
    path: string,
    json: unknown,
    retries: number,
    beforeRetry: () => void = () => {},
  ): Promise<TokenAnswer> => {
    try {
      const response = await http.post(path, { json, retry: { limit: retries }, hooks: { beforeRetry: [beforeRetry] } })
      return readTokenAnswer(await readJson(response, timeout), response.status)
    } catch (error) {
      throw failureOf(call, error)
    }
  }

  return {
    login: (credentials: Record<string, unknown>) => tokens('login', endpoints.login, credentials, 0),

    /** `beforeRetry` runs before each retry is sent; it throws when the refresh is no longer wanted (a logout). */
    refresh: (refreshToken: string | undefined, beforeRetry?: () => void) =>
      tokens('refresh', endpoints.refresh, bodyOf(refreshToken), options.refreshRetries, beforeRetry),

    /** Resolves once the server answered 2xx; a server without a logout route (`false`) is not called. */
    async logout(refreshToken: string | undefined): Promise<void> {
      if (endpoints.logout === false) return
      try {
        const response = await http.post(endpoints.logout, { json: bodyOf(refreshToken) })
        // Its body is of no use; cancelling it frees the connection.
        await response.body?.cancel()
      } catch (error) {
        throw failureOf('logout', error)
      }
    },
  }
}

export type AuthCalls = ReturnType<typeof createAuthCalls>
