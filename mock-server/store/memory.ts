/**
 * The default store: plain maps that live as long as the process (or the MSW
 * handlers). Runtime-neutral. An ended family is forgotten at once when it is
 * revoked, and when its lifetime is over as later families arrive, at O(log n).
 */
import type { AuthStore, StoredUser, TokenFamily } from './contract.ts'
import { createExpiryQueue } from './expiry-queue.ts'

/** The in-memory store, with counts for tests and soak runs (see {@link createMeasuredMemoryStore}). */
export interface MemoryStore extends AuthStore {
  /** How many users and families it holds right now. */
  size(): { readonly users: number; readonly families: number }
}

/** Stale queue entries (families revoked before their end) tolerated before the queue is rebuilt. */
const SLACK = 64

/** A store that lives as long as the process; families past their end are dropped as new ones arrive. */
export function createMemoryStore(): AuthStore {
  return createMeasuredMemoryStore()
}

/** The same store, typed with its `size()`, for tests and the soak script. */
export function createMeasuredMemoryStore(): MemoryStore {
  const users = new Map<string, StoredUser>()
  const families = new Map<string, TokenFamily>()
  const endings = createExpiryQueue()

  const forgetEnded = (nowSeconds: number) => {
    for (const id of endings.takeEnded(nowSeconds)) {
      const family = families.get(id)
      // A queue entry may outlive its family (revoked) or, with a skewed clock, be for an id reused: check the end.
      if (family && family.expiresAt <= nowSeconds) families.delete(id)
    }
    // Revoked families leave their entry behind; rebuilding when they dominate keeps the queue O(families).
    if (endings.size > 2 * families.size + SLACK) endings.compact((id) => families.has(id))
  }

  return {
    findUser: (login) => users.get(login),
    insertUser(user) {
      if (users.has(user.login)) return false
      users.set(user.login, user)
      return true
    },
    findFamily: (id) => families.get(id),
    insertFamily(family, nowSeconds) {
      forgetEnded(nowSeconds)
      families.set(family.id, family)
      endings.add(family.id, family.expiresAt)
    },
    rotateFamily(id, expectedHead, next) {
      const family = families.get(id)
      if (!family || family.revoked || family.head !== expectedHead) return false
      families.set(id, { ...family, ...next })
      return true
    },
    revokeFamily(id) {
      families.delete(id)
    },
    revokeAllFamilies() {
      families.clear()
      endings.compact(() => false)
    },
    size: () => ({ users: users.size, families: families.size }),
  }
}
