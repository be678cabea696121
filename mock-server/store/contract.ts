/**
 * What the reference server asks of its storage. Every store (memory, SQLite,
 * Redis, or one of your own) honours the same contract, checked by one suite
 * (test/support/store-contract.ts): in particular the atomic compare-and-set of
 * `rotateFamily`, which is what makes N concurrent refreshes with one token
 * yield exactly one successor, even across server instances.
 */

export type Awaitable<T> = T | Promise<T>

/** A registered account; only the bcrypt hash of its password is kept. */
export interface StoredUser {
  readonly id: string
  /** `username:<name>` or `email:<lower-cased address>`. */
  readonly login: string
  readonly passwordHash: string
}

/** A refresh token that was replaced, kept for the reuse grace window. */
export interface ReplacedToken {
  /** `jti` of the replaced token. */
  readonly jti: string
  /** When (milliseconds) it was replaced. */
  readonly at: number
}

/** The current position of a refresh-token family: its newest token and the ones it recently replaced. */
export interface FamilyHead {
  /** `jti` of the newest refresh token. */
  readonly head: string
  /** `iat` (seconds) of the newest refresh token, to re-sign the very same token during the grace window. */
  readonly headIssuedAt: number
  /** `jti` of the token the newest one replaced. */
  readonly parent?: string
  /** When (milliseconds) the parent was rotated. */
  readonly rotatedAt?: number
  /**
   * The tokens replaced within the grace window, oldest first (the parent last). A burst that mixes the
   * newest token and its ancestors is then served, not taken for reuse. Stores keep it as they get it.
   */
  readonly replaced?: readonly ReplacedToken[]
}

/** All refresh tokens descending from one login. */
export interface TokenFamily extends FamilyHead {
  readonly id: string
  readonly sub: string
  readonly name: string
  /** Absolute end of the family (seconds); rotation never moves it. */
  readonly expiresAt: number
  /** Stores that forget an ended family always return `false`; one that keeps it marks it here. */
  readonly revoked: boolean
}

/**
 * Storage of users and token families; see `createMemoryStore` for the default. Each method may return a
 * promise; one that throws or rejects is a store failure, answered 503 and logged. No method is ever given a
 * token or a secret: families are keyed by random ids.
 */
export interface AuthStore {
  findUser(login: string): Awaitable<StoredUser | undefined>
  /** Inserts unless the login is taken; `false` when it is. */
  insertUser(user: StoredUser): Awaitable<boolean>
  /** The family, unless it is unknown, revoked, or ended and forgotten. */
  findFamily(id: string): Awaitable<TokenFamily | undefined>
  /**
   * Stores a new family. `nowSeconds` lets a store drop families that have ended, at a cost that must not grow
   * with the number of families stored (a login must not scan them all).
   */
  insertFamily(family: TokenFamily, nowSeconds: number): Awaitable<void>
  /** Atomically moves the head of family `id` to `next` if its head is still `expectedHead`. */
  rotateFamily(id: string, expectedHead: string, next: FamilyHead): Awaitable<boolean>
  /** Ends the family: `findFamily` no longer returns it as live. */
  revokeFamily(id: string): Awaitable<void>
  /** Ends every family; users are kept. */
  revokeAllFamilies(): Awaitable<void>
}

/** The methods an {@link AuthStore} must have, in the order they are checked. */
export const STORE_METHODS = [
  'findUser',
  'insertUser',
  'findFamily',
  'insertFamily',
  'rotateFamily',
  'revokeFamily',
  'revokeAllFamilies',
] as const satisfies readonly (keyof AuthStore)[]
