/**
 * A moment, read from two clocks. The wall clock (`Date`) can be set back, or jump while a laptop sleeps;
 * the monotonic one (`performance.now()`) cannot be set back, but may stand still during sleep. Time elapsed
 * is the larger of the two, so neither a clock set back nor a sleep makes a token look younger than it is.
 */
export interface ClockMark {
  readonly wall: number
  readonly monotonic: number | undefined
}

const monotonicNow = (): number | undefined => globalThis.performance?.now()

/** Now, on both clocks. */
export function markNow(): ClockMark {
  return { wall: Date.now(), monotonic: monotonicNow() }
}

/** Milliseconds since `mark`: the larger of what the two clocks say (never negative). */
export function elapsedSince(mark: ClockMark): number {
  const monotonic = monotonicNow()
  const byMonotonic = mark.monotonic === undefined || monotonic === undefined ? 0 : monotonic - mark.monotonic
  return Math.max(0, Date.now() - mark.wall, byMonotonic)
}
