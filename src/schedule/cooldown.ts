import { AuthError } from '../errors.ts'
import { type ClockMark, elapsedSince, markNow } from './clock.ts'

/** The first pause after a failed refresh; each failure in a row doubles it, up to {@link MAX_PAUSE}. */
export const FIRST_PAUSE = 1000
export const MAX_PAUSE = 30_000

/**
 * The pause after transient refresh failures: no automatic refresh starts until it is over, so an outage costs a
 * few calls, not a storm. Each pause is drawn between half and all of its nominal length (jitter), so that the
 * clients of one server do not come back in step. `reset()` ends it (back online, or a success).
 */
export function createCooldown(random: () => number = Math.random) {
  let failures = 0
  let pause = 0
  let since: ClockMark | undefined
  let lastFailure: AuthError | undefined

  return {
    /** The error a caller gets while the pause lasts, or `undefined` when refreshes may start. */
    blocking(): AuthError | undefined {
      if (!lastFailure || !since || elapsedSince(since) >= pause) return undefined
      return new AuthError('REFRESH_FAILED', { detail: 'cooling down after a failed refresh', cause: lastFailure })
    },

    failed(error: AuthError): void {
      failures++
      lastFailure = error
      const nominal = Math.min(MAX_PAUSE, FIRST_PAUSE * 2 ** (failures - 1))
      since = markNow()
      pause = nominal * (0.5 + random() / 2)
    },

    reset(): void {
      failures = 0
      pause = 0
      since = undefined
      lastFailure = undefined
    },
  }
}

export type Cooldown = ReturnType<typeof createCooldown>
