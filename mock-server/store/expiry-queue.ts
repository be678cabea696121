/**
 * Ids ordered by when they end: a binary min-heap, so that adding one and
 * taking those that have ended cost O(log n) each, whatever the number held.
 * This is what keeps a login's cost flat however many sessions are stored.
 */

export interface ExpiryQueue {
  add(id: string, endsAt: number): void
  /** Removes and returns, soonest first, every id whose end is at or before `now`. */
  takeEnded(now: number): string[]
  readonly size: number
  /** Rebuilds the queue from the entries `keep` accepts (drops those of families already gone). */
  compact(keep: (id: string) => boolean): void
}

interface Entry {
  readonly id: string
  readonly endsAt: number
}

export function createExpiryQueue(): ExpiryQueue {
  let heap: Entry[] = []

  const swap = (a: number, b: number) => {
    const entry = heap[a] as Entry
    heap[a] = heap[b] as Entry
    heap[b] = entry
  }
  const before = (a: number, b: number) => (heap[a] as Entry).endsAt < (heap[b] as Entry).endsAt

  const siftUp = (start: number) => {
    for (let child = start; child > 0; ) {
      const parent = (child - 1) >> 1
      if (!before(child, parent)) return
      swap(child, parent)
      child = parent
    }
  }

  const siftDown = (start: number) => {
    for (let parent = start; ; ) {
      const left = 2 * parent + 1
      const smallest = [left, left + 1].reduce(
        (best, child) => (child < heap.length && before(child, best) ? child : best),
        parent,
      )
      if (smallest === parent) return
      swap(parent, smallest)
      parent = smallest
    }
  }

  const pop = () => {
    const top = heap[0] as Entry
    const last = heap.pop() as Entry
    if (heap.length > 0) {
      heap[0] = last
      siftDown(0)
    }
    return top
  }

  return {
    add(id, endsAt) {
      heap.push({ id, endsAt })
      siftUp(heap.length - 1)
    },
    takeEnded(now) {
      const ended: string[] = []
      while (heap.length > 0 && (heap[0] as Entry).endsAt <= now) ended.push(pop().id)
      return ended
    },
    get size() {
      return heap.length
    },
    compact(keep) {
      heap = heap.filter((entry) => keep(entry.id))
      for (let index = (heap.length >> 1) - 1; index >= 0; index--) siftDown(index)
    },
  }
}
