/**
 * Which sessions belong to whom, as the test kit sees them: every successful login's access token names its user
 * (`name`) and its session (`sid`, the refresh-token family). The store keeps families by id only, so the kit
 * remembers this to revoke one user's sessions.
 */
import type { AuthStore } from './store.ts'
import { loginKeyOf, normalizeIdentifier } from './usernames.ts'

/** The payload of a JWT, without checking it: the kit reads tokens its own app just signed. */
function payloadOf(token: unknown): Record<string, unknown> | undefined {
  if (typeof token !== 'string') return undefined
  try {
    const segment = (token.split('.')[1] ?? '').replaceAll('-', '+').replaceAll('_', '/')
    const value: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(segment), (c) => c.charCodeAt(0))))
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The name the app puts in tokens for `username` (or an email address): normalized and case-folded. */
function tokenNameOf(username: unknown): string {
  try {
    if (typeof username === 'string') {
      const key = loginKeyOf(normalizeIdentifier(username, username.includes('@') ? 'email' : 'username'))
      return key.slice(key.indexOf(':') + 1)
    }
  } catch {}
  throw new TypeError('`username` must be a username or an email address, such as "user1"')
}

export interface KitSessions {
  /** Notes the session a successful login answer opened. */
  noteLogin(response: Response): Promise<void>
  /** Revokes every session `username` opened through the kit; resolves with how many there were. */
  revokeSessionsOf(username: string, store: AuthStore): Promise<number>
  clear(): void
}

export function createKitSessions(): KitSessions {
  const sessionsByName = new Map<string, Set<string>>()
  return {
    async noteLogin(response) {
      if (response.status !== 200) return
      const body: unknown = await response
        .clone()
        .json()
        .catch(() => undefined)
      const claims = payloadOf((body as { accessToken?: unknown } | undefined)?.accessToken)
      if (typeof claims?.name !== 'string' || typeof claims.sid !== 'string') return
      const sessions = sessionsByName.get(claims.name) ?? new Set()
      sessions.add(claims.sid)
      sessionsByName.set(claims.name, sessions)
    },
    async revokeSessionsOf(username, store) {
      const name = tokenNameOf(username)
      const sessions = [...(sessionsByName.get(name) ?? [])]
      for (const id of sessions) await store.revokeFamily(id)
      sessionsByName.delete(name)
      return sessions.length
    },
    clear: () => sessionsByName.clear(),
  }
}
