/**
 * Where the reference server keeps its state. The in-memory store is the
 * default; a database-backed one only has to honour the same contract, in
 * particular the atomic compare-and-set of `rotateFamily`, which is what makes
 * N concurrent refreshes with one token yield exactly one successor.
 */

type Awaitable<T> = T | Promise<T>

/** A registered account; only the bcrypt hash of its password is kept. */
export interface StoredUser {
  readonly id: string
  /** `username:<name>` or `email:<lower-cased address>`. */
  readonly login: string
  readonly passwordHash: string
}

/** The current position of a refresh-token family: its newest token and the one it replaced. */
export interface FamilyHead {
  /** `jti` of the newest refresh token. */
  readonly head: string
  /** `iat` (seconds) of the newest refresh token, to re-sign the very same token during the grace window. */
  readonly headIssuedAt: number
  /** `jti` of the token the newest one replaced. */
  readonly parent?: string
  /** When (milliseconds) the parent was rotated. */
  readonly rotatedAt?: number
}

/** All refresh tokens descending from one login. */
export interface TokenFamily extends FamilyHead {
  readonly id: string
  readonly sub: string
  readonly name: string
  /** Absolute end of the family (seconds); rotation never moves it. */
  readonly expiresAt: number
  readonly revoked: boolean
}

/** Storage of users and token families; see {@link createMemoryStore} for the default. */
export interface AuthStore {
  findUser(login: string): Awaitable<StoredUser | undefined>
  /** Inserts unless the login is taken; `false` when it is. */
  insertUser(user: StoredUser): Awaitable<boolean>
  findFamily(id: string): Awaitable<TokenFamily | undefined>
  /** Stores a new family; `nowSeconds` lets a store drop families that have ended. */
  insertFamily(family: TokenFamily, nowSeconds: number): Awaitable<void>
  /** Atomically moves the head of family `id` to `next` if its head is still `expectedHead`. */
  rotateFamily(id: string, expectedHead: string, next: FamilyHead): Awaitable<boolean>
  revokeFamily(id: string): Awaitable<void>
  revokeAllFamilies(): Awaitable<void>
}

/** A store that lives as long as the process; families past their end are dropped as new ones arrive. */
export function createMemoryStore(): AuthStore {
  const users = new Map<string, StoredUser>()
  const families = new Map<string, TokenFamily>()

  return {
    findUser: (login) => users.get(login),
    insertUser(user) {
      if (users.has(user.login)) return false
      users.set(user.login, user)
      return true
    },
    findFamily: (id) => families.get(id),
    insertFamily(family, nowSeconds) {
      for (const [id, old] of families) if (old.expiresAt <= nowSeconds) families.delete(id)
      families.set(family.id, family)
    },
    rotateFamily(id, expectedHead, next) {
      const family = families.get(id)
      if (!family || family.revoked || family.head !== expectedHead) return false
      families.set(id, { ...family, ...next })
      return true
    },
    revokeFamily(id) {
      const family = families.get(id)
      if (family) families.set(id, { ...family, revoked: true })
    },
    revokeAllFamilies() {
      for (const [id, family] of families) families.set(id, { ...family, revoked: true })
    },
  }
}
