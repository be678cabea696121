/** The expiry queue behind the memory store: ids come out soonest end first, and compaction keeps that order. */
import { describe, expect, it } from 'vitest'
import { createExpiryQueue } from '../mock-server/store/expiry-queue.ts'

/** 500 ids with ends in a shuffled order (a fixed permutation, so that every run is the same). */
const ends = Array.from({ length: 500 }, (_, index) => ({ id: `id-${index}`, endsAt: (index * 7919) % 500 }))

describe('the expiry queue', () => {
  it('gives back exactly the ids whose end has come, soonest first, and keeps the others', () => {
    const queue = createExpiryQueue()
    for (const { id, endsAt } of ends) queue.add(id, endsAt)
    const ended = queue.takeEnded(99)
    expect(ended).toHaveLength(100)
    const endOf = new Map(ends.map(({ id, endsAt }) => [id, endsAt]))
    const endsTaken = ended.map((id) => endOf.get(id) as number)
    expect(endsTaken).toEqual([...endsTaken].sort((a, b) => a - b))
    expect(Math.max(...endsTaken)).toBe(99)
    expect(queue.size).toBe(400)
    expect(queue.takeEnded(99)).toEqual([])
  })

  it('keeps the order after compaction drops the ids it is told to', () => {
    const queue = createExpiryQueue()
    for (const { id, endsAt } of ends) queue.add(id, endsAt)
    const kept = new Set(ends.filter((_, index) => index % 3 === 0).map(({ id }) => id))
    queue.compact((id) => kept.has(id))
    expect(queue.size).toBe(kept.size)
    const endOf = new Map(ends.map(({ id, endsAt }) => [id, endsAt]))
    const all = queue.takeEnded(Number.POSITIVE_INFINITY)
    expect(new Set(all)).toEqual(kept)
    const order = all.map((id) => endOf.get(id) as number)
    expect(order).toEqual([...order].sort((a, b) => a - b))
  })
})
