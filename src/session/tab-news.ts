/**
 * What one tab tells the others of its session, over a `BroadcastChannel`: tokens it received (a login or a
 * refresh), a logout, or a session that expired. Any script of the origin can listen on that channel; it could
 * read the same tokens from the page anyway (call `auth.getAccessToken()`), and a script of another origin cannot.
 */
export type TabNews =
  | {
      readonly kind: 'login' | 'refreshed'
      readonly accessToken: string
      /** The body transport's rotated refresh token, so that no tab presents a spent one. */
      readonly refreshToken: string | undefined
      /** `Date.now()` when the request that obtained the tokens was sent: timing counts from there. */
      readonly sentAt: number
    }
  | { readonly kind: 'loggedOut' | 'expired' }

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== ''

/** `data` as news, checked field by field; `undefined` for anything malformed, which is then ignored. */
export function readTabNews(data: unknown): TabNews | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const { kind, accessToken, refreshToken, sentAt } = data as Record<string, unknown>
  if (kind === 'loggedOut' || kind === 'expired') return { kind }
  if (kind !== 'login' && kind !== 'refreshed') return undefined
  if (!isNonEmptyString(accessToken) || !(refreshToken === undefined || isNonEmptyString(refreshToken))) {
    return undefined
  }
  if (typeof sentAt !== 'number' || !Number.isFinite(sentAt) || sentAt <= 0) return undefined
  return { kind, accessToken, refreshToken, sentAt }
}
