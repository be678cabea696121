import { type AccessToken, remainingLife } from './access-token.ts'
import type { SessionInfo } from './events.ts'

/**
 * Where a session stands:
 * - `unknown`: no access token yet; a session may exist all the same (an HttpOnly cookie after a reload), so a
 *   refresh may be tried.
 * - `active`: an access token is in memory.
 * - `ended`: the refresh token was refused (`expired`) or the user logged out (`loggedOut`); nothing refreshes
 *   automatically until a login, or an explicit `refresh()`.
 */
export type SessionState =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'active'; readonly access: AccessToken }
  | { readonly kind: 'ended'; readonly reason: 'expired' | 'loggedOut' }

/** The ticket of a request: the session it was begun in, and the token it carries (if any). */
export interface Ticket {
  readonly session: number
  readonly token: string | undefined
}

/** What listeners and apps may know of `access`: its claims, and when it expires in local time. */
export function infoOf(access: AccessToken): SessionInfo {
  const left = remainingLife(access)
  return { claims: access.claims, expiresAt: left === undefined ? undefined : Date.now() + left }
}
