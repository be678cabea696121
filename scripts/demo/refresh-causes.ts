/**
 * Why each refresh happened, told from what this page can see: its own `/refresh` requests (through the
 * client's `fetch`), the 401s its API requests got, and the calls it is waiting on. A `refreshed` event with no
 * `/refresh` request of this tab behind it is another tab's refresh (or login), told over the SDK's channel.
 */
export type RefreshCause = 'restore' | 'after-401' | 'expired' | 'proactive' | 'other-tab'

export const CAUSE_LABELS: Readonly<Record<RefreshCause, string>> = {
  restore: 'Restored on load',
  'after-401': 'After a 401',
  expired: 'Expired, before a request',
  proactive: 'Proactive',
  'other-tab': 'From another tab',
}

/** A 401 older than this did not lead to the refresh (the replay found a newer token). */
const RECENT_401_MS = 2000

/** `tokenExpired`: whether the page's current access token counts as expired now. */
export function createRefreshCauses(realNow: () => number, tokenExpired: () => boolean) {
  let restoring = false
  let unauthorizedAt: number | undefined
  let callsInFlight = 0
  let apiRequestsInFlight = 0
  /** The cause of this tab's refresh in flight, until its `refreshed` event (or failure). */
  let ownRefresh: RefreshCause | undefined
  let refreshRequests = 0

  const causeNow = (): RefreshCause => {
    if (restoring) return 'restore'
    if (unauthorizedAt !== undefined && realNow() - unauthorizedAt < RECENT_401_MS) return 'after-401'
    // More calls than requests on the wire, and the token has expired: a call is waiting for a new one. (A call
    // made once the refresh was due, but before expiry, goes out at once with the old token: that refresh is proactive.)
    if (callsInFlight > apiRequestsInFlight && tokenExpired()) return 'expired'
    return 'proactive'
  }

  return {
    /** The page's own `auth.refresh()` at load, restoring a session from the cookie. */
    setRestoring(value: boolean): void {
      restoring = value
    },
    /** A call of the page (through `auth.api`) begins or ends. */
    callStarted(): void {
      callsInFlight++
    },
    callEnded(): void {
      callsInFlight = Math.max(0, callsInFlight - 1)
    },
    apiRequestSent(): void {
      apiRequestsInFlight++
    },
    apiRequestEnded(status: number | undefined): void {
      apiRequestsInFlight = Math.max(0, apiRequestsInFlight - 1)
      if (status === 401) unauthorizedAt = realNow()
    },
    /** This tab sends a `/refresh` request (ky's retries of one refresh keep its first cause). */
    refreshSent(): void {
      refreshRequests++
      ownRefresh ??= causeNow()
      unauthorizedAt = undefined
    },
    /** The cause of a `refreshed` event. */
    refreshed(): RefreshCause {
      const cause = ownRefresh ?? 'other-tab'
      ownRefresh = undefined
      unauthorizedAt = undefined
      return cause
    },
    /** This tab's refresh failed or was overtaken: no `refreshed` event follows it. */
    refreshEnded(): void {
      ownRefresh = undefined
    },
    /** The cause of this tab's refresh in flight, if there is one. */
    ownCause: (): RefreshCause | undefined => ownRefresh,
    /** How many `/refresh` requests this tab has sent. */
    refreshRequests: () => refreshRequests,
  }
}

export type RefreshCauses = ReturnType<typeof createRefreshCauses>
