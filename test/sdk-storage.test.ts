/**
 * A failing storage adapter (body transport) does not fail the refresh: the refresh resolves, `storageFailed`
 * is emitted (STORAGE_FAILED, the adapter's error as cause), and the client goes on presenting the newest
 * refresh token, from memory, never a spent one the adapter may still hold. The mock rotates refresh tokens
 * and, with no grace period, revokes the whole family when a spent one is presented: a client that presented
 * one would lose the session at that refresh.
 */
import { describe, expect, it, vi } from 'vitest'
import type { AuthHandlers } from '../mock-server/index.ts'
import { type AuthError, createAuthClient, type RefreshTokenStorage } from '../src/index.ts'
import { recordingFetch } from './support/exchanges.ts'
import { DEMO, installFakeClock, mockServers } from './support/sdk.ts'
import { watchEvents } from './support/sdk-checks.ts'
import { turn } from './support/time.ts'

const BODY_API = 'https://body.example.test'
const [mock] = mockServers({ baseUrl: BODY_API, transport: 'body', reuseGraceSeconds: 0 }) as [AuthHandlers]

const ROTATIONS = 4

type Failure = 'throws' | 'rejects'

/**
 * An adapter whose `set` fails (throwing, or returning a rejected promise) from its `acceptFirst + 1`-th call on;
 * it keeps what it accepted. The errors it raised are kept, to be compared with the events' causes.
 */
function failingStorage(failure: Failure, acceptFirst: number) {
  const raised: Error[] = []
  let value: string | undefined
  let sets = 0
  const storage: RefreshTokenStorage = {
    get: () => value,
    set(token) {
      sets++
      if (sets <= acceptFirst) {
        value = token
        return
      }
      const error = new Error(`quota exceeded (${sets})`)
      raised.push(error)
      if (failure === 'throws') throw error
      return Promise.reject(error)
    },
    remove() {
      value = undefined
    },
  }
  return { storage, raised }
}

describe('a storage adapter whose set fails', () => {
  it.each<[string, Failure, number]>([
    ['throws, from the login on', 'throws', 0],
    ['rejects, from the login on', 'rejects', 0],
    ['throws after keeping the login token', 'throws', 1],
    ['rejects after keeping the login token', 'rejects', 1],
  ])(
    'when set %s, refreshes resolve, storageFailed carries the adapter error, and the newest refresh token is presented each time',
    async (_, failure, acceptFirst) => {
      installFakeClock()
      const { storage, raised } = failingStorage(failure, acceptFirst)
      const recorder = recordingFetch()
      const auth = createAuthClient({ baseUrl: BODY_API, transport: 'body', storage, fetch: recorder.fetch })
      const events = watchEvents(auth)
      const storageFailures: AuthError[] = []
      auth.on('storageFailed', (error) => storageFailures.push(error))
      await auth.login(DEMO)

      const outcomes: string[] = []
      for (let rotation = 0; rotation < ROTATIONS; rotation++) {
        // A second between rotations: presenting a spent token is then reuse, never a concurrent retry.
        await vi.advanceTimersByTimeAsync(1000)
        outcomes.push(
          await auth.refresh().then(
            () => 'resolved',
            (error: AuthError) => error.code,
          ),
        )
      }
      await turn()
      expect(outcomes).toEqual(Array.from({ length: ROTATIONS }, () => 'resolved'))

      // Each refresh presented the token of the answer before it (the login's, then each refresh's).
      const issuedTokens = recorder.issued('refreshToken')
      const presented = recorder.presented('/refresh')
      expect(issuedTokens).toHaveLength(ROTATIONS + 1)
      expect(presented.map((token, index) => token === issuedTokens[index])).toEqual(
        Array.from({ length: ROTATIONS }, () => true),
      )
      expect(mock.requests.filter((request) => request.route === '/refresh').map((request) => request.status)).toEqual(
        Array.from({ length: ROTATIONS }, () => 200),
      )
      expect(events.refreshed).toBe(ROTATIONS)
      expect(events.sessionExpired).toHaveLength(0)

      // One event per failed `set`, each an AuthError STORAGE_FAILED caused by that very error.
      expect(raised).toHaveLength(ROTATIONS + 1 - acceptFirst)
      expect(storageFailures.map((error) => [error.name, error.code])).toEqual(
        raised.map(() => ['AuthError', 'STORAGE_FAILED']),
      )
      expect(storageFailures.map((error, index) => error.cause === raised[index])).toEqual(raised.map(() => true))

      // The session is alive on the server.
      const answer = await auth.api.get('protected').json<{ user: { name: string } }>()
      expect(answer.user.name).toBe('user1')
    },
  )
})
