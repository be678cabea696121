import { MAX_TIMEOUT } from '../option-types.ts'
import type { AccessToken } from '../session/access-token.ts'
import { elapsedSince } from './clock.ts'

/**
 * The least time between two proactive refreshes: a server that issues tokens of a few milliseconds gets one
 * refresh a second from the timer, not a storm. Requests that need a token still refresh on demand.
 */
export const MIN_PROACTIVE_INTERVAL = 1000

/** The timer of proactive refreshes: one per client, armed for the current access token. */
export function createRefreshTimer(onDue: () => void) {
  let timer: ReturnType<typeof setTimeout> | undefined
  let disposed = false

  const stop = () => {
    clearTimeout(timer)
    timer = undefined
  }

  const arm = (access: AccessToken | undefined) => {
    stop()
    if (disposed) return
    // No expiry (no `exp`): refreshes are reactive only.
    if (access?.refreshIn === undefined) return
    const due = Math.max(access.refreshIn, MIN_PROACTIVE_INTERVAL)
    // A wait longer than the timer maximum is clamped, and checked again when it fires; a timer that fires
    // late (a sleeping laptop, a busy tab) finds the refresh overdue and refreshes at once.
    timer = setTimeout(
      () => (elapsedSince(access.sentAt) < due ? arm(access) : onDue()),
      Math.min(due - elapsedSince(access.sentAt), MAX_TIMEOUT),
    )
    // A scheduled refresh must not keep a Node process alive.
    ;(timer as { unref?: () => void }).unref?.()
  }

  const dispose = () => {
    disposed = true
    stop()
  }

  return { arm, stop, dispose }
}
