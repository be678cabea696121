/**
 * The demo page's clock, which the "simulate sleep" and "burst" buttons move ahead. DEMO ONLY: it replaces
 * `Date.now` and `performance.now` in this page, the two clocks the SDK reads, so that a token looks as old as
 * it would after a laptop slept. The offset is kept in `localStorage` and followed through `storage` events,
 * so that every tab of the demo sleeps together, as the tabs of a real browser do (and a reload keeps it:
 * the clocks never run backwards).
 */
const KEY = 'ky-token-refresh-demo:clock-offset'

export interface PageClock {
  /** How far ahead of the real time this page's clocks run, in milliseconds. */
  offset(): number
  /** Moves both clocks ahead by `ms`, in every tab of the demo. */
  advance(ms: number): void
  /** The real monotonic time (the original `performance.now`), for durations the demo's jumps must not skew. */
  real(): number
  /** Calls `listener` whenever the offset changes (here or in another tab). */
  onChange(listener: () => void): void
}

const readOffset = (): number => {
  const value = Number(localStorage.getItem(KEY) ?? 0)
  return Number.isFinite(value) && value > 0 ? value : 0
}

export function installPageClock(): PageClock {
  const realDateNow = Date.now.bind(Date)
  const realPerformanceNow = performance.now.bind(performance)
  const listeners = new Set<() => void>()
  let offset = readOffset()
  const changed = () => {
    for (const listener of listeners) listener()
  }

  Date.now = () => realDateNow() + offset
  Object.defineProperty(performance, 'now', { configurable: true, value: () => realPerformanceNow() + offset })
  window.addEventListener('storage', (event) => {
    if (event.key !== KEY) return
    // Never backwards: a clock set back would make every token look younger than it is.
    offset = Math.max(offset, readOffset())
    changed()
  })

  return {
    offset: () => offset,
    real: realPerformanceNow,
    advance(ms) {
      offset += ms
      localStorage.setItem(KEY, String(offset))
      changed()
    },
    onChange: (listener) => {
      listeners.add(listener)
    },
  }
}
