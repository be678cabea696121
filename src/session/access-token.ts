import { type JwtPayload, jwtDecode } from 'jwt-decode'
import { type ClockMark, elapsedSince } from '../schedule/clock.ts'

export type { JwtPayload }

/**
 * An access token and its timing. Times count from `sentAt`, the moment the request that obtained it was sent
 * (the server issued it later), on the client's own clocks: a skewed client clock does not matter.
 */
export interface AccessToken {
  readonly token: string
  /** Decoded, NOT verified: good for timing and display, never for trust. */
  readonly claims: JwtPayload | undefined
  readonly sentAt: ClockMark
  /** Milliseconds after `sentAt` from which the token counts as expired; `undefined` when it does not say. */
  readonly expiresIn: number | undefined
  /** Milliseconds after `sentAt` from which a refresh is due; `undefined` without an expiry. */
  readonly refreshIn: number | undefined
}

/** JWT times are whole seconds: `iat` may be up to a second earlier than the moment of issue. */
const IAT_ROUNDING = 1000

/** The payload of `token` if it is a decodable JWT, else `undefined`. */
export function claimsOf(token: string): JwtPayload | undefined {
  try {
    return jwtDecode(token)
  } catch {
    return undefined
  }
}

const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)

/**
 * How long a token received for a request sent at `sentAt` surely stays valid, counted conservatively: its
 * lifetime (`exp - iat`, or `exp` against the local clock without `iat`) less the rounding of `iat`. `undefined`
 * when that is not positive: a token that seems dead on arrival (`exp` before `iat`, or a local clock ahead of the
 * server's) is used until the API refuses it, rather than refreshed before every request.
 */
function lifetimeOf(claims: JwtPayload | undefined, sentAt: ClockMark): number | undefined {
  if (!isTime(claims?.exp)) return undefined
  const lifetime = isTime(claims.iat) ? (claims.exp - claims.iat) * 1000 : claims.exp * 1000 - sentAt.wall
  return lifetime - IAT_ROUNDING > 0 ? lifetime - IAT_ROUNDING : undefined
}

/** Milliseconds until `access` expires (negative once it has); `undefined` without an expiry. */
export function remainingLife(access: AccessToken): number | undefined {
  return access.expiresIn === undefined ? undefined : access.expiresIn - elapsedSince(access.sentAt)
}

/** Whether `access` counts as expired now (never for a token without an expiry). */
export const isExpired = (access: AccessToken): boolean => (remainingLife(access) ?? 1) <= 0

/** Whether a refresh of `access` is due now. */
export const isRefreshDue = (access: AccessToken): boolean =>
  access.refreshIn !== undefined && elapsedSince(access.sentAt) >= access.refreshIn

/**
 * Caps the life left of a token that expires no later than the previous one of the session (the same token issued
 * again, or one with the same or an earlier `exp`) by what the previous one had left: it cannot look longer-lived
 * than it is. A token that expires later is newer, and its own lifetime counts.
 */
function capByPrevious(left: number, claims: JwtPayload | undefined, previous: AccessToken | undefined): number {
  const previousLeft = previous && remainingLife(previous)
  if (previousLeft === undefined || !isTime(claims?.exp) || !isTime(previous?.claims?.exp)) return left
  const later = claims.exp - previous.claims.exp
  return later > 0 ? left : Math.min(left, previousLeft + later * 1000)
}

/**
 * The access token of an answer, timed: it expires after its conservative lifetime, and a refresh is due
 * `margin` ms before that, but never more than a quarter of the lifetime before.
 */
export function timeAccessToken(
  token: string,
  sentAt: ClockMark,
  margin: number,
  previous: AccessToken | undefined,
): AccessToken {
  const claims = claimsOf(token)
  const lifetime = lifetimeOf(claims, sentAt)
  if (lifetime === undefined) return { token, claims, sentAt, expiresIn: undefined, refreshIn: undefined }
  const sinceSent = elapsedSince(sentAt)
  const expiresIn = sinceSent + capByPrevious(lifetime - sinceSent, claims, previous)
  return { token, claims, sentAt, expiresIn, refreshIn: expiresIn - Math.min(margin, lifetime / 4) }
}
