/**
 * The in-memory store (the default, and MSW's): the store contract, and the
 * work a login costs it counted exactly, however many sessions it holds.
 */
import { describe, expect, it } from 'vitest'
import type { TokenFamily } from '../mock-server/index.ts'
import { createMeasuredMemoryStore } from '../mock-server/store/memory.ts'
import { defineStoreContract } from './support/store-contract.ts'

defineStoreContract('memory', {
  async open() {
    const store = createMeasuredMemoryStore()
    return { store, size: () => store.size(), close: async () => undefined }
  },
})

/** A family whose `expiresAt` counts how often the store reads it. */
function countedFamily(id: string, expiresAt: number, reads: { count: number }): TokenFamily {
  const family = { id, sub: 'u', name: 'n', revoked: false, head: `h-${id}`, headIssuedAt: 0 }
  return Object.defineProperty(family, 'expiresAt', {
    enumerable: true,
    get() {
      reads.count += 1
      return expiresAt
    },
  }) as TokenFamily
}

/** How many stored families' ends 100 logins read, with `stored` live families already in the store. */
function endsReadByLogins(stored: number): number {
  const store = createMeasuredMemoryStore()
  const reads = { count: 0 }
  for (let index = 0; index < stored; index++) {
    store.insertFamily(countedFamily(`old-${index}`, 10_000 + index, reads), 1_000)
  }
  reads.count = 0
  for (let index = 0; index < 100; index++) store.insertFamily(countedFamily(`new-${index}`, 20_000, reads), 1_000)
  return reads.count
}

describe('the memory store', () => {
  it('reads no stored family when a login drops ended ones, however many are stored', () => {
    const few = endsReadByLogins(1_000)
    const many = endsReadByLogins(20_000)
    // One read per new family (its place in the expiry queue); a scan would read all 20,000 on every login.
    expect(many).toBeLessThanOrEqual(few)
    expect(many).toBeLessThanOrEqual(100)
  })

  it('forgets a revoked family at once rather than at its end, so logging out frees its memory', () => {
    const store = createMeasuredMemoryStore()
    const ids = Array.from({ length: 1_000 }, (_, index) => `f-${index}`)
    for (const id of ids) store.insertFamily(countedFamily(id, 5_000, { count: 0 }), 1_000)
    for (const id of ids) store.revokeFamily(id)
    expect(store.size().families).toBe(0)
    store.insertFamily(countedFamily('last', 5_000, { count: 0 }), 1_000)
    expect(store.size().families).toBe(1)
  })
})
